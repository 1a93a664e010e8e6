"""The relay's pacing and sealing, as functions (the server tests drive them over HTTP)."""

from __future__ import annotations

import asyncio
import time

import pytest

pytest.importorskip("aiohttp")

from wizard.relay.cronofy import Pace, retry_after
from wizard.relay.crypto import Sealer, SealError

KEY = "0123456789abcdef0123456789abcdef-relay"


async def test_the_bucket_allows_a_burst_then_the_even_rate() -> None:
    pace = Pace(per_minute=1200)  # burst 50, then (1200 - 50) / 60 ≈ 19 a second
    start = time.monotonic()
    for _ in range(50):
        await pace.take()
    assert time.monotonic() - start < 0.2
    for _ in range(10):
        await pace.take()
    assert time.monotonic() - start >= 10 / pace.rate * 0.9
    # Never more than the limit in a minute: the burst plus a minute at the even rate.
    assert pace.capacity + pace.rate * 60 <= 1200


async def test_a_429_holds_the_bucket_for_its_retry_after() -> None:
    pace = Pace(per_minute=6000)
    pace.hold(retry_after("0.3"))
    start = time.monotonic()
    await asyncio.wait_for(pace.take(), 5)
    assert time.monotonic() - start >= 0.29


@pytest.mark.parametrize(("header", "seconds"), [
    ("2", 2.0), (None, 1.0), ("soon", 1.0), ("NaN", 1.0), ("-5", 0.0), ("99999", 120.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_is_seconds_or_a_date_and_capped(header: str | None, seconds: float) -> None:
    assert retry_after(header) == seconds


def test_a_sealed_token_opens_only_in_its_own_row_and_with_its_key() -> None:
    sealed = Sealer(KEY).seal({"access_token": "sbx-at-secret"}, "link:lnk_a")
    assert "sbx-at" not in sealed
    assert Sealer(KEY).open(sealed, "link:lnk_a") == {"access_token": "sbx-at-secret"}
    for key, context in ((KEY, "link:lnk_b"), (KEY + "x", "link:lnk_a")):
        with pytest.raises(SealError):
            Sealer(key).open(sealed, context)
    with pytest.raises(SealError):
        Sealer(KEY).open(sealed[:-4] + "AAAA", "link:lnk_a")
