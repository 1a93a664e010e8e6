"""Start-up budgets.

    python benchmarks/startup.py [--runs N]

* first screen painted: the wizard vs a minimal Textual app (Header, Static,
  Checkbox, Footer) — budget ≤ 1.15×; the same for ``roomcal demo`` (the
  sandbox must not delay the first paint)
* ``roomcal --help``, the installed console script — budget 100 ms on the
  2-core development machine; ``python -c pass`` is measured beside it for
  context (how long this machine takes to start Python at all right now)

Runs alternate between the two sides so drift on a busy machine hits both;
medians are compared. Exit 1 when a budget is exceeded.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
RATIO_BUDGETS = {"first paint": 1.15, "demo paint": 1.15}  # × the minimal Textual app
HELP_BUDGET = 0.100  # seconds, median


class Timing(NamedTuple):
    wall: float  # what the budgets are about
    cpu: float  # beside it: on a busy machine, waiting for a core inflates the wall time


def _time(command: Sequence[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(candidate: Sequence[str], baseline: Sequence[str], runs: int
            ) -> tuple[Timing, Timing]:
    """Median wall-clock and CPU time of each side, runs alternating."""
    _time(candidate), _time(baseline)  # warm the file cache for both
    cand, base = [], []
    for _ in range(runs):
        cand.append(_time(candidate))
        base.append(_time(baseline))
    return _medians(cand), _medians(base)


def _medians(times: list[tuple[float, float]]) -> Timing:
    return Timing(statistics.median(w for w, _c in times),
                  statistics.median(c for _w, c in times))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    py = sys.executable
    paints = {
        "first paint": ([py, str(HERE / "first_paint.py"), "wizard"],
                        [py, str(HERE / "first_paint.py"), "minimal"]),
        # `roomcal demo` through its real entry point, the sandbox included.
        "demo paint": ([py, str(HERE / "first_paint.py"), "demo"],
                       [py, str(HERE / "first_paint.py"), "minimal"]),
    }
    # The installed console script, as an admin types it (pip's wrapper included).
    roomcal = shutil.which("roomcal", path=str(Path(py).parent))
    if roomcal is None:
        print(f"no roomcal command beside {py}: pip install -e . first", file=sys.stderr)
        return 2
    # pip byte-compiles an installed package; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 would recompile every module on every start.
    import compileall

    compileall.compile_dir(str(HERE.parent / "wizard"), quiet=1)
    failed = False
    for name, (candidate, baseline) in paints.items():
        cand, base = (side.wall for side in compare(candidate, baseline, args.runs))
        ratio = cand / base
        budget = RATIO_BUDGETS[name]
        failed |= ratio > budget
        print(f"{name:<12} wizard {cand * 1000:7.1f} ms   baseline {base * 1000:7.1f} ms   "
              f"ratio {ratio:5.2f}  (budget {budget}×)  {_verdict(ratio <= budget)}")
    roomcal_help, python = compare([roomcal, "--help"], [py, "-c", "pass"], args.runs)
    failed |= roomcal_help.wall > HELP_BUDGET
    print(f"{'--help':<12} roomcal {roomcal_help.wall * 1000:6.1f} ms (CPU "
          f"{roomcal_help.cpu * 1000:.1f} ms)   python -c pass {python.wall * 1000:.1f} ms (CPU "
          f"{python.cpu * 1000:.1f} ms)   (budget {HELP_BUDGET * 1000:.0f} ms)  "
          f"{_verdict(roomcal_help.wall <= HELP_BUDGET)}")
    return 1 if failed else 0


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER BUDGET"


if __name__ == "__main__":
    raise SystemExit(main())
