"""PowerShell lines, wrapped the way PowerShell reads them."""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from wizard.core.text import printable

CONTINUATION = " `"  # PowerShell: the command goes on on the next line
INDENT = "    "


def wrap_command(line: str, width: int) -> list[str]:
    """``line`` in rows of at most ``width`` cells: each row but the last ends in " `",
    the rows after the first are indented, so a new command is the only thing that
    starts at the left edge — and a block copied off the screen still runs."""
    room = max(width - len(CONTINUATION), len(INDENT) + 8)
    rows = textwrap.wrap(line, room, subsequent_indent=INDENT, break_long_words=True,
                         break_on_hyphens=False) or [""]
    return [row + CONTINUATION for row in rows[:-1]] + rows[-1:]


class CommandLines(Widget):
    """At 80 columns a long command used to wrap onto a line of its own, where it read
    as a second command (``-RecipientRestrictionFilter {…}``)."""

    DEFAULT_CSS = """
    CommandLines {
        height: auto;
    }
    """

    def __init__(self, command: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.command = command
        self.display = bool(command)

    def show(self, command: str) -> None:
        if command == self.command:
            return  # a layout of the whole screen for nothing, per check result
        self.command = command
        self.display = bool(command)
        self.refresh(layout=True)

    def _rows(self, width: int) -> list[str]:
        return [row for line in printable(self.command).splitlines()
                for row in wrap_command(line, width)]

    def render(self) -> Content:
        return Content("\n".join(self._rows(self.content_size.width)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width))
