"""The relay's calls to Cronofy, paced under each application's rate limit.

One pace per data centre's application (``Pace``: at most the limit in any minute and
50 in any second). A 429 stops the whole application for its ``Retry-After`` (seconds
or an HTTP-date, capped) and the call is tried again; so are 5xx answers, a few times.
"""

from __future__ import annotations

import asyncio
import collections
import email.utils
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from wizard.core import tls
from wizard.relay.config import Application

log = logging.getLogger("roomcal.relay")

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
ATTEMPTS = 5
MAX_WAIT = 120.0


SENT_PER_SECOND = 46


class Pace:
    """The requests one application may still send: ``take()`` waits for the next.

    A sliding log of the last minute's requests, so that no window of ``minute`` seconds
    holds more than ``per_minute`` and none of ``second`` holds more than ``per_second``
    (Cronofy: 500 a minute, 50 a second, per application). The minute is a second
    longer than Cronofy's, for requests that arrive later than they left. 5 000 rooms
    then take the nine minutes the limit allows, not more.
    """

    def __init__(self, per_minute: int, per_second: int = 50, *, minute: float = 61.0,
                 second: float = 1.0) -> None:
        self.per_minute = per_minute
        self.per_second = max(1, min(per_second, per_minute))
        self.minute = minute
        self.second = second
        self.sent: collections.deque[float] = collections.deque()
        self.blocked_until = 0.0
        self._lock = asyncio.Lock()

    async def take(self) -> float:
        """Wait for the next request's turn; the instant it was given, as the log holds it
        (the caller runs a little later, later still on a busy machine)."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self.sent and self.sent[0] <= now - self.minute:
                    self.sent.popleft()
                wait = self.blocked_until - now
                if len(self.sent) >= self.per_minute:
                    wait = max(wait, self.sent[0] + self.minute - now)
                if len(self.sent) >= self.per_second:
                    # The per_second-th latest request must be a second old.
                    wait = max(wait, self.sent[-self.per_second] + self.second - now)
                if wait <= 0:
                    self.sent.append(now)
                    return now
                await asyncio.sleep(wait)

    def hold(self, seconds: float) -> None:
        """Cronofy said 429: nothing more from this application for ``seconds``."""
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


def retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds to wait from a Retry-After header: seconds or an HTTP-date, capped."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return default
    return min(max(seconds, 0.0), MAX_WAIT)


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class CronofyUnreachable(Exception):
    """Cronofy did not answer (after the retries): a network error or repeated 5xx/429."""


class Cronofy:
    """Cronofy's hosts for each data centre, and one bucket per application."""

    def __init__(self, applications: dict[str, Application],
                 hosts: dict[str, tuple[str, str]], *, ca_bundle: str = "") -> None:
        self.applications = applications
        self.hosts = hosts  # region -> (app URL, API URL)
        # 46 a second, not Cronofy's 50: requests sent evenly arrive bunched (the network,
        # a busy host), and Cronofy counts arrivals (benchmarks/relay.py measures them).
        self.paces = {region: Pace(app.per_minute, per_second=SENT_PER_SECOND)
                      for region, app in applications.items()}
        # ca_bundle: the CA that signed Cronofy's certificate when it is not the system's
        # (the demo's sandbox); the server reads SSL_CERT_FILE as httpx does.
        self.http = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                      verify=tls.context(ca_bundle))

    async def close(self) -> None:
        await self.http.aclose()

    def authorize_url(self, region: str) -> str:
        return f"{self.hosts[region][0]}/enterprise_connect/oauth/authorize"

    async def call(self, region: str, method: str, path: str, *, token: str = "",
                   json: Any = None, params: dict[str, str] | None = None) -> Answer:
        url = f"{self.hosts[region][1]}{path}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        pace = self.paces[region]
        for attempt in range(1, ATTEMPTS + 1):
            await pace.take()
            try:
                response = await self.http.request(method, url, json=json, params=params,
                                                   headers=headers)
            except httpx.HTTPError as exc:
                log.warning("cronofy.unreachable", extra={"fields": {
                    "region": region, "path": path, "error": type(exc).__name__}})
                if attempt == ATTEMPTS:
                    raise CronofyUnreachable(type(exc).__name__) from None
                await asyncio.sleep(min(2 ** attempt * 0.25, 5))
                continue
            if response.status_code == 429:
                wait = retry_after(response.headers.get("retry-after"))
                log.info("cronofy.rate_limited", extra={"fields": {
                    "region": region, "path": path, "wait": wait}})
                pace.hold(wait)
                if attempt == ATTEMPTS:
                    raise CronofyUnreachable("429")
                continue
            if response.status_code >= 500 and attempt < ATTEMPTS:
                await asyncio.sleep(min(2 ** attempt * 0.25, 5))
                continue
            try:
                body = response.json() if response.content else {}
            except ValueError:
                body = {}
            return Answer(response.status_code, body)
        raise CronofyUnreachable("retries")  # pragma: no cover - the loop returns or raises

    async def token(self, region: str, **grant: str) -> Answer:
        app = self.applications[region]
        return await self.call(region, "POST", "/oauth/token", json={
            "client_id": app.client_id, "client_secret": app.client_secret, **grant})
