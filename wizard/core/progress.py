"""Pacing progress reports, and counts a person reads at a glance ("1 525 of 5 000").

A check that pages through thousands of rooms could report after every page or
room; the TUI and the CLI want a few updates a second, not thousands.
"""

from __future__ import annotations

import time

REPORT_INTERVAL = 0.5  # seconds between a check's progress reports


class Throttle:
    """Says when the next report is due: the first at once, then one per ``interval``."""

    def __init__(self, interval: float = REPORT_INTERVAL) -> None:
        self.interval = interval
        self._next = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.interval
        return True


def grouped(count: int) -> str:
    """``1525`` → ``1 525``: thousands apart, with a no-break space (DIN 5008 and SI agree,
    in German and English; the number never breaks across lines)."""
    return f"{count:,}".replace(",", "\u00a0")
