"""Every screen at 80×24, German and English: no word cut off, no English in a German footer.

Each scene of scripts/scenes.py (the README's screenshots: every step screen, the
reminder, sign-in, export and confirm dialogs, Google's step 1 with its
confirmation, an open Select menu, the two projector themes) is driven as a
person would, then — in German, the longer language — Tab walks the focus through
every control (the footer changes with the focused widget), and at each stop the
rendered screen is read back (tests/screen_text.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scenes import SCENES, Scene
from screen_text import cuts, footer_problems, screen_lines

from wizard.core import catalogs, i18n
from wizard.sandbox import Sandbox
from wizard.ui.app import WizardApp

# Names of languages are not English text, in any language.
LANGUAGE_NAMES = {"Deutsch", "English", "Deutsch/English"}


def _translations(lang: str) -> set[str]:
    catalog = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), lang)
    texts = set(LANGUAGE_NAMES)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple | list) else (
            message.string,)
        texts.update(s for s in strings if s)
    return texts


def _problems(app: WizardApp, allowed: set[str]) -> list[str]:
    screen = app.screen
    return [f"{type(screen).__name__}: {p}"
            for p in cuts(screen) + footer_problems(screen, allowed)]


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
async def test_every_screen_reads_whole(scene: Scene, lang: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in scene.env.items():
        monkeypatch.setenv(name, value)
    allowed = _translations(lang)
    box = Sandbox(scene.scenario).start()  # random ports: may run beside the snapshots
    try:
        app = WizardApp(language=lang, session=scene.session(f"fit-{scene.name}", box))
        problems: dict[str, None] = {}
        async with app.run_test(size=scene.size) as pilot:
            await scene.drive(pilot)
            problems.update(dict.fromkeys(_problems(app, allowed)))
            screen = app.screen
            # German is the longer language: its keys are checked at every focus stop.
            stops = len(screen.focus_chain) if lang == "de" else 0
            for _stop in range(stops):
                await pilot.press("tab")
                await pilot.pause()
                if app.screen is not screen:
                    break
                problems.update(dict.fromkeys(_problems(app, allowed)))
    finally:
        box.stop()
    assert not problems, "\n".join(problems)


LONG_ROOMS = '''
description.en = "Room calendars with long names and addresses."
description.de = "Raumkalender mit langen Namen und Adressen."

[[rooms.list]]
name = "Raum Alster"
email = "alster@demo.example.com"

[[rooms.list]]
name = "Großer Konferenzraum Hauptgebäude 3. OG Süd"
email = "konferenzraum-hauptgebaeude-3og-sued@niederlassung-hamburg.example.com"

[exchange]

[cronofy]
'''


async def test_a_long_calendar_ends_in_an_ellipsis_and_is_shown_in_full_below(
        tmp_path: Path) -> None:
    from scenes import _assign

    from ui_support import make_app, sandbox
    from wizard.core.flow import Step
    from wizard.core.model import Provider

    scenario = tmp_path / "long-rooms.toml"
    scenario.write_text(LONG_ROOMS, encoding="utf-8")
    with sandbox(str(scenario), services=("exchange", "cronofy")) as box:
        app = make_app(box, language="de", provider=Provider.EXCHANGE, step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _assign(pilot)
            await pilot.press("down")  # the long one
            await pilot.pause()
            assert cuts(app.screen) == []  # a "…" in a cell is allowed, a bare cut is not
            table = "\n".join(line for line in screen_lines(app.screen) if "Großer" in line)
            assert "…" in table, table
            current = app.screen.query_one("#assign-current").render()
            assert str(current) == ("Großer Konferenzraum Hauptgebäude 3. OG Süd — "
                                    "konferenzraum-hauptgebaeude-3og-sued@"
                                    "niederlassung-hamburg.example.com")
