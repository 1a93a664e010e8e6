"""Run a provider's checks concurrently and stream the results as they finish.

Each check is a blocking function (exchangelib, google-auth and msal block),
so it runs in a thread of a pool owned by this run; the event loop only
waits. Dependencies (``needs``) are honoured: a check whose prerequisite did
not pass is skipped with a sentence saying why. Timeouts are per check;
cancelling the consumer cancels the run and tells the threads via
``ctx.cancel``. The same runner serves the TUI (in a Textual worker) and the
CLI (``asyncio.run``). When the garbage collector runs meanwhile is the UI's
choice (``wizard/ui/memory.py``), not the runner's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from wizard.core import clients
from wizard.core.errors import failed
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status

log = logging.getLogger(__name__)

OK_STATUSES = (Status.PASS, Status.WARN, Status.MANUAL)


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
    ancestors = _running_ancestors(specs, only, previous)
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
        # A check also waits for what runs again further up its chain (a partial run): a
        # need taken from ``previous`` is settled at once, but what those checks share
        # (the rooms read, a sign-in's token) comes from this run's.
        for need in (*spec.needs, *(a for a in ancestors[spec.id] if a not in spec.needs)):
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
        # Threads stuck in a blocking call are abandoned, not joined: the UI must not wait.
        executor.shutdown(wait=False, cancel_futures=True)
        clients.close(ctx)


def _running_ancestors(specs: list[CheckSpec], only: set[str] | None,
                       previous: Mapping[str, CheckResult]) -> dict[str, list[str]]:
    """Per check, the checks further up its chain of needs that run in this run."""
    by_id = {s.id: s for s in specs}
    runs = {s.id for s in specs if only is None or s.id in only or s.id not in previous}
    out: dict[str, list[str]] = {}
    for spec in specs:
        seen: list[str] = []
        todo = [n for need in spec.needs if need in by_id for n in by_id[need].needs]
        while todo:
            current = todo.pop()
            if current in by_id and current not in seen:
                seen.append(current)
                todo.extend(by_id[current].needs)
        out[spec.id] = [a for a in seen if a in runs] if only is not None else []
    return out


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
