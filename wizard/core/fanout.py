"""Per-room work for a large tenant in a worker process, streamed back in batches.

Why: a check that reads 5 000 room calendars runs eight threads that build and
parse requests under the GIL; the TUI's event loop waits its turn behind them
(a 40–50 ms stall now and then, measured by benchmarks/checks.py). In a worker
process those threads share the GIL with nobody the person sees; the check's
own thread here only reads batches from a pipe. Whoever builds the check's
context decides (``CheckContext.offload_above``): the TUI does, for more rooms
than the worker's start-up (a second) is worth; the CLI has no event loop to
keep responsive.

The job goes to the worker on its stdin, results come back on its stdout as
length-prefixed pickles: never on a command line (it holds the service
account's password), never in a file. The worker is ``python -P -m
wizard.core.fanout`` (wizard.core.child: nothing imported from the current
directory): no multiprocessing, so no re-import of whatever script started roomcal.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import import_module
from typing import IO, Any, TypeVar

from wizard.core import clients, undo
from wizard.core.child import child_environment, python_command
from wizard.core.endpoints import Endpoints
from wizard.core.limiter import Budget, Limiter
from wizard.core.model import CheckContext, SubResult
from wizard.core.settings import Settings

BATCH = 25  # results per message, or fewer after BATCH_SECONDS
BATCH_SECONDS = 0.2
_HEADER = struct.Struct(">I")

Item = TypeVar("Item")  # what one room is to its check, e.g. (name, address): picklable
RoomCheck = Callable[[CheckContext, Any], SubResult]


@dataclass(frozen=True)
class Job:
    """What the worker needs: the per-room function by name, a context without threads or
    callbacks (those stay here), and the rooms."""

    target: str  # "package.module:function", a RoomCheck
    values: Mapping[str, str]
    secrets: Mapping[str, str]
    endpoints: Endpoints
    items: Sequence[Any]
    concurrency: Budget | int  # an int: that many at once, always
    settings: Settings = field(default_factory=Settings)
    shared: Mapping[str, Any] = field(default_factory=dict)  # what earlier checks found


def fan_out(ctx: CheckContext, check: Callable[[CheckContext, Item], SubResult],
            items: Sequence[Item], *, concurrency: int | Budget,
            on_result: Callable[[SubResult], None],
            shared: Mapping[str, Any] | None = None, limiter_key: str = "") -> None:
    """Each item through ``check`` (a module-level function): ``concurrency`` at a time,
    or as many as the server keeps answering (a ``Budget``: wizard.core.limiter). In
    this process's threads, or — for more than ``ctx.offload_above`` items — in a
    worker process, given ``shared`` of what earlier checks found. Results arrive in
    completion order; a failure ends the run at once; so does ``ctx.cancel``.

    ``limiter_key``: fan-outs of one run to the same server (and account) share one
    limiter in ``ctx.shared`` under this key, so two at once stay within the server's
    budget together and the second starts where the first left off."""
    budget = concurrency if isinstance(concurrency, Budget) else Budget(concurrency,
                                                                        concurrency)
    limiter = _limiter(ctx, budget, limiter_key)
    if ctx.offload_above is not None and len(items) > ctx.offload_above:
        job = Job(f"{check.__module__}:{check.__name__}", dict(ctx.values), dict(ctx.secrets),
                  ctx.endpoints, list(items), Budget(limiter.limit, budget.ceiling),
                  ctx.settings, shared=dict(shared or {}))

        def take(batch: list[tuple[int, SubResult]]) -> None:
            for _index, result in batch:
                on_result(result)

        run_in_worker(job, ctx.cancel, take)
        return
    with ThreadPoolExecutor(max_workers=budget.ceiling, thread_name_prefix="room") as pool:
        futures = [pool.submit(_limited, limiter, check, ctx, item) for item in items]
        try:
            for future in as_completed(futures):
                if ctx.cancel.is_set():
                    break
                on_result(future.result())
        finally:
            for future in futures:  # cancelled or failed: the rooms not started stay so
                future.cancel()


def _limiter(ctx: CheckContext, budget: Budget, key: str) -> Limiter:
    if not key:
        return budget.limiter()
    with ctx.lock:
        limiter = ctx.shared.get(key)
        if not isinstance(limiter, Limiter):
            limiter = ctx.shared[key] = budget.limiter()
    return limiter


def _limited(limiter: Limiter, check: RoomCheck, ctx: CheckContext, item: Any) -> SubResult:
    """``check`` for one item within a slot of ``limiter`` (it waits for one first)."""
    with limiter.slot(ctx.cancel):
        return check(ctx, item)


class WorkerError(RuntimeError):
    """The worker ended without its results; the message names the cause, never a value."""


def run_in_worker(job: Job, cancel: threading.Event,
                  on_batch: Callable[[list[tuple[int, SubResult]]], None]) -> None:
    """Run ``job`` in a worker process; each batch of (index, result) goes to ``on_batch``
    as it arrives. Stops (and ends the worker) when ``cancel`` is set."""
    # Never the current directory on its path (wizard.core.child): a planted module
    # there would read the password on stdin.
    worker = subprocess.Popen(
        python_command("wizard.core.fanout"), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_environment())
    assert worker.stdin is not None and worker.stdout is not None
    try:
        worker.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        worker.stdin.close()
        for kind, payload in _messages(worker.stdout):
            if cancel.is_set():
                return
            if kind == "batch":
                on_batch(payload)
            elif kind == "error":
                raise WorkerError(str(payload))
            else:  # "end"
                return
        raise WorkerError(f"the worker ended early (exit {worker.wait()})")
    finally:
        if worker.poll() is None:  # cancelled, or failed: it undoes what it changed first
            worker.terminate()
            try:
                worker.wait(undo.UNDO_SECONDS + 2)
            except subprocess.TimeoutExpired:
                worker.kill()
        worker.wait()
        worker.stdout.close()


def _messages(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    while header := stream.read(_HEADER.size):
        if len(header) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(header)
        yield pickle.loads(stream.read(size))  # our own worker: a trusted pipe


def _send(stream: IO[bytes], lock: threading.Lock, kind: str, payload: Any) -> None:
    data = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    with lock:
        stream.write(_HEADER.pack(len(data)) + data)
        stream.flush()


_CANCEL = threading.Event()  # the worker's run: set by the parent's SIGTERM


def _work(job: Job, out: IO[bytes]) -> None:
    from wizard.core.interaction import NoInteraction

    module, _, name = job.target.partition(":")
    check: RoomCheck = getattr(import_module(module), name)
    ctx = CheckContext(values=job.values, secrets=job.secrets, endpoints=job.endpoints,
                       interaction=NoInteraction(), settings=job.settings,
                       shared=dict(job.shared), cancel=_CANCEL)
    lock = threading.Lock()
    batch: list[tuple[int, SubResult]] = []
    sent = time.monotonic()
    budget = job.concurrency
    if not isinstance(budget, Budget):
        budget = Budget(budget, budget)
    limiter = budget.limiter()
    with ThreadPoolExecutor(max_workers=budget.ceiling, thread_name_prefix="room") as pool:
        futures = {pool.submit(_limited, limiter, check, ctx, item): index
                   for index, item in enumerate(job.items)}
        try:
            for future in as_completed(futures):
                batch.append((futures[future], future.result()))
                if len(batch) >= BATCH or time.monotonic() - sent > BATCH_SECONDS:
                    _send(out, lock, "batch", batch)
                    batch, sent = [], time.monotonic()
        except BaseException:
            for future in futures:  # a failed run ends now, not after every other room
                future.cancel()
            raise
        finally:
            clients.close(ctx)
    if batch:
        _send(out, lock, "batch", batch)
    _send(out, lock, "end", None)


def _terminated(_signum: int, _frame: object) -> None:
    """The parent cancelled: the rooms stop, what they changed on the server is undone."""
    _CANCEL.set()
    undo.undo_pending()
    os._exit(0)


def main() -> int:
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    out = sys.stdout.buffer
    job: Job = pickle.loads(sys.stdin.buffer.read())
    try:
        _work(job, out)
    except Exception as exc:  # the class only: a message could carry a server's text
        _log_failure(job, exc)
        _send(out, threading.Lock(), "error", f"{type(exc).__name__} in the worker")
        return 1
    return 0


def _log_failure(job: Job, error: Exception) -> None:
    """The traceback into roomcal's log, scrubbed like the parent's (its secrets are this
    process's to register): stderr goes nowhere, and nothing reaches a terminal."""
    import logging

    from wizard.core import logfile, redact

    for value in job.secrets.values():
        redact.register(value)
    logfile.setup(job.settings.state_dir)
    logging.getLogger(__name__).warning("a per-room check raised %s in the worker",
                                        type(error).__name__, exc_info=True)


if __name__ == "__main__":
    raise SystemExit(main())
