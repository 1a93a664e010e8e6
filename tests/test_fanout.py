"""Per-room checks in a worker process (wizard/core/fanout.py) give the same results.

The TUI moves a large tenant's per-room work into a worker process so that its
threads do not take turns at the GIL with the event loop (benchmarks/checks.py
measures the stalls). Here the threshold is lowered to 0 rooms, so the six rooms
of a scenario run there too, against the real sandbox and client libraries, and
must come out exactly as they do in the check's own threads.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from ui_support import make_setup, sandbox
from wizard.app import Setup
from wizard.commands.common import CliInteraction
from wizard.core.fanout import Job, WorkerError, run_in_worker
from wizard.core.model import CheckResult, SubResult
from wizard.core.settings import Settings


@pytest.fixture(autouse=True)
def worker_finds_the_test_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker is a new interpreter: it finds tests/fanout_targets.py by PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent))


async def _results(setup: Setup) -> dict[str, CheckResult]:
    async for _result in setup.run_checks(CliInteraction(setup.demo)):
        pass
    return dict(setup.session.results)


def _rooms(result: CheckResult) -> list[tuple[str, str, str, str]]:
    return [(i.name, i.status.value, str(i.detail), i.code) for i in result.items]


@pytest.mark.parametrize(("provider", "scenario", "check"), [
    ("exchange", "impersonation-denied", "impersonation"),
    ("microsoft365", "healthy", "calendar_access"),
])
def test_the_worker_gives_the_same_results_as_the_threads(provider: str, scenario: str,
                                                          check: str) -> None:
    with sandbox(scenario, services=(provider,)) as box:
        here = make_setup(box, profile="here", provider=provider)
        in_threads = asyncio.run(_results(here))
        there = make_setup(box, profile="there", provider=provider)
        there.keep_event_loop_free()
        there.offload_above = 0  # every room in the worker, however few
        in_worker = asyncio.run(_results(there))
    assert in_worker[check].status == in_threads[check].status
    assert in_worker[check].code == in_threads[check].code
    assert _rooms(in_worker[check]) == _rooms(in_threads[check])
    assert len(in_worker[check].items) == 6


def test_the_ui_keeps_small_tenants_in_its_own_threads() -> None:
    setup = make_setup(None)
    assert setup.offload_above is None  # the CLI: no event loop to keep free
    setup.keep_event_loop_free()
    assert setup.offload_above is not None and setup.offload_above >= 100


def _job(target: str, items: list[tuple[str, ...]], settings: Settings | None = None) -> Job:
    from wizard.core.endpoints import Endpoints

    return Job(target, {}, {"password": "not-on-a-command-line"}, Endpoints(), items, 4,
               settings or Settings())


def test_batches_stream_in_and_a_failure_names_only_its_class(tmp_path: Path) -> None:
    batches: list[list[tuple[int, SubResult]]] = []
    run_in_worker(_job("fanout_targets:echo", [("a", "a@x"), ("b", "b@x")]),
                  threading.Event(), batches.append)
    got = sorted((index, r.name) for batch in batches for index, r in batch)
    assert got == [(0, "a"), (1, "b")]
    with pytest.raises(WorkerError) as failed:
        run_in_worker(_job("fanout_targets:explode", [("a", "a@x")],
                           Settings(state_dir=tmp_path)), threading.Event(), batches.append)
    assert str(failed.value) == "ValueError in the worker"  # not the server's text
    log = (tmp_path / "roomcal.log").read_text(encoding="utf-8")
    assert "ValueError" in log and "explode" in log  # the traceback, for support
    assert "not-on-a-command-line" not in log  # scrubbed as the parent's log is


def test_a_cancelled_run_ends_its_worker() -> None:
    cancel = threading.Event()
    seen: list[int] = []

    def first_batch(batch: list[tuple[int, SubResult]]) -> None:
        seen.append(len(batch))
        cancel.set()

    started = time.monotonic()
    run_in_worker(_job("fanout_targets:slow", [(str(i), "") for i in range(400)]),
                  cancel, first_batch)
    assert seen and time.monotonic() - started < 10  # 400 × 0.05 s / 4 threads = 5 s


def test_the_secret_is_not_on_the_workers_command_line(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    import subprocess

    seen: list[list[str]] = []
    real = subprocess.Popen

    def recording(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        seen.append(list(args))
        return real(args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "Popen", recording)
    run_in_worker(_job("fanout_targets:echo", [("a", "a@x")]), threading.Event(),
                  lambda batch: None)
    assert seen and not any("not-on-a-command-line" in arg for arg in seen[0])


def test_a_failure_ends_the_run_without_waiting_for_every_other_room() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerError):
        run_in_worker(_job("fanout_targets:explode_first", [(str(i), "") for i in range(400)]),
                      threading.Event(), lambda batch: None)
    assert time.monotonic() - started < 4  # all 400 rooms: 400 × 0.05 s / 4 threads = 5 s


def test_the_worker_imports_nothing_from_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from serve_support import plant_imports

    shared = tmp_path / "shared"  # where another user could write; the admin works there
    marker = tmp_path / "imported-as-the-admin"
    plant_imports(shared, marker)
    monkeypatch.chdir(shared)
    # An empty PYTHONPATH entry (``export PYTHONPATH=$PYTHONPATH:/x`` with none before)
    # also means the current directory.
    monkeypatch.setenv("PYTHONPATH", os.pathsep + str(Path(__file__).resolve().parent))
    batches: list[list[tuple[int, SubResult]]] = []
    run_in_worker(_job("fanout_targets:echo", [("a", "a@x")]), threading.Event(),
                  batches.append)
    assert not marker.exists(), marker.read_text()
    assert [r.name for batch in batches for _i, r in batch] == ["a"]
