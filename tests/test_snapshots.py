"""Every screen at 80×24 in German and English (pytest-textual-snapshot).

The scenes come from scripts/scenes.py — the same ones that produce the README's
screenshots. Each picture is read back as a person would (no word cut, no foreign footer
key); in German, the longer language, Tab then walks the focus through every control (the
footer follows the focus) and the screen is read back at each stop — in the same run, after
the picture is taken (tests/screen_text.py).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from scenes import PORT_BASE, SCENES, Scene, fixed_port_sandbox, settle, steady
from screen_text import focus_cue_problems, focus_walk_problems, reading_problems, translations
from textual.pilot import Pilot

from wizard.core import i18n
from wizard.sandbox import Sandbox
from wizard.ui.app import WizardApp

# A scene whose picture shows a sandbox address listens on fixed ports (the URL in the SVG
# must repeat): under pytest-xdist those run on one worker, one after the other, rather than
# each waiting at fixed_port_sandbox's lock for another worker's scene. The rest, on random
# ports, spread over the workers.
FIXED_PORTS = pytest.mark.xdist_group("fixed-ports")


@pytest.fixture(autouse=True)
def stable_svg_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich names the SVG's CSS classes after a hash of every segment's repr, which
    includes invisible style metadata; a fixed prefix keeps the comparison to what
    is actually drawn (text, colours, layout)."""
    from rich.console import Console

    original = Console.export_svg

    def export_svg(self: Console, *args: object, **kwargs: object) -> str:
        kwargs.setdefault("unique_id", "terminal-roomcal")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Console, "export_svg", export_svg)


