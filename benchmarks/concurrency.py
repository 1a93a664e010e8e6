"""Per-room checks at the server's concurrency budget, measured against the sandbox.

    python benchmarks/concurrency.py [--rooms 5000] [--latency-ms 100] [--budget 27]
                                     [--baseline 20]

The sandbox (its own process) models Exchange's default throttling policy: more than
``--budget`` EWS requests of the account at once answer ErrorServerBusy. Step 1 runs
as the CLI runs it; each per-room check's own time is compared with

* the budget: ``rooms × requests per room × latency / baseline`` (20 at once, the
  figure the budget names) — ratio ≤ 1.3;
* the same checks with a fixed ``--baseline`` requests at once, measured in the same
  run on the same sandbox (what a well-chosen fixed number would give; not a budget),
  and the fixed 8 of before with ``--old``.

Printed beside: the limiter's peak, how often the server said "not now", the client's
CPU seconds. The event-loop stall budget of the TUI (its 5 000 results stream from a
worker process) is ``benchmarks/checks.py``'s. Exit 1 when over budget.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
BUDGET_RATIO = 1.3
PER_ROOM = {"impersonation": 1, "notifications": 2}  # requests per room (GetFolder; Sub+Unsub)


def run(rooms: int, latency_ms: int, server_budget: int, budget: Any = None) -> dict[str, Any]:
    import exchangelib  # noqa: F401  (its import is start-up, not the fan-out)
    from remote_sandbox import RemoteSandbox

    from wizard import providers
    from wizard.core.interaction import NoInteraction
    from wizard.core.model import CheckContext
    from wizard.core.runner import collect
    from wizard.providers.exchange import checks as exchange
    from wizard.sandbox.scenario import Scenario

    saved = exchange.ROOM_BUDGET
    if budget is not None:
        exchange.ROOM_BUDGET = budget
    scenario = Scenario("bench", data={"rooms": {"count": rooms}, "latency_ms": latency_ms,
                                       "exchange": {"max_concurrency": server_budget}})
    try:
        with RemoteSandbox(scenario, ("exchange",)) as box:
            plugin = providers.get("exchange").plugin()
            ctx = CheckContext(values=box.values("exchange"), secrets=box.secrets("exchange"),
                               endpoints=box.endpoints, interaction=NoInteraction())
            cpu, started = time.process_time(), time.perf_counter()
            results = asyncio.run(collect(plugin.checks, ctx))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        exchange.ROOM_BUDGET = saved
    limiter = ctx.shared.get(exchange.LIMITER)
    return {"wall": wall, "cpu": cpu, "requests": box.requests,
            "elapsed": {k: results[k].elapsed for k in PER_ROOM},
            "statuses": {k: results[k].status.value for k in PER_ROOM},
            "peak": getattr(limiter, "peak", 0), "refusals": getattr(limiter, "refusals", 0),
            "limit": getattr(limiter, "limit", 0)}


def main() -> int:
    from wizard.core.limiter import Budget
    from wizard.providers.exchange.checks import ROOM_BUDGET

    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--budget", type=int, default=27, help="the server's EWSMaxConcurrency")
    parser.add_argument("--baseline", type=int, default=20)
    parser.add_argument("--old", action="store_true", help="also the fixed 8 of before")
    args = parser.parse_args()
    runs = [("adaptive", None), (f"fixed {args.baseline}", Budget(args.baseline, args.baseline))]
    if args.old:
        runs.append(("fixed 8", Budget(8, 8)))
    measured = {}
    for name, budget in runs:
        measured[name] = m = run(args.rooms, args.latency_ms, args.budget, budget)
        print(f"{name:<12} step 1 {m['wall']:.1f} s, client CPU {m['cpu']:.1f} s, "
              f"{m['requests']} requests; limiter peak {m['peak']}, end {m['limit']}, "
              f"{m['refusals']} ErrorServerBusy; statuses {m['statuses']}", flush=True)
    failed = False
    adaptive, fixed = measured["adaptive"], measured[f"fixed {args.baseline}"]
    for check, per_room in PER_ROOM.items():
        target = args.rooms * per_room * args.latency_ms / 1000 / args.baseline
        took = adaptive["elapsed"][check]
        ratio = took / target
        ok = ratio <= BUDGET_RATIO and adaptive["statuses"][check] == "pass"
        failed |= not ok
        print(f"{check:<14} {args.rooms} rooms × {per_room} @ {args.latency_ms} ms: "
              f"{took:.1f} s vs {target:.1f} s ({args.baseline} at once)  ratio {ratio:.2f} "
              f"(budget {BUDGET_RATIO}) {'ok' if ok else 'OVER BUDGET'}; fixed "
              f"{args.baseline} in the same run {fixed['elapsed'][check]:.1f} s "
              f"({took / fixed['elapsed'][check]:.2f}×)"
              + (f"; fixed 8 {measured['fixed 8']['elapsed'][check]:.1f} s" if args.old
                 else ""))
    print(f"ceiling {ROOM_BUDGET.ceiling}, start {ROOM_BUDGET.start}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
