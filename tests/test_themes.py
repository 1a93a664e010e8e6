"""On a projector: high contrast, or the terminal's own colours — ctrl+t, remembered.

Neither theme may need colour to be read: with every colour taken away (what
NO_COLOR does to an ANSI theme), a focused control still looks different from
the same control unfocused, a disabled button from an enabled one, a ticked box
from an empty one. tests/screen_text.py reads the screen's cells with their
attributes (bold, dim, italic, underline, reverse, strike) and nothing else.
"""

from __future__ import annotations

import json

import pytest
from scenes import settle
from screen_text import colourless
from textual.widgets import Button, Checkbox

from ui_support import make_app, sandbox
from wizard.core import i18n
from wizard.core.flow import Step
from wizard.core.store import Profile
from wizard.ui import themes

NEW_THEMES = [themes.HIGH_CONTRAST.name, themes.TERMINAL.name]


async def test_ctrl_t_cycles_the_colours_and_the_profile_keeps_them() -> None:
    app = make_app(None, profile="projector", language="de")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == themes.DEFAULT
        seen = []
        for _press in range(3):
            await pilot.press("ctrl+t")
            await settle(pilot)
            seen.append((app.theme, app.session.profile.theme))
        assert seen == [(themes.HIGH_CONTRAST.name, themes.HIGH_CONTRAST.name),
                        (themes.TERMINAL.name, themes.TERMINAL.name),
                        (themes.DEFAULT, themes.DEFAULT)]
        await pilot.press("ctrl+t")
        await settle(pilot)
    again = make_app(None, profile="projector")
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == themes.HIGH_CONTRAST.name  # the next start, same colours


async def test_the_colour_key_is_offered_and_works_in_a_dialog() -> None:
    from textual.widgets._footer import FooterKey

    app = make_app(None, language="de")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = {k.key: k.description for k in app.screen.query(FooterKey)}
        assert keys.get("ctrl+t") == "Farben"
        await pilot.click("#reset")  # the "Start over?" dialog
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.theme == themes.HIGH_CONTRAST.name
        assert app.screen.query_one("#confirm-no", Button)  # the dialog is still open


def test_a_profile_from_before_themes_still_loads() -> None:
    old = {"name": "old", "language": "de", "provider": "exchange", "step": "prepare"}
    assert Profile.from_json(json.loads(json.dumps(old))).theme == ""


async def test_an_unknown_theme_in_the_profile_falls_back_to_the_default() -> None:
    app = make_app(None, profile="odd")
    app.setup.set_theme("no-such-theme")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == themes.DEFAULT


# Focus without colour, on the screens themselves: the German snapshot runs of some scenes
# walk the focus in each new theme once the picture is taken (tests/test_snapshots.py,
# THEME_WALKS; tests/screen_text.focus_cue_problems) — no second drive to the scene.


@pytest.mark.parametrize("theme", [themes.DEFAULT, *NEW_THEMES])
async def test_disabled_and_ticked_show_without_colour(theme: str) -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, language="de", provider="exchange", step=Step.CONNECT)
        app.setup.set_theme(theme)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#connect")
            await settle(pilot)
            await pilot.click("#reminder-continue")
            await settle(pilot)
            screen = app.screen
            terms = screen.query_one("#terms-connect", Checkbox)
            link = screen.query_one("#link", Button)
            screen.query_one("#back", Button).focus()  # neither focused: only their state
            await pilot.pause()
            before = colourless(screen, terms.region), colourless(screen, link.region)
            assert link.disabled and not terms.value
            await pilot.click("#terms-connect")
            screen.query_one("#back", Button).focus()
            await settle(pilot)
            assert not link.disabled and terms.value
            after = colourless(screen, terms.region), colourless(screen, link.region)
            assert before[0] != after[0], "ticked and empty box look the same"
            assert before[1] != after[1], "disabled and enabled Link look the same"
            i18n.set_language("en")


@pytest.mark.parametrize("theme", themes.CYCLE)
async def test_each_theme_under_no_color(theme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(None, language="de", provider="google")
    app.setup.set_theme(theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color and app.theme == theme
        await pilot.press("ctrl+t")  # switching under NO_COLOR too
        await settle(pilot)
        assert app.theme == themes.next_theme(theme)
