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

from scenes import PORT_BASE, SCENES, Scene, fixed_port_sandbox, steady
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


def _walk_before_leaving(app: WizardApp, pilots: list[Pilot], problems: list[str],
                         monkeypatch: pytest.MonkeyPatch, themes: tuple[str, ...]) -> None:
    """Once the picture is taken (pytest-textual-snapshot then ends the app with it), walk
    the focus first, then again in each of ``themes``: the walks change what is focused,
    scrolled and coloured, never the picture, and cost no second drive to the scene."""
    leave = app.exit
    walks: list[asyncio.Task[None]] = []

    async def walk(*args: Any, **kwargs: Any) -> None:
        try:
            problems.extend(await focus_walk_problems(pilots[0], translations("de")))
            for theme in themes:
                app.theme = theme
                await pilots[0].pause()
                problems.extend(f"{theme}: {problem}"
                                for problem in await focus_cue_problems(pilots[0]))
        except Exception as exc:  # the walk's failure is the test's, not a hung app
            problems.append(f"the focus walk failed: {exc!r}")
        finally:
            leave(*args, **kwargs)

    def exit_after_the_walk(*args: Any, **kwargs: Any) -> None:
        walks.append(asyncio.ensure_future(walk(*args, **kwargs)))

    monkeypatch.setattr(app, "exit", exit_after_the_walk)
