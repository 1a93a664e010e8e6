"""ctrl+l works wherever a person is — in every dialog too — and everything follows it.

Dialogs are modal: Textual ends the key chain at them, so an app binding that is
not a priority one used to do nothing there while the footer below still
offered it. The header, the dialogs' own texts and their footers follow the
switch at once, not on the next screen.
"""

from __future__ import annotations

import pytest
from scenes import settle
from textual.widgets import Button, Input, Static

from ui_support import make_app, sandbox
from wizard.core import i18n
from wizard.core.flow import Step

# In every dialog and on the step screens, ctrl+l is pressed in the English snapshot runs of
# their scenes, once the picture is taken: the dialog stays open, its buttons and title in
# German; the header follows (tests/test_snapshots.py, LANGUAGE_SWITCHES).


async def test_a_remapped_language_key_works_in_a_dialog(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMCAL_KEYMAP", "app.language=f2")
    app = make_app(None, step=Step.WELCOME)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#reset")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert i18n.current_language() == "de"
        assert app.screen.query_one("#confirm-no", Button).label.plain == "Abbrechen"


async def _dialog(pilot, kind: type) -> object:
    """The dialog of this kind once it is open and drawn (not settle(): a sign-in waits)."""
    for _wait in range(200):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, kind) and pilot.app.navigator.idle:
            break
    await pilot.pause(0.1)
    return pilot.app.screen


async def test_ctrl_l_keeps_the_typed_text_and_the_keys_after_it() -> None:
    """"raum", ctrl+l, "liste" is "raumliste": nothing selected, no key dropped."""
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#field-room_list")
            await pilot.press("end", *"raum", "ctrl+l", *"liste")
            await settle(pilot)
            assert i18n.current_language() == "de"
            field = app.screen.query_one("#field-room_list", Input)
            assert field.value == box.values("exchange")["room_list"] + "raumliste"
            assert app.focused is field


async def test_ctrl_l_keeps_a_pasted_address_in_the_google_sign_in() -> None:
    from wizard.ui.dialogs.signin import SignInModal

    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _dialog(pilot, SignInModal)  # the sign-in check opens it
            # The field sits below the long sign-in link at 80×24: Tab brings it into view.
            for _stop in range(8):
                if app.focused is dialog.query_one("#paste", Input):
                    break
                await pilot.press("tab")
            await pilot.press(*"http://127.0.0.1:8750/?code=x")
            await pilot.press("ctrl+l")
            assert await _dialog(pilot, SignInModal) is dialog
            assert dialog.query_one("#paste", Input).value == "http://127.0.0.1:8750/?code=x"


async def test_ctrl_l_keeps_the_cronofy_sign_in_and_the_export_line() -> None:
    from wizard.ui.dialogs.signin import SignInModal
    from wizard.ui.screens.assign import AssignScreen

    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # "Connect", then the reminder's "Continue"
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("space", "tab", "enter")  # the terms, "Link"
            await settle(pilot)
            await pilot.press("space", "tab", "enter")  # the terms again, "Sign in"
            dialog = await _dialog(pilot, SignInModal)
            await pilot.press("ctrl+l")
            assert await _dialog(pilot, SignInModal) is dialog  # still open: the link goes on
            await pilot.click("#sandbox")
            await settle(pilot)
            await pilot.click("#next")  # "Räume zuordnen"
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            await pilot.press("ctrl+e", "enter")  # export where it proposes
            await settle(pilot)
            status = app.screen.query_one("#assign-status", Static)
            assert str(status.render()).startswith("Exportiert nach"), status.render()
            await pilot.press("ctrl+l")
            await settle(pilot)
            status = app.screen.query_one("#assign-status", Static)
            assert str(status.render()).startswith("Exported to"), status.render()


async def test_ctrl_l_keeps_step_2s_error() -> None:
    from wizard.ui.screens.connect import LinkScreen

    with sandbox("cronofy-plan", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("space", "tab", "enter", "space", "tab", "enter")
            await settle(pilot)
            assert isinstance(app.screen, LinkScreen)
            error = str(app.screen.query_one("#link-error", Static).render())
            assert "HTTP 402" in error
            await pilot.press("ctrl+l")
            await settle(pilot)
            after = str(app.screen.query_one("#link-error", Static).render())
            assert "HTTP 402" in after and after != error  # the same sentence, in German
