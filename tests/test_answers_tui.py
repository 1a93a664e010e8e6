"""Answers files in the TUI: attended they fill the forms; unattended the real screens run.

Nothing here sets a widget's value or calls a screen's private method: the person's part
is played by the steps' controllers (unattended) or by keys and clicks (attended).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Button, Checkbox, Input, Select

from leaks import collect_secrets, files_text, find_leaks
from ui_support import make_setup, sandbox
from wizard.app.answers import apply, load
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.ui.app import WizardApp
from wizard.ui.screens.connect import ConnectScreen, LinkScreen
from wizard.ui.screens.connected import ConnectedScreen
from wizard.ui.screens.prepare import PrepareScreen
from wizard.ui.widgets.check_item import CheckItem

PASSWORD = "Answers-Pass-4711!"

UNATTENDED = {
    "exchange": """
        language = "de"
        provider = "exchange"
        unattended = true
        [form]
        username = "svc-cronofy@demo.example.com"
        room_list = "rooms@demo.example.com"
        [secrets]
        password = "ROOMCAL_TEST_EWS_PASSWORD"
        [connect]
        region = "uk"
        accept_terms = true
    """,
    "microsoft365": """
        language = "de"
        provider = "microsoft365"
        unattended = true
        [form]
        tenant = "demo.example.com"
        [connect]
        region = "uk"
        accept_terms = true
    """,
    "google": """
        language = "de"
        provider = "google"
        unattended = true
        [form]
        admin_email = "admin@demo.example.com"
        [confirm]
        cronofy_app = true      # the Marketplace install, confirmed by whoever wrote this
        [connect]
        region = "uk"
        accept_terms = true
    """,
}


def _answers_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(line.strip() for line in text.splitlines()), encoding="utf-8")
    return path


def _scenario(tmp_path: Path) -> Path:
    """Only the file's secret gets the service account in, and only its data centre (uk, not
    the demo's de) knows the sandbox's Cronofy application."""
    path = tmp_path / "scenario.toml"
    path.write_text(f'description.en = "Answers"\n[exchange]\npassword = "{PASSWORD}"\n'
                    '[cronofy]\nregion = "uk"\n', encoding="utf-8")
    return path


def _app(box, answers_path: Path) -> WizardApp:
    """As `roomcal demo --answers FILE` builds it."""
    answers = load(answers_path)
    setup = make_setup(box)
    apply(setup, answers)
    return WizardApp(setup, language=answers.language, answers=answers)


async def _until(pilot, done: Callable[[], bool], what: str, seconds: float = 80) -> None:
    """Wait (within the tests' 120 s) for ``done``; else say where the run stands."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        await pilot.pause(0.05)
    app = pilot.app
    results = {k: v.status.value for k, v in app.session.results.items()}
    workers = [(type(w.node).__name__, w.group, w.state.name) for w in app.workers]
    raise AssertionError(f"{what}: still {app.screen} ({app.focused}); results {results}; "
                         f"workers {workers}; notes {[n.message for n in app._notifications]}")


async def _quit(pilot) -> None:
    """ctrl+q, once the screen is still: a scroll the screen scheduled just before, run after
    the app's animator stopped, left Pilot waiting for it forever."""
    await settle(pilot, sign_in=False)
    await pilot.wait_for_scheduled_animations()
    await pilot.press("ctrl+q")


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
async def test_unattended_demo_reaches_connected(provider: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMCAL_TEST_EWS_PASSWORD", PASSWORD)
    path = _answers_file(tmp_path, UNATTENDED[provider])
    with collect_secrets() as seen, sandbox(str(_scenario(tmp_path))) as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: isinstance(app.screen, ConnectedScreen), "connected")
            await settle(pilot, sign_in=False)
            banner = str(app.screen.query_one("#banner").render())
            assert "Der Kalenderdienst ist verbunden" in banner
            connection = app.session.profile.connection
            assert connection is not None and connection.region == "uk"
            assert connection.provider == provider
            if provider == "google":  # confirmed through the checklist's own toggle
                assert app.session.profile.confirmations == ["cronofy_app"]
            await _quit(pilot)
        assert app.return_code == 0
    leaks = find_leaks(files_text(tmp_path / "config", tmp_path / "state"), seen | {PASSWORD})
    assert not leaks


async def test_unattended_stops_at_the_first_failing_check(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, """
        language = "en"
        provider = "exchange"
        unattended = true
        [connect]
        accept_terms = true
    """)
    with sandbox("impersonation-denied") as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.unattended is not None and app.unattended.stopped,
                         "stopped")
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, PrepareScreen)  # never pressed on past it
            item = app.screen.query_one("#check-impersonation", CheckItem)
            assert item.result.status == Status.FAIL
            assert app.focused is item
            body = app.screen.query_one("#body")
            assert body.region.contains(item.region.x, item.region.y), (body.region, item.region)
            assert not app.session.profile.continue_anyway
            await _quit(pilot)
        assert app.return_code == 1


