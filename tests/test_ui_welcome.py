"""Pilot: the welcome screen, language switching, start over, a too-small terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Button, Static

from ui_support import make_app, sandbox
from wizard.core import i18n
from wizard.core.flow import Step
from wizard.sandbox import scenario
from wizard.ui.dialogs.confirm import ConfirmModal
from wizard.ui.screens.welcome import WelcomeScreen


async def test_next_is_gated_by_the_provider_choice() -> None:
    app = make_app(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.screen.query_one("#next", Button).disabled
        assert app.focused is app.screen.query_one("#provider")
        await pilot.press("down", "down", "enter")  # Exchange Server
        assert app.session.provider == "exchange"
        assert not app.screen.query_one("#next", Button).disabled
        assert app.session.store.path("test").exists()  # saved at once


async def test_escape_on_the_first_screen_stays() -> None:
    app = make_app(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_language_switch_keeps_state_and_is_saved() -> None:
    app = make_app(None, provider="google")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#next", Button).label.plain == "Next"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert i18n.current_language() == "de"
        assert app.screen.query_one("#next", Button).label.plain == "Weiter"
        assert app.session.provider == "google"
        assert app.session.profile.language == "de"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.screen.query_one("#next", Button).label.plain == "Next"


async def test_start_over_asks_first_and_keeps_a_backup() -> None:
    app = make_app(None, provider="google")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.click("#reset")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # the focused default is "Cancel"
        await settle(pilot)
        assert app.session.provider == "google"
        await pilot.click("#reset")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert app.session.provider is None
        backups = list(app.session.store.directory.glob("test.json.*.bak"))
        assert len(backups) == 1
        assert json.loads(backups[0].read_text(encoding="utf-8"))["provider"] == "google"
        # The notice says where the copy is, in full.
        toasts = " ".join(str(t.render()) for t in app.screen.query("Toast"))
        assert str(backups[0]) in toasts.replace("\n", ""), toasts


REPORT = Path(__file__).parent / "data" / "report-format-1.json"


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("name", [*scenario.available(), str(REPORT)],
                         ids=[*scenario.available(), "replayed-report"])
def test_every_demo_description_is_a_sentence(name: str, lang: str) -> None:
    """The welcome banner reads "Demo-Modus: <description> Es werden keine echten …"."""
    assert scenario.load(name).describe(lang).endswith((".", "!", "?"))


async def test_the_replay_banner_reads_as_sentences() -> None:
    with sandbox(str(REPORT)) as box:
        app = make_app(box, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            banner = app.screen.query_one(".notice", Static).render()
            text = " ".join(str(getattr(banner, "plain", banner)).split())
            assert text.startswith("Demo-Modus: Nachstellung eines Berichts")
            assert text.endswith("). Es werden keine echten Konten verwendet."), text


async def test_too_small_terminal_shows_a_notice() -> None:
    app = make_app(None)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#too-small", Static)
        assert notice.display and notice.region.width > 0
        assert "80×24" in str(notice.render())
        assert not app.screen.query_one("#body").region.width
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert not app.screen.query_one("#too-small", Static).region.width


async def test_resume_opens_the_saved_step() -> None:
    app = make_app(None, provider="google", step=Step.PREPARE)
    app.session.set_step(Step.WELCOME)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert "resumes at" in str(app.screen.query_one("#profile-line", Static).render())


async def test_no_color_and_no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    app = make_app(None, language="de")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.no_color
