"""The check runner: overlap, dependencies, timeouts, streaming, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from wizard.core.endpoints import Endpoints
from wizard.core.interaction import NoInteraction
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Status
from wizard.core.runner import collect, run_checks


def ctx() -> CheckContext:
    return CheckContext(values={}, secrets={}, endpoints=Endpoints(), interaction=NoInteraction())


def barrier_check(barrier: threading.Barrier, check_id: str):
    def run(_ctx: CheckContext) -> CheckResult:
        # Passes only if all checks sharing the barrier run at the same time.
        barrier.wait(timeout=5)
        return CheckResult(check_id, Status.PASS)

    return run


async def test_independent_checks_overlap() -> None:
    barrier = threading.Barrier(3)
    specs = [CheckSpec(i, i, barrier_check(barrier, i)) for i in ("a", "b", "c")]
    results = await collect(specs, ctx())
    assert {r.status for r in results.values()} == {Status.PASS}


async def test_dependency_failure_skips_with_reason() -> None:
    def boom(_ctx: CheckContext) -> CheckResult:
        raise ConnectionRefusedError

    specs = [
        CheckSpec("endpoint", "EWS endpoint", boom),
        CheckSpec("credentials", "Credentials", lambda c: CheckResult("credentials", Status.PASS),
                  needs=("endpoint",)),
    ]
    results = await collect(specs, ctx())
    assert results["endpoint"].status == Status.FAIL
    assert "refused" in str(results["endpoint"].detail)
    assert results["credentials"].status == Status.SKIP
    assert "EWS endpoint" in str(results["credentials"].detail)


async def test_timeout_fails_the_check_not_the_run() -> None:
    release = threading.Event()

    def hang(_ctx: CheckContext) -> CheckResult:
        release.wait(10)
        return CheckResult("hang", Status.PASS)

    specs = [CheckSpec("hang", "Hang", hang, timeout=0.2),
             CheckSpec("ok", "Ok", lambda c: CheckResult("ok", Status.PASS))]
    results = await collect(specs, ctx())
    release.set()
    assert results["hang"].status == Status.FAIL
    assert "0.2" in str(results["hang"].detail)
    assert results["ok"].status == Status.PASS


async def test_progress_streams_before_the_final_result() -> None:
    def rooms(c: CheckContext) -> CheckResult:
        for n in range(3):
            c.report_progress(CheckResult("rooms", Status.CHECKING, f"{n}/3"))
        return CheckResult("rooms", Status.PASS, "3/3")

    seen = [(r.status, str(r.detail)) async for r in run_checks([CheckSpec("rooms", "R", rooms)],
                                                                 ctx())]
    assert seen[0] == (Status.CHECKING, "")
    assert (Status.CHECKING, "2/3") in seen
    assert seen[-1] == (Status.PASS, "3/3")


async def test_cancelling_the_consumer_sets_the_cancel_event() -> None:
    started = threading.Event()
    context = ctx()

    def slow(c: CheckContext) -> CheckResult:
        started.set()
        c.cancel.wait(10)
        return CheckResult("slow", Status.FAIL, "cancelled")

    async def consume() -> None:
        async for _result in run_checks([CheckSpec("slow", "Slow", slow)], context):
            pass

    task = asyncio.create_task(consume())
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert context.cancel.is_set()


async def test_only_reruns_selected_and_keeps_previous() -> None:
    calls: list[str] = []

    def make(check_id: str):
        def run(_ctx: CheckContext) -> CheckResult:
            calls.append(check_id)
            return CheckResult(check_id, Status.PASS)
        return run

    specs = [CheckSpec("a", "A", make("a")), CheckSpec("b", "B", make("b"), needs=("a",))]
    previous = {"a": CheckResult("a", Status.PASS, "earlier")}
    results = await collect(specs, ctx(), only={"b"}, previous=previous)
    assert calls == ["b"]
    assert str(results["a"].detail) == "earlier"
