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
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
RATIO_BUDGETS = {"first paint": 1.15, "demo paint": 1.15}  # × the minimal Textual app
HELP_BUDGET = 0.100  # seconds, median


def _time(command: Sequence[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def compare(candidate: Sequence[str], baseline: Sequence[str], runs: int) -> tuple[float, float]:
    _time(candidate), _time(baseline)  # warm the file cache for both
    cand, base = [], []
    for _ in range(runs):
        cand.append(_time(candidate))
        base.append(_time(baseline))
    return statistics.median(cand), statistics.median(base)


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
        cand, base = compare(candidate, baseline, args.runs)
        ratio = cand / base
        budget = RATIO_BUDGETS[name]
        failed |= ratio > budget
        print(f"{name:<12} wizard {cand * 1000:7.1f} ms   baseline {base * 1000:7.1f} ms   "
              f"ratio {ratio:5.2f}  (budget {budget}×)  {_verdict(ratio <= budget)}")
    help_time, python_time = compare([roomcal, "--help"], [py, "-c", "pass"], args.runs)
    failed |= help_time > HELP_BUDGET
    print(f"{'--help':<12} roomcal {help_time * 1000:6.1f} ms   python -c pass "
          f"{python_time * 1000:5.1f} ms   (budget {HELP_BUDGET * 1000:.0f} ms)  "
          f"{_verdict(help_time <= HELP_BUDGET)}")
    return 1 if failed else 0


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER BUDGET"


if __name__ == "__main__":
    raise SystemExit(main())
