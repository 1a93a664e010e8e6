"""Per-room functions for tests/test_fanout.py, importable by the worker process."""

from __future__ import annotations

import time

from wizard.core.model import CheckContext, Status, SubResult


def echo(ctx: CheckContext, item: tuple[str, ...]) -> SubResult:
    return SubResult(item[0], Status.PASS, "", item[1])


def explode(ctx: CheckContext, item: tuple[str, ...]) -> SubResult:
    raise ValueError(f"server said: {ctx.secrets['password']}")


def slow(ctx: CheckContext, item: tuple[str, ...]) -> SubResult:
    time.sleep(0.05)
    return echo(ctx, item)


def explode_first(ctx: CheckContext, item: tuple[str, ...]) -> SubResult:
    if item[0] == "0":
        raise ValueError("the first room")
    return slow(ctx, item)
