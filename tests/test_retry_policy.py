"""The one back-off rule: Retry-After parsing and the per-call waiting budget."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate

import pytest

from wizard.core.retry import (
    DEFAULT_WAIT,
    MAX_RETRIES,
    MAX_TOTAL_WAIT,
    MAX_WAIT,
    Backoff,
    parse_retry_after,
    retry_after,
)

NOW = 1_800_000_000.0  # a fixed "now" (2027-01-15) so dates are exact


@pytest.mark.parametrize(("value", "seconds"), [
    ("0", 0.0),
    ("7", 7.0),
    (" 120 ", 120.0),
    ("1.5", 1.5),  # not RFC 9110, but harmless and sent by some proxies
    ("9" * 30, 1e30),  # absurd, yet a number: the policy caps it
    (formatdate(NOW + 42, usegmt=True), 42.0),  # HTTP-date in the future
    (formatdate(NOW - 3600, usegmt=True), 0.0),  # in the past: no waiting, never negative
    ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),  # RFC 850 date, long past
])
def test_parse_seconds_and_dates(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "NaN", "inf", "1e3", "0x10",
                                   "Thu, 99 Foo 2026 99:99:99 GMT", "Mon, 01 Jan 10000 00:00:00"])
def test_garbage_and_negative_values_are_unusable(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_a_date_counts_from_the_servers_clock_when_it_says_what_time_it_is() -> None:
    # A server 20 minutes ahead asks for "its now + 5 s": that is 5 s, not 20 minutes.
    server_now = NOW + 1200
    headers = {"Retry-After": formatdate(server_now + 5, usegmt=True),
               "Date": formatdate(server_now, usegmt=True)}
    assert retry_after(headers) == pytest.approx(5.0)
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({}) is None


class Clock:
    """Records the waits instead of sleeping; a cancel event as the interruption."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return False  # not cancelled


def test_each_wait_is_capped_and_garbage_waits_the_default() -> None:
    clock = Clock()
    backoff = Backoff(sleep=clock)
    assert backoff.wait(1e30) and backoff.wait(None) and backoff.wait(-3.0)
    assert clock.waits == [MAX_WAIT, DEFAULT_WAIT, DEFAULT_WAIT]


def test_retries_are_bounded() -> None:
    clock = Clock()
    backoff = Backoff(sleep=clock)
    assert [backoff.wait(0.5) for _ in range(MAX_RETRIES + 2)] == \
        [True] * MAX_RETRIES + [False, False]
    assert backoff.attempts == MAX_RETRIES + 1


def test_total_waiting_time_is_bounded() -> None:
    clock = Clock()
    backoff = Backoff(sleep=clock, max_retries=100)
    while backoff.wait(1e9):
        pass
    assert sum(clock.waits) <= MAX_TOTAL_WAIT
    assert backoff.waited == sum(clock.waits)
    assert not backoff.wait(0.0)  # the budget is spent: no more tries at all


def test_cancel_stops_a_wait_at_once() -> None:
    cancel = threading.Event()
    backoff = Backoff(cancel)
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    assert backoff.wait(MAX_WAIT) is False  # give up: the caller was cancelled
    assert time.monotonic() - started < 2.0
    assert backoff.wait(1.0) is False  # and never waits again


def test_send_retrying_stops_at_the_first_answer_that_is_not_429() -> None:
    from wizard.core.retry import send_retrying

    class Answer:
        def __init__(self, status: int) -> None:
            self.status_code = status
            self.headers = {"retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"}  # long past: 0 s

    answers = iter([Answer(429), Answer(429), Answer(200)])
    clock = Clock()
    assert send_retrying(lambda: next(answers), Backoff(sleep=clock)).status_code == 200
    assert clock.waits == [0.0, 0.0]
    always = send_retrying(lambda: Answer(429), Backoff(sleep=clock))
    assert always.status_code == 429  # the caller turns the last 429 into its sentence
