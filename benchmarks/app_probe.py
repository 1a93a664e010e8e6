"""Run the wizard headless against a sandbox scenario; print peak RSS and event-loop stalls.

    python benchmarks/app_probe.py idle|checks SCENARIO PROVIDER [--why]

``idle``: the welcome screen only. ``checks``: step 1 for PROVIDER with every
check run to completion. A 5 ms timer measures how late the event loop serves
it: the longest delay is the worst stall a user would feel. A bare loop in its
own process (control_loop.py) ticks beside it over the same window: its longest
stall is what the machine itself caused (other processes on the cores).

``--why``: a watchdog thread samples where the event loop's thread is whenever
it is 20 ms late, and prints the most frequent places on stderr (a thread in
``select`` is waiting for the GIL after its I/O returned).
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CONTROL = Path(__file__).with_name("control_loop.py")


class Watchdog:
    """Where the event loop's thread is while it is late (``--why``)."""

    def __init__(self, late: float = 0.020) -> None:
        import collections
        import threading

        self.late = late
        self.last = time.perf_counter()
        self.places: collections.Counter[str] = collections.Counter()
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        import traceback

        while not self._stop.wait(0.003):
            if time.perf_counter() - self.last > self.late:
                frame = sys._current_frames().get(self._loop_thread)
                stack = traceback.extract_stack(frame)[-8:]
                self.places[" <- ".join(f"{f.name} ({Path(f.filename).name}:{f.lineno})"
                                        for f in reversed(stack))] += 1

    def report(self) -> None:
        self._stop.set()
        for place, count in self.places.most_common(10):
            print(f"{count:4d}  {place}", file=sys.stderr)


async def run(mode: str, scenario: str, provider: str, why: bool = False
              ) -> dict[str, float]:
    from remote_sandbox import RemoteSandbox  # the server's memory is not the wizard's

    from wizard.app import Setup
    from wizard.core.flow import Step
    from wizard.core.settings import Settings
    from wizard.sandbox.scenario import load
    from wizard.ui.app import WizardApp
    from wizard.ui.dialogs.signin import SignInModal

    box = RemoteSandbox(load(scenario), (provider,))
    control = subprocess.Popen([sys.executable, str(CONTROL)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert control.stdin is not None

    def restart_control() -> None:
        control.stdin.write("reset\n")  # type: ignore[union-attr]
        control.stdin.flush()  # type: ignore[union-attr]

    try:
        setup = Setup("probe", demo=box, settings=Settings.from_env())
        if mode == "checks":
            setup.session.choose_provider(provider)
            setup.session.set_step(Step.PREPARE)
        app = WizardApp(setup, language="en")
        stalls: list[float] = []
        async with app.run_test(size=(80, 24)) as pilot:
            last = time.perf_counter()

            watchdog = Watchdog() if why else None

            def tick() -> None:
                nonlocal last
                now = time.perf_counter()
                stalls.append(now - last - 0.005)
                last = now
                if watchdog is not None:
                    watchdog.last = now

            app.set_interval(0.005, tick)
            await pilot.pause()
            stalls.clear()  # the first paint is benchmarks/startup.py's business
            restart_control()
            if mode == "checks":
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:
                    # Not pilot.pause(): it forces a full synchronous re-layout of the
                    # screen each time, a stall of the probe's own making.
                    await asyncio.sleep(0.05)
                    if isinstance(app.screen, SignInModal) and app.screen.query("#sandbox"):
                        # Microsoft 365 and Google sign in first, as a guide would (Enter);
                        # Pilot's click re-lays out the screen: not a stall of the wizard.
                        await pilot.click("#sandbox")
                        stalls.clear()
                        restart_control()
                        continue
                    if app.session.results and all(
                        r.status.done for r in app.session.results.values()
                    ) and len(app.session.results) == len(app.session.plugin().checks):
                        break
                # The wizard's end-of-run work (saving 5 000 results) still counts; a
                # pilot.pause() here would add a re-layout of the probe's own making.
                await asyncio.sleep(0.2)
            else:
                await pilot.pause(0.5)
            measured = list(stalls)  # until here: closing the app is not streaming
            if watchdog is not None:
                watchdog.report()
            machine = float(control.communicate("stop\n", timeout=30)[0].strip() or 0)
        rooms = len(box.scenario.rooms)
    finally:
        box.stop()
        control.kill()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    late = sorted(measured)
    return {"max_rss_mb": peak_kb / 1024, "max_stall_ms": max(measured, default=0) * 1000,
            # How often, not only how badly: one descheduling by a busy machine makes a
            # maximum; the wizard's own stalls repeat.
            "p99_stall_ms": late[int(len(late) * 0.99)] * 1000 if late else 0.0,
            "stalls_over_33ms": sum(s > 0.033 for s in measured),
            "machine_stall_ms": machine, "rooms": rooms}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(*sys.argv[1:4], why="--why" in sys.argv[4:]))))
