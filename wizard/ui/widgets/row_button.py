"""A button among the checklist's rows: the arrow keys go on past it as they do past a row."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Button


class RowButton(Button):
    # The same ids as the rows' keys (CheckItem), so a remapped key moves past it too; a
    # plain Button ignored "down", and the rows' arrow walk stopped at it.
    BINDINGS = [
        Binding("down", "move(1)", show=False, id="check.next"),
        Binding("up", "move(-1)", show=False, id="check.previous"),
    ]

    def action_move(self, step: int) -> None:
        if step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()
