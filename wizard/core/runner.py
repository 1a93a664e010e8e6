"""Run a provider's checks concurrently and stream the results as they finish.

Each check is a blocking function (exchangelib, google-auth and msal block),
so it runs in a thread of a pool owned by this run; the event loop only
waits. Dependencies (``needs``) are honoured: a check whose prerequisite did
not pass is skipped with a sentence saying why. Timeouts are per check;
cancelling the consumer cancels the run and tells the threads via
``ctx.cancel``. The same runner serves the TUI (in a Textual worker) and the
CLI (``asyncio.run``).

While a run streams, full garbage collections are postponed: with 5 000 rooms
each one walked every result and response object made so far (40 ms), in
whichever thread allocated — the event loop's included. When the last run
ends, what survived it (the results) is frozen, as the UI does after its first
paint (``wizard/ui/memory.py``): the postponed full collection, due at once,
would otherwise walk it all right then (60 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from wizard.core.errors import failed
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status

log = logging.getLogger(__name__)

OK_STATUSES = (Status.PASS, Status.WARN, Status.MANUAL)
# Full collections run after this many young (generation 1) collections instead of
# CPython's 10: during a run, practically never. Young cycles are still collected.
RUN_FULL_COLLECTION_EVERY = 10_000

_postponing_lock = threading.Lock()
_postponing = 0  # runs streaming now
_thresholds: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def full_collections_postponed() -> Iterator[None]:
    """Postpone full garbage collections until the last overlapping run has ended.

    Young cycles are still collected during the run; frozen objects are still freed
    by reference counting — only cycles among them would outlive the process.
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
                gc.freeze()
                gc.set_threshold(*_thresholds)


def _run_one(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    try:
        result = spec.run(ctx)
    except Exception as exc:
        # The traceback goes to the log (scrubbed, no locals): an "Unexpected error" on
        # screen must be diagnosable from `roomcal report` and the log.
        log.warning("check %s raised %s", spec.id, type(exc).__name__, exc_info=True)
        result = failed(spec.id, exc)
    return replace(result, check_id=spec.id, elapsed=time.perf_counter() - started)


async def run_checks(
    specs: Iterable[CheckSpec],
    ctx: CheckContext,
    *,
    only: set[str] | None = None,
    previous: Mapping[str, CheckResult] | None = None,
    timeout_scale: float = 1.0,
) -> AsyncIterator[CheckResult]:
    """Yield a CHECKING result when a check starts, progress, then its final result.

    ``only``: run just these ids (and take the others' outcome from ``previous``).
    """
    specs = list(specs)
    previous = dict(previous or {})
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[CheckResult | None] = asyncio.Queue()
    finals: dict[str, asyncio.Future[CheckResult]] = {s.id: loop.create_future() for s in specs}
    executor = ThreadPoolExecutor(max_workers=max(1, len(specs)), thread_name_prefix="check")

    def progress(result: CheckResult) -> None:  # called from worker threads
        loop.call_soon_threadsafe(events.put_nowait, result)

    ctx.report_progress = progress

    async def one(spec: CheckSpec) -> None:
        if only is not None and spec.id not in only and spec.id in previous:
            finals[spec.id].set_result(previous[spec.id])
            await events.put(previous[spec.id])
            return
        for need in spec.needs:
            if need not in finals:
                continue
            dependency = await finals[need]
            if dependency.status not in OK_STATUSES:
                result = CheckResult(
                    spec.id,
                    Status.SKIP,
                    Msg(N_("Not checked: \"{check}\" has not passed."), check=_title(specs, need)),
                    code="check.skipped",
                )
                finals[spec.id].set_result(result)
                await events.put(result)
                return
        await events.put(CheckResult(spec.id, Status.CHECKING))
        timeout = spec.timeout * timeout_scale
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(executor, _run_one, spec, ctx), timeout
            )
        except TimeoutError:
            result = CheckResult(
                spec.id,
                Status.FAIL,
                Msg(N_("No answer within {seconds} s."), seconds=f"{timeout:g}"),
                Msg(N_("Check the network path to the server, then re-check.")),
                code="check.timeout",
            )
        finals[spec.id].set_result(result)
        await events.put(result)

    async def all_checks() -> None:
        try:
            await asyncio.gather(*(one(s) for s in specs))
        finally:
            await events.put(None)

    with full_collections_postponed():
        runner = asyncio.create_task(all_checks())
        try:
            while (event := await events.get()) is not None:
                yield event
        finally:
            if not runner.done():
                ctx.cancel.set()
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await runner
            # Threads stuck in a blocking call are abandoned, not joined: the UI must not
            # wait.
            executor.shutdown(wait=False, cancel_futures=True)


def _title(specs: list[CheckSpec], check_id: str) -> Msg | str:
    """The check's title as a message: shown in whatever language is current then."""
    for spec in specs:
        if spec.id == check_id:
            return Msg(spec.title)
    return check_id


async def collect(
    specs: Iterable[CheckSpec],
    ctx: CheckContext,
    *,
    only: set[str] | None = None,
    previous: Mapping[str, CheckResult] | None = None,
    timeout_scale: float = 1.0,
) -> dict[str, CheckResult]:
    """Run to completion (``run_checks``'s options); the final result per check id."""
    results: dict[str, CheckResult] = {}
    async for result in run_checks(specs, ctx, only=only, previous=previous,
                                   timeout_scale=timeout_scale):
        if result.status.done:
            results[result.check_id] = result
    return results
