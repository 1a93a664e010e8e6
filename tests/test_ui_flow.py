"""Pilot: walk the whole flow against the sandbox, forward, back, gated and resumed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Button, Checkbox, Input, Static

from ui_support import make_app, sandbox, walk_to_connected
from wizard.core import i18n
from wizard.core.flow import Step
from wizard.core.model import Status, render
from wizard.ui.dialogs.export import ExportModal
from wizard.ui.dialogs.reminder import ReminderModal
from wizard.ui.screens.assign import AssignScreen
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.prepare import PrepareScreen
from wizard.ui.screens.welcome import WelcomeScreen
from wizard.ui.widgets.check_item import CheckItem


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
async def test_healthy_walk_to_connected_and_assign(provider: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    with sandbox("healthy") as box:
        app = make_app(box, provider=provider, step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            if provider == "google":
                # The Marketplace install is confirmed by hand, with its own terms toggle.
                assert app.session.results["cronofy_app"].status == Status.MANUAL
                assert app.screen.query_one("#next", Button).disabled
                app.screen.query_one("#confirm-cronofy_app", Checkbox).focus()
                await pilot.press("space")
                await settle(pilot)
            results = app.session.results
            # Optional checks may be left (Microsoft 365's scoping advice, its Cronofy app
            # before the link); every required one passed or warned.
            plugin = app.session.plugin()
            assert results and all(r.status in (Status.PASS, Status.WARN)
                                   for r in results.values()
                                   if plugin.spec(r.check_id).required), results
            await walk_to_connected(pilot)
            banner = str(app.screen.query_one("#banner").render())
            assert "Der Kalenderdienst ist verbunden" in banner
            assert app.screen.query("#proof")  # what Cronofy's view proves about step 1
            if provider == "google":  # the Marketplace confirmation is now proven
                proven = app.session.results["cronofy_app"]
                assert proven.status == Status.PASS and "Schritt 2" in render(proven.detail)
            assert app.session.profile.connection is not None
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            table = app.screen.query_one("#resources")
            assert table.row_count == len(box.scenario.rooms)
            await pilot.click("#room")
            await pilot.press(*"Alster", "enter")
            await settle(pilot)
            assert [m.room for m in app.session.profile.mappings] == ["Alster"]
            await pilot.click("#export")
            await settle(pilot)
            assert isinstance(app.screen, ExportModal)  # where to, shown in full, then Enter
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
    exported = json.loads((home / "roomcal-rooms-test.json").read_text(encoding="utf-8"))
    assert exported["format"] == 1 and exported["rooms"][0]["room"] == "Alster"
    assert "Alster" in (home / "roomcal-rooms-test.csv").read_text(encoding="utf-8")
    assert not list(tmp_path.glob("roomcal-rooms*"))  # the current directory is left alone


async def test_failures_need_continue_anyway() -> None:
    with sandbox("impersonation-denied") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.session.results["impersonation"].status == Status.FAIL
            item = app.screen.query_one("#check-impersonation", CheckItem)
            assert "ApplicationImpersonation" in item.result.command
            assert app.screen.query_one("#next", Button).disabled
            app.screen.query_one("#continue-anyway", Checkbox).focus()  # keyboard, as on SSH
            await pilot.press("space")
            await settle(pilot)
            assert not app.screen.query_one("#next", Button).disabled
            await pilot.click("#next")
            await settle(pilot)
            await pilot.click("#connect")
            await settle(pilot)
            # The reminder lists what is still open in step 1.
            assert isinstance(app.screen, ReminderModal)
            shown = " ".join(str(w.render()) for w in app.screen.query(Static))
            assert "✗ ApplicationImpersonation" in shown
            await pilot.click("#reminder-back")
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)


@pytest.mark.slow
async def test_escape_walks_back_through_every_screen() -> None:
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_connected(pilot)
            await pilot.click("#next")
            await settle(pilot)
            seen = []
            for _ in range(4):
                seen.append(type(app.screen).__name__)
                await pilot.press("escape")
                await settle(pilot)
            seen.append(type(app.screen).__name__)
            assert seen == ["AssignScreen", "ConnectedScreen", "ConnectScreen",
                            "PrepareScreen", "WelcomeScreen"]


async def test_typed_values_survive_language_switch_and_password_stays_secret() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            field = app.screen.query_one("#field-username", Input)
            field.value = "svc-other@demo.example.com"
            password = app.screen.query_one("#field-password", Input)
            password.value = "Typed-Secret-42"
            await settle(pilot)
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert i18n.current_language() == "de"
            assert app.screen.query_one("#field-username", Input).value == \
                "svc-other@demo.example.com"
            assert app.screen.query_one("#field-password", Input).value == "Typed-Secret-42"
            profile_text = app.session.store.path("test").read_text(encoding="utf-8")
            assert "svc-other@demo.example.com" in profile_text
            assert "Typed-Secret-42" not in profile_text


async def test_resume_after_a_lost_session_lands_on_the_same_step() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, profile="resume")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            debug = (app.session.gate(), {k: v.status for k, v in app.session.results.items()})
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen), debug
        # A new process (the SSH connection dropped): same profile, same screen.
        again = make_app(box, profile="resume")
        async with again.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(again.screen, ConnectScreen)
            assert again.session.results["rooms"].status == Status.PASS


async def test_terms_toggles_are_checkboxes_and_primary_buttons_are_primary() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#connect", Button).variant == "primary"
            await pilot.click("#connect")
            await settle(pilot)
            await pilot.click("#reminder-continue")
            await settle(pilot)
            assert isinstance(app.screen.query_one("#terms-connect"), Checkbox)
            assert app.screen.query_one("#link", Button).variant == "primary"


async def test_welcome_to_prepare_prefills_the_demo_values() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)
            await pilot.press("down", "down", "enter", "ctrl+n")
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)
            assert app.screen.query_one("#field-ews_url", Input).value.startswith("http")


async def test_header_follows_a_language_switch() -> None:
    from textual.widgets._header import HeaderTitle

    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "Step 1" in str(app.screen.query_one(HeaderTitle).render())
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert "Schritt 1" in str(app.screen.query_one(HeaderTitle).render())
