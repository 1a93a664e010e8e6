"""Keeping the event loop smooth when results are large."""

from __future__ import annotations


def freeze_garbage_collector() -> None:
    """Move everything alive now out of the collector's sight.

    Textual, the provider libraries and their caches are hundreds of thousands of
    objects that live as long as the app; a full collection walks them all, and
    while 5 000 rooms' results stream in it ran every few seconds for up to
    50 ms — a visible freeze. Frozen objects are still freed by reference
    counting; only cycles among them would outlive the app's session.
    """
    import gc

    gc.freeze()
