"""The write probe leaves nothing behind when the run is cut short.

Cancelled (the person re-checks or leaves the step), run in the worker process
(large tenants in the TUI) and cancelled there, or the process ended by SIGTERM:
the sandbox's EWS server records every item created and every item still there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ui_support import sandbox
from wizard.app import Setup
from wizard.core.interaction import NoInteraction
from wizard.sandbox import Sandbox
from wizard.sandbox.scenario import Scenario

ROOMS = 60  # more than the server takes at once (27): a cancel comes before the last
SLOW = Scenario("test", data={"rooms": {"count": ROOMS}, "latency_ms": 150, "exchange": {}})


def _state(box: Sandbox) -> Any:
    return box.services["exchange"].state


def _until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _cancel_once_items_exist(box: Sandbox, setup: Setup) -> None:
    state = _state(box)

    async def run() -> None:
        checks = setup.run_checks(NoInteraction(), record=False,
                                  values={**setup.values(), "write_probe": "yes"})

        async def consume() -> None:
            async for _result in checks:
                pass

        task = asyncio.create_task(consume())
        while not state.items and not task.done():
            await asyncio.sleep(0.01)
        task.cancel()  # what leaving the step or a re-check does to the run
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert state.created, "the run ended before the probe created anything"


@pytest.mark.parametrize("offload", [False, True], ids=["threads", "worker-process"])
def test_a_cancelled_run_deletes_what_the_probe_created(offload: bool) -> None:
    with sandbox(SLOW) as box:
        setup = Setup("cleanup", demo=box)
        setup.session.choose_provider("exchange")
        if offload:
            setup.keep_event_loop_free()
            setup.offload_above = 0  # these rooms as if they were 5 000
        _cancel_once_items_exist(box, setup)
        state = _state(box)
        assert _until(lambda: not state.items, 20), state.items
        assert len(state.created) < ROOMS  # it was cut short, not run to the end
        assert {kind for _mailbox, kind in state.deleted} == {"HardDelete"}


def test_sigterm_deletes_what_the_probe_created() -> None:
    with sandbox(SLOW) as box:
        state = _state(box)
        values = box.values("exchange")
        env = {**os.environ, "ROOMCAL_PASSWORD": box.secrets("exchange")["password"],
               "ROOMCAL_RESOLVER_URL": box.endpoints.resolver_url}
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "wizard", "--lang", "en", "check", "exchange",
             "--ews-url", values["ews_url"], "--username", values["username"],
             "--room-list", values["room_list"], "--ca-bundle", box.endpoints.ca_bundle,
             "--write-probe"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _until(lambda: bool(state.items), 60), "no item was created"
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == -signal.SIGTERM  # it still dies of the signal
        finally:
            if process.poll() is None:
                process.kill()
        log = "".join(p.read_text() for p in Path(os.environ["ROOMCAL_STATE_DIR"]).rglob("*.log"))
        assert state.items == {}, log
        assert len(state.created) < ROOMS
