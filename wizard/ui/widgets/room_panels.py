"""The rooms whose panel would not show what was booked, and their fix (issue 22).

On the connected screen: step 1's ``room_display`` (and the test booking, if one
ran) found rooms whose calendar processing rewrites or strips what was booked —
the link works, but the panel beside the door would show the organizer's name or
lose the join link. Named here with the first room's fix; every line is in step 1's
item and in the hand-off.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from wizard.core import room_display
from wizard.core.i18n import _, ngettext
from wizard.core.model import CheckResult, Status, render
from wizard.core.text import fill, one_line
from wizard.ui.text import plain, styled
from wizard.ui.widgets.check_item import SYMBOLS
from wizard.ui.widgets.command_lines import CommandLines

MAX_ROOMS = 5  # rooms named; the rest are counted


class RoomPanels(Vertical):
    DEFAULT_CSS = """
    RoomPanels {
        height: auto;
        margin-top: 1;
    }
    RoomPanels CommandLines {
        padding-left: 2;
    }
    """

    def __init__(self, problems: list[tuple[str, str]], fix: str) -> None:
        """``problems``: (room, what its panel shows wrongly), translated; ``fix``: one
        room's line."""
        super().__init__(id="room-panels", classes="notice")
        self.problems = problems
        self.fix = fix

    def compose(self) -> ComposeResult:
        count = len(self.problems)
        yield Static(styled((fill(ngettext(
            "Room panels: {count} room would not show what was booked",
            "Room panels: {count} rooms would not show what was booked", count),
            count=count), "bold")))
        # A room's name is the server's: one line each.
        lines = [f"{SYMBOLS[Status.WARN]} {one_line(name)}: {one_line(what)}"
                 for name, what in self.problems[:MAX_ROOMS]]
        if count > MAX_ROOMS:
            lines.append(fill(_("… and {count} more"), count=count - MAX_ROOMS))
        yield Static(plain("\n".join(lines)))
        if self.fix:
            yield Static(plain(_("The fix, per room (after Get-CalendarProcessing, which "
                                 "records today's values for a rollback):")))
            yield CommandLines(self.fix)
        yield Static(plain(_("Every room's lines: step 1's item “{check}” (c copies them) and "
                             "the hand-off to IT (step 1, ctrl+o).").format(
            check=_("Room panels show what was booked"))), classes="hint")


def room_panels(results: Mapping[str, CheckResult]) -> ComposeResult:
    """The section, when step 1 found rooms whose panel would show the wrong thing."""
    problems = room_display.panel_problems(results)
    if not problems:
        return
    fixes = [line for check in (room_display.TEST_BOOKING, "room_display")
             if (result := results.get(check)) is not None
             for line in room_display.changes(result.command)]
    yield RoomPanels([(name, render(what)) for name, what in problems],
                     fixes[0] if fixes else "")