async def test_unattended_google_without_confirmation_stops_there(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, """
        provider = "google"
        unattended = true
        [connect]
        accept_terms = true
    """)
    with sandbox("healthy", services=("google", "cronofy")) as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.unattended is not None and app.unattended.stopped,
                         "stopped")
            # The stop's focus is Textual's call_later: it lands once the screen settles.
            await settle(pilot, sign_in=False)
            item = app.screen.query_one("#check-cronofy_app", CheckItem)
            assert item.result.status == Status.MANUAL
            assert app.focused is item
            assert not item.query_one(Checkbox).value
            await _quit(pilot)
        assert app.return_code == 1


async def test_unattended_without_accepted_terms_stops_at_the_toggle(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, 'provider = "exchange"\nunattended = true\n')
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.unattended is not None and app.unattended.stopped,
                         "stopped")
            await settle(pilot, sign_in=False)  # the stop's focus lands (call_later)
            assert isinstance(app.screen, ConnectScreen)
            terms = app.screen.query_one("#terms-connect", Checkbox)
            assert app.focused is terms and not terms.value
            assert app.session.profile.reminder_acknowledged  # it got that far
            await _quit(pilot)
        assert app.return_code == 1


async def test_unattended_stops_at_a_value_the_form_refuses(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, """
        language = "en"
        provider = "exchange"
        unattended = true
        [form]
        username = ""
        [connect]
        accept_terms = true
    """)
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.unattended is not None and app.unattended.stopped,
                         "stopped")
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, PrepareScreen)
            assert app.focused is app.screen.query_one("#field-username", Input)
            error = app.screen.query_one("#row-username .field-error")
            assert error.display and "Required" in str(error.render())
            notes = [n.message for n in app._notifications]
            assert any('"Service account" needs a valid value' in note for note in notes), notes
            assert not app.session.results  # nothing was checked with a refused value
            await _quit(pilot)
        assert app.return_code == 1


async def test_unattended_stops_at_a_failed_link_with_its_sentence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cronofy's consent is refused at the sign-in the relay's link opens: the link fails,
    and the run says why — the link's own sentence — where it stopped."""
    monkeypatch.setenv("ROOMCAL_TEST_EWS_PASSWORD", PASSWORD)
    path = _answers_file(tmp_path, UNATTENDED["exchange"])
    scenario = _scenario(tmp_path)
    scenario.write_text(scenario.read_text(encoding="utf-8") + "deny = true\n",
                        encoding="utf-8")
    with sandbox(str(scenario)) as box:
        app = _app(box, path)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.unattended is not None and app.unattended.stopped,
                         "stopped")
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, LinkScreen)
            assert app.focused is app.screen.query_one("#sign-in", Button)
            shown = str(app.screen.query_one("#link-error").render()).strip()
            assert "Zustimmung verweigert" in shown, shown  # the file asks for German
            notes = [n.message for n in app._notifications]
            assert any(shown in note for note in notes), (shown, notes)
            assert app.session.profile.connection is None
            await _quit(pilot)
        assert app.return_code == 1


async def test_attended_fills_the_form_and_waits_for_the_person(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.setenv("ROOMCAL_TEST_EWS_PASSWORD", PASSWORD)
    path = _answers_file(tmp_path, """
        language = "en"
        provider = "exchange"
        [form]
        username = "svc-cronofy@demo.example.com"
        auth = "basic"
        timeout = 20
        [secrets]
        password = "ROOMCAL_TEST_EWS_PASSWORD"
        [connect]
        region = "sg"
    """)
    with sandbox(str(_scenario(tmp_path))) as box:
        app = _app(box, path)
        demo_url = box.values("exchange")["ews_url"]
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)
            screen = app.screen
            assert screen.query_one("#field-username", Input).value == \
                "svc-cronofy@demo.example.com"
            assert screen.query_one("#field-ews_url", Input).value == demo_url  # the demo's
            assert screen.query_one("#field-timeout", Input).value == "20"
            assert screen.query_one("#field-auth", Select).value == "basic"
            assert screen.query_one("#field-password", Input).value == PASSWORD
            assert app.session.results["credentials"].status == Status.PASS  # the file's secret
            assert app.unattended is None
            await pilot.pause(0.5)
            assert app.screen is screen  # nobody goes on but the person
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert app.session.profile.region == "sg"
            await _quit(pilot)
        assert app.return_code == 0
    profile = files_text(tmp_path / "config")
    assert profile and not find_leaks(profile, {PASSWORD})


def test_step_is_prepare_after_apply(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, 'provider = "microsoft365"\n')
    with sandbox("healthy", services=("microsoft365",)) as box:
        setup = make_setup(box, provider="exchange", step=Step.CONNECT)
        apply(setup, load(path))
        assert setup.session.step == Step.PREPARE and setup.provider == "microsoft365"
