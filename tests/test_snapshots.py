"""Every screen at 80×24 in German and English (pytest-textual-snapshot).

The scenes come from scripts/scenes.py — the same ones that produce the README's
screenshots — and run against the sandbox on fixed ports.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from scenes import PORT_BASE, SCENES, Scene, fixed_port_sandbox, steady
from screen_text import reading_problems, translations
from textual.pilot import Pilot

from wizard.core import i18n
from wizard.ui.app import WizardApp

# The scenes' sandbox listens on fixed ports (the URLs in the SVGs must repeat): under
# pytest-xdist the scenes run on one worker, one after the other, rather than each
# waiting at fixed_port_sandbox's lock for another worker's scene.
pytestmark = pytest.mark.xdist_group("fixed-ports")


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
    with fixed_port_sandbox(scene.scenario, PORT_BASE) as box:
        yield WizardApp(scene.setup(f"snap-{scene.name}", box), language=lang), scene


@pytest.mark.parametrize(
    "scene_app",
    [(scene, lang) for scene in SCENES for lang in ("de", "en")],
    ids=[f"{scene.name}-{lang}" for scene in SCENES for lang in ("de", "en")],
    indirect=True,
)
def test_screen(scene_app: tuple[WizardApp, Scene], snap_compare) -> None:
    app, scene = scene_app
    problems: list[str] = []

    async def drive_and_read(pilot: Pilot) -> None:
        await scene.drive(pilot)
        await steady(pilot)
        # Read back as a person would (no word cut, no foreign footer key): the picture
        # below is the one a person sees.
        problems.extend(reading_problems(app.screen, translations(i18n.current_language())))

    assert snap_compare(app, terminal_size=scene.size, run_before=drive_and_read)
    assert not problems, "\n".join(problems)
