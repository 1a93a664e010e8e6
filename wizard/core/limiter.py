"""How many requests to one server at once: as many as it keeps answering (AIMD).

A server tells how much parallel work it takes only by refusing more: Exchange's
default throttling policy allows 27 concurrent EWS connections per account and
answers ErrorServerBusy beyond; HTTP APIs answer 429. A fixed number is either timid
(eight at a time made a 5 000-room tenant wait three times longer than its server
allowed) or bold (a tighter policy refuses every third request). So per-room work
starts with a few requests at once and, like TCP's congestion control:

* grows by one for every answer that came back healthy (doubling per round trip)
  until the server first says "not now" (slow start), then by one per round of
  healthy answers (additive increase);
* halves when the server says "not now" (multiplicative decrease) — once per round:
  the refusals of requests started before the halving are old news;
* never exceeds the ceiling (the server's documented budget) nor drops below one.

"Not now" reaches the limiter from ``wizard.core.retry.Backoff.wait``: whoever backs
off from a busy server inside a slot (``Limiter.slot``) tells the slot's limiter,
whatever the provider. Standard library only.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class Cancelled(Exception):
    """The run was cancelled while waiting for a slot."""


@dataclass(frozen=True)
class Budget:
    """A limiter's description (picklable: it travels to a fan-out's worker process)."""

    start: int
    ceiling: int

    def limiter(self) -> Limiter:
        return Limiter(self.start, self.ceiling)


class _Slot:
    __slots__ = ("generation", "limiter", "refused")

    def __init__(self, limiter: Limiter, generation: int) -> None:
        self.limiter = limiter
        self.generation = generation
        self.refused = False


_current: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar(
    "roomcal_limiter_slot", default=None)

WAIT_POLL = 0.1  # seconds between looks at the cancel event while all slots are taken


class Limiter:
    """At most ``limit`` slots at once; the limit follows the server's answers."""

    def __init__(self, start: int, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self._limit = float(min(max(1, start), self.ceiling))
        self._slow_start = True
        self._generation = 0  # bumped by every halving
        self._in_flight = 0
        self._changed = threading.Condition()
        self.peak = int(self._limit)  # the highest limit reached (benchmarks, logs)
        self.refusals = 0  # "not now" answers seen

    @property
    def limit(self) -> int:
        return int(self._limit)

    @contextmanager
    def slot(self, cancel: threading.Event | None = None) -> Iterator[None]:
        """Hold one slot for the block; a "not now" inside it (``server_busy``) halves
        the limit; a block that ends without one and without an exception grows it.
        Raises ``Cancelled`` when ``cancel`` is set while waiting."""
        with self._changed:
            while self._in_flight >= int(self._limit):
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                self._changed.wait(WAIT_POLL)
            self._in_flight += 1
            slot = _Slot(self, self._generation)
        token = _current.set(slot)
        healthy = False
        try:
            yield
            healthy = not slot.refused
        finally:
            _current.reset(token)
            self._release(healthy)

    def _release(self, healthy: bool) -> None:
        with self._changed:
            self._in_flight -= 1
            if healthy:
                step = 1.0 if self._slow_start else 1.0 / int(self._limit)
                self._limit = min(self.ceiling, self._limit + step)
                self.peak = max(self.peak, int(self._limit))
            self._changed.notify_all()

    def _refused(self, slot: _Slot) -> None:
        with self._changed:
            slot.refused = True
            self.refusals += 1
            if slot.generation != self._generation:
                return  # started before the last halving: already accounted for
            self._generation += 1
            self._slow_start = False
            self._limit = max(1.0, float(int(self._limit) // 2))


def server_busy() -> None:
    """The server answered "not now" to the request of the current slot (if any)."""
    slot = _current.get()
    if slot is not None:
        slot.limiter._refused(slot)
