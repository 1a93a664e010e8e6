"""The per-room concurrency limiter (wizard.core.limiter): grows while a server answers,
halves when it says "not now" — with real threads, and through the fan-out against the
sandbox's EWS server, which refuses beyond its throttling policy's concurrency."""

from __future__ import annotations

import threading
import time

import pytest

from wizard.core.limiter import Budget, Cancelled, Limiter, server_busy
from wizard.core.retry import Backoff


def _healthy(limiter: Limiter, n: int) -> None:
    for _ in range(n):
        with limiter.slot():
            pass


def test_it_starts_low_and_doubles_per_round_until_the_ceiling() -> None:
    limiter = Limiter(4, 27)
    assert limiter.limit == 4
    _healthy(limiter, 4)  # one round of four healthy answers
    assert limiter.limit == 8
    _healthy(limiter, 100)
    assert limiter.limit == 27 and limiter.peak == 27  # never above the server's budget


def test_not_now_halves_once_per_round_then_growth_is_additive() -> None:
    limiter = Limiter(16, 27)
    started = threading.Barrier(16)
    refuse = threading.Event()

    def request() -> None:
        with limiter.slot():
            started.wait()  # sixteen in flight, all from before the halving
            refuse.wait()
            server_busy()

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    refuse.set()
    for thread in threads:
        thread.join()
    assert limiter.limit == 8  # sixteen refusals of one round: one halving, not sixteen
    assert limiter.refusals == 16
    _healthy(limiter, 8)  # a round of healthy answers after slow start: one more
    assert limiter.limit == 9


def test_never_below_one() -> None:
    limiter = Limiter(1, 27)
    for _ in range(5):
        with limiter.slot():
            server_busy()
    assert limiter.limit == 1


def test_a_backoff_inside_a_slot_is_the_signal() -> None:
    """wizard.core.retry's Backoff.wait is where every provider hears "not now"."""
    limiter = Limiter(8, 27)
    with limiter.slot():
        assert Backoff(sleep=lambda seconds: False).wait(0.0)
    assert limiter.limit == 4
    Backoff(sleep=lambda seconds: False).wait(0.0)  # outside any slot: nobody to tell
    assert limiter.limit == 4


def test_slots_beyond_the_limit_wait_and_a_cancel_ends_the_wait() -> None:
    limiter = Limiter(2, 2)
    inside = 0
    most = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal inside, most
        with limiter.slot():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
    cancel = threading.Event()
    with limiter.slot(), limiter.slot():
        cancel.set()
        with pytest.raises(Cancelled), limiter.slot(cancel):
            pass


def test_an_exception_does_not_count_as_healthy() -> None:
    limiter = Limiter(4, 27)
    with pytest.raises(ValueError), limiter.slot():
        raise ValueError
    assert limiter.limit == 4


def test_a_budget_travels_as_plain_data() -> None:
    import pickle

    budget = pickle.loads(pickle.dumps(Budget(4, 27)))
    assert budget.limiter().limit == 4 and budget.limiter().ceiling == 27


def test_the_exchange_checks_stay_within_the_servers_budget() -> None:
    """The sandbox refuses (ErrorServerBusy) beyond six EWS requests at once: every room
    still passes, the limiter came down to what the server takes, and it grew first.
    (Before, exchangelib's own pool shrinking on ErrorServerBusy could hang every thread.)"""
    import asyncio

    from ui_support import sandbox
    from wizard import providers
    from wizard.core.interaction import NoInteraction
    from wizard.core.model import CheckContext, Status
    from wizard.core.runner import collect
    from wizard.providers.exchange.checks import LIMITER
    from wizard.sandbox.scenario import Scenario

    world = Scenario("test", data={"rooms": {"count": 60}, "latency_ms": 30,
                                   "exchange": {"max_concurrency": 6,
                                                "busy_back_off_ms": 50}})
    with sandbox(world) as box:
        ctx = CheckContext(values=box.values("exchange"), secrets=box.secrets("exchange"),
                           endpoints=box.endpoints, interaction=NoInteraction())
        results = asyncio.run(collect(providers.get("exchange").plugin().checks, ctx))
        refused = box.services["exchange"].state.concurrency_refused
        seen = box.services["exchange"].state.seen
    assert results["impersonation"].status == Status.PASS
    assert results["notifications"].status == Status.PASS
    limiter = ctx.shared[LIMITER]
    assert refused > 0 and limiter.refusals > 0  # it did try beyond the budget
    assert limiter.peak > 4  # grew while the answers were healthy
    assert refused < seen / 5, (refused, seen)  # and mostly stayed within the budget
