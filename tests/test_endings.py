"""Endings a guide expects: a summary before quitting, a question before disconnecting,
and back from "connected" without a new sign-in."""

from __future__ import annotations

from textual.widgets import Button, Input, Static

from ui_support import (
    after_reminder,
    make_app,
    sandbox,
    settle,
    signed_in,
    walk_to_connected,
)
from wizard.core.flow import Step
from wizard.ui.dialogs.confirm import ConfirmModal
from wizard.ui.dialogs.summary import SummaryModal
from wizard.ui.screens.assign import AssignScreen
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.connected import ConnectedScreen


async def test_finish_shows_a_summary_then_quits() -> None:
    """In German, as a guide shows it: the words on the way read as German, a placeholder
    never as a room, and the summary's verb agrees with its count."""
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await after_reminder(pilot)
            assert app.screen.query_one("#link", Button).label.plain == "Verknüpfen"
            await pilot.click("#terms-connect")
            await pilot.click("#link")
            await settle(pilot)
            await signed_in(pilot)
            await pilot.click("#next")
            await settle(pilot)
            # The room field's placeholder says what to type: never a name that could be a
            # room of this organisation ("z. B. Raum Alster" beside "Raum Elbe").
            hint = str(app.screen.query_one("#room", Input).placeholder)
            names = [r.name for r in app.session.resources]
            assert "Raum Alster" in names and not any(n in hint for n in names), hint
            assert not hint.startswith(("z. B.", "e.g.")), hint
            await pilot.click("#room")
            await pilot.press(*"Alster", "enter")
            await pilot.click("#finish")
            await settle(pilot)
            assert isinstance(app.screen, SummaryModal)  # not gone at once
            shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
            assert "1 von 6 Raumkalendern ist einem Konferenzraum zugeordnet" in \
                shown.replace("\n", " "), shown
            assert str(app.session.store.path("test")) in shown.replace("\n", "")
            await pilot.press("escape")  # back to the table: nothing lost
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            await pilot.click("#finish")
            await settle(pilot)
            await pilot.press("enter")  # "Beenden" has the focus
            await pilot.pause()
        assert app.return_code == 0


async def test_disconnect_asks_first() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_connected(pilot)
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
            await walk_to_connected(pilot)
            issued = len(box.services["cronofy"].state.issued_codes)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert "Already linked" in str(app.screen.query_one("#already-linked").render())
            await pilot.press("enter")  # "Show the connection" has the focus
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, ConnectedScreen)
            assert len(box.services["cronofy"].state.issued_codes) == issued  # no sign-in
