"""What a check changed on a server and must change back, also when the run is cut short.

A probe that writes (Exchange's write probe creates a test event per room) deletes
what it created in its own ``finally``. That is not enough when the run ends from
outside: the runner abandons a check's threads, the person quits, a SIGTERM or a
closed SSH session ends the process — then no ``finally`` runs. So a probe
registers how to undo each change while it is pending (``register``/``done``),
does each server step inside ``step()``, and whoever ends the process first calls
``undo_pending()``: it lets the steps in flight finish (a creation in flight
registers its item), refuses new ones, and runs every pending undo, in parallel,
within a time limit. ``wizard.cli.run`` does at exit and on SIGTERM/SIGHUP;
``wizard.core.fanout``'s worker process on the SIGTERM its parent sends on cancel.

Provider-neutral and standard library only: an undo is a callable.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

UNDO_SECONDS = 10.0  # at most this long for the steps in flight and the undos together

_changed = threading.Condition()
_pending: dict[int, tuple[str, Callable[[], None]]] = {}
_steps = 0
_closing = threading.Event()
_ids = itertools.count(1)


class Closing(Exception):
    """The process is ending: no new change on a server."""


def register(what: str, undo: Callable[[], None]) -> int:
    """Remember how to undo a change (``what`` names it in the log, never a value)."""
    with _changed:
        token = next(_ids)
        _pending[token] = (what, undo)
        return token


def done(token: int) -> bool:
    """The change was undone by its owner: forget it. False if someone else took it."""
    with _changed:
        return _pending.pop(token, None) is not None


def undo(token: int) -> None:
    """Undo now, unless it was undone already (by its owner or ``undo_pending``); counted
    as a step in flight, so that the process's end waits for it too."""
    global _steps
    with _changed:
        entry = _pending.pop(token, None)
        if entry is None:
            return
        _steps += 1
    try:
        _run(*entry)
    finally:
        with _changed:
            _steps -= 1
            _changed.notify_all()


def busy() -> bool:
    """Is a change pending or in flight?"""
    with _changed:
        return bool(_pending) or _steps > 0


@contextmanager
def step() -> Iterator[None]:
    """One request that changes a server; refused once the process is ending."""
    global _steps
    with _changed:
        if _closing.is_set():
            raise Closing
        _steps += 1
    try:
        yield
    finally:
        with _changed:
            _steps -= 1
            _changed.notify_all()


def undo_pending(timeout: float = UNDO_SECONDS) -> int:
    """Let the steps in flight end, then undo every pending change; how many were."""
    deadline = time.monotonic() + timeout
    with _changed:
        _closing.set()
        while _steps and (left := deadline - time.monotonic()) > 0:
            _changed.wait(left)
        entries = list(_pending.values())
        _pending.clear()
        in_flight = _steps
    log.info("undoing %d pending changes (%d steps still in flight)", len(entries), in_flight)
    threads = [threading.Thread(target=_run, args=entry, daemon=True, name="undo")
               for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return len(entries)  # still closing: the process ends now


def _run(what: str, undo: Callable[[], None]) -> None:
    try:
        undo()
    except Exception as exc:  # the class only: a server's message could name anything
        log.warning("could not undo %s (%s)", what, type(exc).__name__)
