"""Keeping the event loop smooth when results are large: when the garbage collector runs.

A full collection walks every object the process holds — Textual's, the provider
libraries', and, while 5 000 rooms' results stream in, every result and response
made so far (40 ms, in whichever thread allocated: the event loop's included, a
visible freeze). The UI decides when they run; the CLI, with no frames to keep,
leaves CPython's collector as it is (the layers it shares with the UI do not touch
it: an import-linter contract).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

# Full collections run after this many young (generation 1) collections instead of
# CPython's 10: during a run, practically never. Young cycles are still collected.
RUN_FULL_COLLECTION_EVERY = 10_000

_postponing_lock = threading.Lock()
_postponing = 0  # check runs streaming now
_thresholds: tuple[int, int, int] = gc.get_threshold()


def freeze_garbage_collector() -> None:
    """Move everything alive now out of the collector's sight.

    Textual, the provider libraries and their caches are hundreds of thousands of
    objects that live as long as the app; a full collection walks them all, and
    while 5 000 rooms' results stream in it ran every few seconds for up to
    50 ms — a visible freeze. Frozen objects are still freed by reference
    counting; only cycles among them would outlive the app's session.
    """
    gc.freeze()


@contextlib.contextmanager
def full_collections_postponed() -> Iterator[None]:
    """Postpone full collections until the last overlapping check run has ended.

    A re-check cancels the run before it, which winds down while the new one starts:
    the thresholds come back when the last one ends. Then what survived the runs (the
    results) is frozen: the postponed full collection, due at once, would otherwise
    walk it all right then (60 ms).
    """
    global _postponing, _thresholds
    with _postponing_lock:
        if _postponing == 0:
            _thresholds = gc.get_threshold()
            young, middle, _full = _thresholds
            gc.set_threshold(young, middle, RUN_FULL_COLLECTION_EVERY)
        _postponing += 1
    try:
        yield
    finally:
        with _postponing_lock:
            _postponing -= 1
            if _postponing == 0:
                freeze_garbage_collector()
                gc.set_threshold(*_thresholds)
