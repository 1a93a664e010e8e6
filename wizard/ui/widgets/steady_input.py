"""An Input whose cursor does not blink.

A blinking cursor repaints twice a second: wasted bytes on a slow SSH link,
and a screen that never settles (screenshots and snapshots differ by blink).
"""

from __future__ import annotations

from textual.widgets import Input


class SteadyInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = False
