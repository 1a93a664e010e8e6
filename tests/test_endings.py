"""Endings a guide expects: a summary before quitting, a question before disconnecting,
and back from "connected" without a new sign-in."""

from __future__ import annotations

from scenes import _connected, settle
from textual.widgets import Static

from ui_support import make_app, sandbox
from wizard.core.flow import Step
from wizard.ui.screens.assign import AssignScreen
from wizard.ui.screens.confirm import ConfirmModal
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.connected import ConnectedScreen
from wizard.ui.screens.summary import SummaryModal


async def test_finish_shows_a_summary_then_quits() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _connected(pilot)
            await pilot.click("#next")
            await settle(pilot)
            await pilot.click("#room")
            await pilot.press(*"Alster", "enter")
            await pilot.click("#finish")
            await settle(pilot)
            assert isinstance(app.screen, SummaryModal)  # not gone at once
            shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
            assert "1 of 6 room calendars are assigned" in shown
            assert str(app.session.store.path("test")) in shown.replace("\n", "")
            await pilot.press("escape")  # back to the table: nothing lost
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            await pilot.click("#finish")
            await settle(pilot)
            await pilot.press("enter")  # "Quit" has the focus
            await pilot.pause()
        assert app.return_code == 0


async def test_disconnect_asks_first() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _connected(pilot)
            await pilot.click("#disconnect")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("enter")  # "Cancel" has the focus
            await settle(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            assert app.session.profile.connection is not None
            await pilot.click("#disconnect")
            await settle(pilot)
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert app.session.profile.connection is None


async def test_back_from_connected_needs_no_new_sign_in() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _connected(pilot)
            issued = len(box.services["cronofy"].state.issued_codes)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert "Already linked" in str(app.screen.query_one("#already-linked").render())
            await pilot.press("enter")  # "Show the connection" has the focus
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, ConnectedScreen)
            assert len(box.services["cronofy"].state.issued_codes) == issued  # no sign-in
