"""Screens at 80×24 in German: no word cut off, no English in a German footer.

Every scene of scripts/scenes.py is read back, and walked with Tab in German, where its
snapshot is taken (tests/test_snapshots.py: the same checks, one app run fewer). Here: what
the scenes do not show — long names, wrapped PowerShell, the connected summary.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from scenes import SCENES
from screen_text import cuts, screen_lines

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
    from ui_support import make_app, sandbox, walk_to_assign
    from wizard.core.flow import Step

    scenario = tmp_path / "long-rooms.toml"
    scenario.write_text(LONG_ROOMS, encoding="utf-8")
    with sandbox(str(scenario), services=("exchange", "cronofy")) as box:
        app = make_app(box, language="de", provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_assign(pilot)
            await pilot.press("down")  # the long one
            await pilot.pause()
            assert cuts(app.screen) == []  # a "…" in a cell is allowed, a bare cut is not
            table = "\n".join(line for line in screen_lines(app.screen) if "Großer" in line)
            assert "…" in table, table
            current = app.screen.query_one("#assign-current").render()
            assert str(current) == ("Großer Konferenzraum Hauptgebäude 3. OG Süd — "
                                    "konferenzraum-hauptgebaeude-3og-sued@"
                                    "niederlassung-hamburg.example.com")


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_tall_sign_in_dialog_keeps_its_title_and_buttons_in_view(lang: str) -> None:
    """Google's sign-in link is nine lines at 80 columns: the body scrolls, but what the
    dialog is for and how to leave it stay on screen."""
    from ui_support import make_app, sandbox
    from wizard.core.flow import Step
    from wizard.ui.dialogs.signin import SignInModal

    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, language=lang, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            for _attempt in range(400):  # not settle(): the check waits for this sign-in
                await pilot.pause(0.05)
                if isinstance(app.screen, SignInModal) and app.screen.query("#sandbox"):
                    break
            await pilot.pause(0.2)
            screen = app.screen
            assert isinstance(screen, SignInModal)
            for selector in ("#sign-in-title", "#cancel", "#sandbox"):
                widget = screen.query_one(selector)
                assert screen.find_widget(widget).visible_region == widget.region, selector


async def test_the_connected_summary_keeps_labels_and_values_apart() -> None:
    """ "Cronofy-Rechenzentrum de": the German label filled its column to the last cell."""
    from ui_support import make_app, sandbox

    scene = next(s for s in SCENES if s.name == "11-connected")
    with sandbox(scene.scenario) as box:
        app = make_app(box, language="de", provider=scene.provider, step=scene.step)
        async with app.run_test(size=(80, 24)) as pilot:
            await scene.drive(pilot)
            rows = [line.strip() for line in screen_lines(app.screen)
                    if line.strip().startswith(("Kalenderdienst", "Konto", "Cronofy-Rechen",
                                                "Raumkalender "))]
            assert len(rows) == 4, rows
            values = [line.split("  ")[-1].strip() for line in rows]
            assert all("  " in line for line in rows), rows
            assert values[2] == "Deutschland (EU) – de", rows


async def test_a_wrapped_powershell_line_says_it_goes_on() -> None:
    """At 80 columns a long command wrapped onto a line of its own and read as a second
    command; a wrapped line now ends in PowerShell's continuation " `"."""
    from ui_support import make_app, sandbox
    from wizard.ui.widgets.check_item import CheckItem

    scene = next(s for s in SCENES if s.name == "03-prepare-exchange-impersonation-denied")
    with sandbox(scene.scenario) as box:
        app = make_app(box, language="de", provider=scene.provider, step=scene.step)
        async with app.run_test(size=(80, 24)) as pilot:
            await scene.drive(pilot)
            item = app.screen.query_one("#check-impersonation", CheckItem)
            item.focus()  # scrolls it into view, as Tab would
            await pilot.pause()
            command = item.query_one(".check-command")
            region = app.screen.find_widget(command).visible_region
            lines = [line[region.x:region.right].rstrip()
                     for line in screen_lines(app.screen)[region.y:region.bottom]]
            commands = [line for line in lines if line.strip()]
            assert len(commands) > 2, lines
            for previous, line in pairwise(commands):
                starts = line.lstrip().split("-")[0] in ("New", "Set", "Add", "Enable", "Get")
                assert starts or previous.endswith(" `"), (previous, line)
            assert not commands[-1].endswith("`")
            assert item.result.command.count("\n") == 1  # the copy is the commands as they are
