"""A bare asyncio loop ticking every 5 ms, run beside the wizard as a baseline (a script).

    python benchmarks/control_loop.py    # then on stdin: "reset", "stop"

On a shared machine part of any stall is the operating system giving the core
to someone else; this loop does nothing else, so its longest stall in the same
window is that part. ``stop`` prints the longest stall since the last ``reset``
(ms) and exits.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

TICK = 0.005


async def main() -> None:
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:  # a blocked reader thread holds no GIL
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, "stop")

    threading.Thread(target=read, daemon=True).start()
    longest = 0.0
    last = time.perf_counter()
    while True:
        try:
            command = await asyncio.wait_for(commands.get(), TICK)
        except TimeoutError:
            now = time.perf_counter()
            longest = max(longest, now - last - TICK)
            last = now
            continue
        if command == "reset":
            longest, last = 0.0, time.perf_counter()
        elif command == "stop":
            print(f"{longest * 1000:.1f}", flush=True)
            return


if __name__ == "__main__":
    asyncio.run(main())
