"""``?`` and F1: every key of the current screen, in a modal that fits 80×24."""

from __future__ import annotations

from scenes import settle
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from ui_support import make_app, sandbox
from wizard.core import i18n
from wizard.core.flow import Step
from wizard.core.settings import Settings
from wizard.ui.dialogs.keys import KeysModal
from wizard.ui.dialogs.signin import SignInModal
from wizard.ui.screens.prepare import PrepareScreen
from wizard.ui.screens.welcome import WelcomeScreen


def shown(screen: Screen[object]) -> str:
    """The text a person sees in the modal."""
    return "\n".join(str(static.render()) for static in screen.query(Static))


async def _press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot, sign_in=False)


async def test_question_mark_lists_every_key_of_the_screen_and_closes_again() -> None:
    app = make_app(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _press(pilot, "question_mark")
        assert isinstance(app.screen, KeysModal)
        text = shown(app.screen)
        for expected in ("↑", "Previous choice", "↓", "⏎ space", "Choose", "tab", "shift+tab",
                         "^n", "Next", "^l", "Switch the language (Deutsch)", "^q", "Quit",
                         "f1 ?", "Keys"):
            assert expected in text, expected
        await _press(pilot, "question_mark")
        assert isinstance(app.screen, WelcomeScreen)
        await _press(pilot, "f1")
        assert isinstance(app.screen, KeysModal)
        await _press(pilot, "f1")
        assert isinstance(app.screen, WelcomeScreen)


async def test_question_mark_types_into_a_field_where_f1_opens_the_keys() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            field = app.focused
            assert isinstance(field, Input)
            await _press(pilot, "question_mark")
            assert isinstance(app.screen, PrepareScreen)
            assert "?" in field.value  # typed (replacing the text it selected on focus)
            typed = field.value
            await _press(pilot, "f1")
            assert isinstance(app.screen, KeysModal)
            text = shown(app.screen)
            for expected in ("Delete character left", "⌫", "esc", "Back", "f1", "Keys"):
                assert expected in text, expected
            assert "f1 ?" not in text  # here "?" is typed, not a key of the screen
            await _press(pilot, "escape")  # closes the list, does not go back a step
            assert isinstance(app.screen, PrepareScreen)
            assert app.focused is field and field.value == typed


async def test_the_keys_are_listed_in_german() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _press(pilot, "f1")
            text = shown(app.screen)
            for german in ("Tasten auf dieser Seite", "Zeichen links löschen", "Zurück",
                           "Beenden", "Nächstes Feld"):
                assert german in text, german
            for english in ("Delete character left", "Focus Next", "Back", "Quit", "Keys"):
                assert english not in text, english


async def test_the_list_fits_80x24_and_scrolls() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _press(pilot, "f1")
            modal = app.screen
            assert Region(0, 0, 80, 24).contains_region(modal.query_one(".modal").region)
            listing = modal.query_one("#keys-list")
            assert listing.max_scroll_y > 0
            await _press(pilot, "end")
            assert listing.scroll_y == listing.max_scroll_y > 0


async def test_a_language_switch_while_the_list_is_open() -> None:
    app = make_app(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _press(pilot, "f1")
        await _press(pilot, "ctrl+l")
        assert i18n.current_language() == "de"
        assert isinstance(app.screen, KeysModal)
        text = shown(app.screen)
        assert "Weiter" in text and "Beenden" in text and "Quit" not in text


async def test_the_keys_of_a_modal_are_listed_too() -> None:
    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(400):
                if isinstance(app.screen, SignInModal) and app.screen.query("#cancel"):
                    break
                await pilot.pause(0.02)
            sign_in = app.screen
            assert isinstance(sign_in, SignInModal)
            await pilot.press("f1")
            for _ in range(100):
                if isinstance(app.screen, KeysModal):
                    break
                await pilot.pause(0.02)
            text = shown(app.screen)
            assert "Cancel" in text and "Copy link" in text and "Quit" in text
            await pilot.press("escape")
            for _ in range(100):
                if app.screen is sign_in:
                    break
                await pilot.pause(0.02)
            assert app.screen is sign_in


async def test_the_keys_binding_can_be_remapped() -> None:
    app = make_app(None, settings=Settings(keymap={"app.keys": "f2"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _press(pilot, "f1")
        assert isinstance(app.screen, WelcomeScreen)
        await _press(pilot, "f2")
        assert isinstance(app.screen, KeysModal)
        assert "f2" in shown(app.screen)
