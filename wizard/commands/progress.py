"""``roomcal check``'s progress on stderr while long checks run.

On a terminal one line is rewritten in place (``\\r``), at most ten times a second,
and wiped when the check ends. Elsewhere (a log, a CI job) each check prints a whole
line at most once a second. With ``--json`` stderr stays quiet unless it is a
terminal: a script reads stdout, a person may be watching stderr.
"""

from __future__ import annotations

from typing import TextIO

from wizard.core.model import CheckResult, render
from wizard.core.progress import Throttle
from wizard.core.text import one_line

TERMINAL_INTERVAL = 0.1
LINE_INTERVAL = 1.0


class ProgressLine:
    def __init__(self, stream: TextIO, titles: dict[str, str], *, json_output: bool) -> None:
        self.stream = stream
        self.titles = titles
        self.terminal = _is_terminal(stream)
        self.enabled = self.terminal or not json_output
        self._throttles: dict[str, Throttle] = {}
        self._shown = 0  # characters of the line on the terminal now

    def update(self, result: CheckResult) -> None:
        """A running check's progress (a CHECKING result with a detail)."""
        detail = render(result.detail)
        if not self.enabled or result.status.done or not detail:
            return
        interval = TERMINAL_INTERVAL if self.terminal else LINE_INTERVAL
        throttle = self._throttles.setdefault(result.check_id, Throttle(interval))
        if not throttle.due():
            return
        # One row whatever a server named its rooms: \r rewrites only the row it is on.
        line = one_line(f"  … {self.titles.get(result.check_id, result.check_id)}: {detail}")
        if self.terminal:
            line = line[:79]  # one row even at 80 columns: \r only rewrites a row
            self.stream.write("\r" + line.ljust(self._shown))
            self._shown = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Wipe the rewritten line before anything else is printed."""
        if self.terminal and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False