@pytest.fixture
def scene_app(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[tuple[WizardApp, Scene]]:
    scene, lang = request.param
    for name, value in scene.env.items():
        monkeypatch.setenv(name, value)
    if scene.shows_address:
        with fixed_port_sandbox(scene.scenario, PORT_BASE) as box:
            yield WizardApp(scene.setup(f"snap-{scene.name}", box), language=lang), scene
        return
    box = Sandbox(scene.scenario).start()
    try:
        yield WizardApp(scene.setup(f"snap-{scene.name}", box), language=lang), scene
    finally:
        box.stop()


@pytest.mark.parametrize(
    "scene_app",
    [pytest.param((scene, lang), id=f"{scene.name}-{lang}",
                  marks=[FIXED_PORTS] if scene.shows_address else [])
     for scene in SCENES for lang in ("de", "en")],
    indirect=True,
)
def test_screen(scene_app: tuple[WizardApp, Scene], snap_compare,
                monkeypatch: pytest.MonkeyPatch) -> None:
    app, scene = scene_app
    problems: list[str] = []
    pilots: list[Pilot] = []

    async def drive_and_read(pilot: Pilot) -> None:
        await scene.drive(pilot)
        await steady(pilot)
        # Read back as a person would (no word cut, no foreign footer key): the picture
        # below is the one a person sees.
        problems.extend(reading_problems(app.screen, translations(i18n.current_language())))
        pilots.append(pilot)

    if i18n.current_language() == "de" and scene.name not in UNWALKED:
        _walk_before_leaving(app, pilots, problems, monkeypatch, THEME_WALKS.get(scene.name, ()))
    elif i18n.current_language() == "en" and scene.name in LANGUAGE_SWITCHES:
        _before_leaving(app, monkeypatch, problems,
                        lambda: _switch_language_problems(pilots[0], scene.name))
    assert snap_compare(app, terminal_size=scene.size, run_before=drive_and_read)
    assert not problems, "\n".join(problems)


# The projector themes change colours, not text or keys; the too-small notice has no
# focus; the link screen with its list open has the controls 09-link walks.
UNWALKED = ("13-too-small", "14-high-contrast", "15-terminal-colours", "09-link-region-menu")
# After the German walk, these scenes are walked again in each new theme, every colour
# taken away: focus must show without colour (choice lists, fields, toggles, buttons and
# a dialog in both, the table in high contrast). tests/test_themes.py has the rest.
THEME_WALKS = {
    "01-welcome": ("roomcal-high-contrast",),
    "05-prepare-google": ("roomcal-high-contrast",),
    "12-assign": ("roomcal-high-contrast",),
    "12-assign-export": ("roomcal-high-contrast", "roomcal-terminal"),
    "03-prepare-exchange-impersonation-denied": ("roomcal-terminal",),
    "08-connect-terms": ("roomcal-terminal",),
}


# ctrl+l where a person is (tests/test_ui_language.py has the rest): in a dialog it stays
# open, its button and its title now German — (button, its German label, the German
# title); on a step screen the header follows — None.
LANGUAGE_SWITCHES: dict[str, tuple[str, str, str] | None] = {
    "01-welcome-start-over": ("confirm-no", "Abbrechen", "Neu beginnen?"),
    "07-connect-reminder": ("reminder-back", "Zurück",
                            "Erinnerung: Schließen Sie zuerst Schritt 1 ab"),
    "10-sign-in": ("cancel", "Abbrechen", "Anmelden: Cronofy Enterprise Connect"),
    "12-assign-export": ("export-cancel", "Abbrechen", "Raumzuordnungen exportieren"),
    "01-welcome": None, "02-prepare-exchange": None, "11-connected": None, "12-assign": None,
}


async def _switch_language_problems(pilot: Pilot, name: str) -> list[str]:
    """ctrl+l on the scene's screen, in English: what did not follow it into German."""
    from textual.widgets import Button, Static
    from textual.widgets._header import HeaderTitle

    from wizard.ui.dialogs.modal import WizardModal

    app = pilot.app
    shown = type(app.screen)
    step = getattr(app.screen, "STEP", None)
    await pilot.press("ctrl+l")
    await settle(pilot, sign_in=False)
    if i18n.current_language() != "de":
        return [f"ctrl+l left the language at {i18n.current_language()}"]
    if type(app.screen) is not shown:
        return [f"ctrl+l closed {shown.__name__}: {type(app.screen).__name__} is shown"]
    expected = LANGUAGE_SWITCHES[name]
    if expected is None:
        header = str(app.screen.query_one(HeaderTitle).render())
        heading = f"roomcal — {step.heading}" if step is not None else "?"
        return [] if header == heading else [f"the header says {header!r}, not {heading!r}"]
    button_id, label, title = expected
    problems = [] if issubclass(shown, WizardModal) else [f"{shown.__name__} is no dialog"]
    button = app.screen.query_one(f"#{button_id}", Button).label.plain
    if button != label:
        problems.append(f"#{button_id} says {button!r}, not {label!r}")
    texts = [str(static.render()) for static in app.screen.query(Static)]
    if title not in texts:
        problems.append(f"no title {title!r} among {texts[:3]}")
    return problems


def _before_leaving(app: WizardApp, monkeypatch: pytest.MonkeyPatch, problems: list[str],
                    after_the_picture: Any) -> None:
    """Once the picture is taken (pytest-textual-snapshot then ends the app with it), run
    ``after_the_picture`` (its problems added) first, then leave."""
    leave = app.exit
    walks: list[asyncio.Task[None]] = []

    async def run(*args: Any, **kwargs: Any) -> None:
        try:
            problems.extend(await after_the_picture())
        except Exception as exc:  # its failure is the test's, not a hung app
            problems.append(f"after the picture, it failed: {exc!r}")
        finally:
            leave(*args, **kwargs)

    def exit_after_it(*args: Any, **kwargs: Any) -> None:
        walks.append(asyncio.ensure_future(run(*args, **kwargs)))

    monkeypatch.setattr(app, "exit", exit_after_it)


def _walk_before_leaving(app: WizardApp, pilots: list[Pilot], problems: list[str],
                         monkeypatch: pytest.MonkeyPatch, themes: tuple[str, ...]) -> None:
    """Walk the focus after the picture, then again in each of ``themes``: the walks
    change what is focused, scrolled and coloured, never the picture, and cost no second
    drive to the scene."""
    async def walks() -> list[str]:
        found = await focus_walk_problems(pilots[0], translations("de"))
        for theme in themes:
            app.theme = theme
            await pilots[0].pause()
            found += [f"{theme}: {problem}" for problem in await focus_cue_problems(pilots[0])]
        return found

    _before_leaving(app, monkeypatch, problems, walks)
