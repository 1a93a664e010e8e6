"""One rule for waiting when a server says "not now": HTTP 429 and Exchange's ErrorServerBusy.

Servers say how long to wait — ``Retry-After`` as delta-seconds *or* an HTTP-date
(RFC 9110 §10.2.3), EWS as BackOffMilliseconds — but that is advice from the
network, not an order: a missing, negative or garbled value means a short
default wait, an absurd one is capped, and one call never waits longer than
``MAX_TOTAL_WAIT`` in all, so a throttled check ends in a sentence instead of a
hang. Every wait ends at once when the caller's cancel event is set.

Standard library only: the CLI, the TUI and every HTTP client share it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

from wizard.core.limiter import server_busy

DEFAULT_WAIT = 1.0  # seconds, when the server names no usable wait
MAX_WAIT = 10.0  # per wait: a server asking for an hour gets ten seconds
MAX_TOTAL_WAIT = 30.0  # per call (paging included), all its waits together
MAX_RETRIES = 3  # per call, after the first try

# RFC 9110: delta-seconds = 1*DIGIT. A fraction is tolerated (some proxies send one);
# "NaN", "inf", "1e3" and "-5" are not numbers of seconds, whatever float() thinks.
DELTA_SECONDS = re.compile(r"\d+(\.\d+)?")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (never negative), or None if it is unusable.

    ``now`` is the epoch time an HTTP-date counts from (default: this machine's clock).
    """
    if value is None:
        return None
    text = value.strip()
    if DELTA_SECONDS.fullmatch(text):
        return float(text)  # may be huge: capping is the policy's job, not the parser's
    timestamp = _http_date(text)
    if timestamp is None:
        return None
    return max(0.0, timestamp - (time.time() if now is None else now))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds an HTTP answer's ``Retry-After`` asks for, or None.

    An HTTP-date counts from the answer's own ``Date`` when it has one: a server
    whose clock is off by minutes still means "in five seconds", not "in twenty
    minutes" (or "already past").
    """
    server_now = _http_date(_header(headers, "date") or "")
    return parse_retry_after(_header(headers, "retry-after"), now=server_now)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)  # case-insensitive for httpx/requests headers
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def _http_date(text: str) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


class Backoff:
    """The waiting budget of one call: how often, and how long in all, it may still wait."""

    def __init__(
        self,
        cancel: threading.Event | None = None,
        *,
        sleep: Callable[[float], bool] | None = None,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT,
        max_total: float = MAX_TOTAL_WAIT,
    ) -> None:
        self.cancel = cancel if cancel is not None else threading.Event()
        # sleep(seconds) -> True when interrupted; Event.wait is exactly that.
        self._sleep = sleep if sleep is not None else self.cancel.wait
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.max_total = max_total
        self.retries = 0
        self.waited = 0.0
        self._spent = False

    @property
    def attempts(self) -> int:
        """Tries made so far, if the caller tried once more after each wait."""
        return self.retries + 1

    def wait(self, requested: float | None) -> bool:
        """Wait before the next try; False means give up (budget spent or cancelled).

        Every call is a "not now" from the server: inside a fan-out's slot it also
        halves how many requests go to that server at once (wizard.core.limiter)."""
        server_busy()
        if self._spent or self.retries >= self.max_retries or self.cancel.is_set():
            return False
        if requested is None or not requested >= 0:  # "not >=": NaN is unusable too
            seconds = DEFAULT_WAIT
        else:
            seconds = min(requested, self.max_wait)
        if self.waited + seconds > self.max_total:
            self._spent = True  # waiting less than asked would only earn another "not now"
            return False
        self.retries += 1
        self.waited += seconds
        return not self._sleep(seconds) and not self.cancel.is_set()


class Answer(Protocol):
    status_code: int
    headers: Any


A = TypeVar("A", bound=Answer)


def send_retrying(send: Callable[[], A], backoff: Backoff) -> A:
    """``send()`` until the answer is not HTTP 429 or the budget is spent; the last answer.

    The caller turns a final 429 into its own sentence ("kept throttling …").
    """
    while True:
        answer = send()
        if answer.status_code != 429 or not backoff.wait(retry_after(answer.headers)):
            return answer
