"""The relay's pacing and sealing, as functions (the server tests drive them over HTTP)."""

from __future__ import annotations

import asyncio
import time

import pytest

pytest.importorskip("aiohttp")

from wizard.relay.cronofy import Pace, retry_after
from wizard.relay.crypto import Sealer, SealError

KEY = "0123456789abcdef0123456789abcdef-relay"


async def test_the_pace_keeps_both_limits_and_wastes_no_time() -> None:
    """Cronofy's limits on a faster clock: 100 a "minute" of 0.5 s, 40 a "second" of 0.1 s."""
    pace = Pace(per_minute=100, per_second=40, minute=0.5, second=0.1)
    sent = []
    start = time.monotonic()
    for _ in range(250):
        # The instant the pace gave, not the one this task resumed at: on a busy machine
        # resumptions bunch (the relay keeps 46 a second for that, under Cronofy's 50).
        sent.append(await pace.take())
    for i, stamp in enumerate(sent):
        assert sum(stamp - 0.5 < s <= stamp for s in sent[: i + 1]) <= 100
        assert sum(stamp - 0.1 < s <= stamp for s in sent[: i + 1]) <= 40
    # The limit allows 250 in two full "minutes" and a bit (the last 50 need 0.1 s more).
    allowed = 2 * 0.5 + 0.1
    assert time.monotonic() - start <= 1.2 * allowed + 0.05


async def test_a_429_holds_the_bucket_for_its_retry_after() -> None:
    pace = Pace(per_minute=500)
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
