"""The relay's HTTP service (aiohttp): the organisations' API, Cronofy's redirect and
callbacks, and the worker that authorizes and proves rooms.

A link: ``POST /v1/links`` → the admin opens ``authorize_url`` → Cronofy redirects the
browser to ``/ec/redirect`` → the relay exchanges the code → ``linked``. Rooms:
``POST /v1/links/{id}/rooms`` → queued → one paced authorization request each → Cronofy
posts the code to ``/ec/callback`` → the relay exchanges it and proves the room
(profile connected, calendar listed, events readable). Everything is in the database
before it is acted on, so a restarted relay carries on where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from wizard.core.i18n import _
from wizard.relay.cronofy import Answer, Cronofy, CronofyUnreachable
from wizard.relay.crypto import Sealer, SealError, digest, new_secret, same
from wizard.relay.store import Row, Store

log = logging.getLogger("roomcal.relay")

SCOPE = "service_account/accounts/manage service_account/resources/manage"
PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
MAX_BODY = 256 * 1024
MAX_ROOMS = 20_000
WORKERS = 8  # concurrent room jobs; the pace sets the real rate
HEARTBEAT = 5.0  # seconds between an instance's signs of life
INSTANCE_TIMEOUT = 30.0  # an instance silent this long has stopped: its claims go back
# What the authorize redirect's error means for the link (anything else: authorize_failed).
REDIRECT_ERRORS = {"access_denied": "consent_refused",
                   "unauthorized_client": "unknown_application",
                   "invalid_request": "invalid_request"}


@dataclass
class Options:
    public_url: str
    link_ttl: float = 15 * 60  # an admin has this long to sign in
    callback_timeout: float = 10 * 60  # Cronofy has this long to post a room's callback
    poll_interval: float = 0.5


class Relay:
    def __init__(self, store: Store, sealer: Sealer, cronofy: Cronofy, options: Options) -> None:
        self.store = store
        self.sealer = sealer
        self.cronofy = cronofy
        self.options = options
        self.redirect_uri = f"{options.public_url}/ec/redirect"
        self.callback_url = f"{options.public_url}/ec/callback"
        self.wake = asyncio.Event()
        self._refresh_locks: dict[str, asyncio.Lock] = {}
        self._jobs: set[asyncio.Task[None]] = set()
        self._limit = asyncio.Semaphore(WORKERS)
        self.instance = "ins_" + secrets.token_urlsafe(9)  # whose claims are whose
        self._last_beat = 0.0

    async def db(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    # -- organisations' API ----------------------------------------------------------
    async def start_link(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        region = str(body.get("region", ""))
        provider = str(body.get("provider", ""))
        if region not in self.cronofy.applications:
            return _problem(422, "unknown_region", f"this relay serves: "
                            f"{', '.join(sorted(self.cronofy.applications))}")
        if not PROVIDER.match(provider):
            return _problem(422, "invalid_provider", "provider: e.g. exchange, google")
        link_id = "lnk_" + secrets.token_urlsafe(12)
        secret = new_secret()
        now = time.time()
        await self.db(self.store.add_link, {
            "id": link_id, "org": request[ORG], "region": region, "provider": provider,
            "state_hash": digest(secret), "status": "pending", "created": now,
            "expires": now + self.options.link_ttl})
        app = self.cronofy.applications[region]
        query = urlencode({"response_type": "code", "client_id": app.client_id,
                           "redirect_uri": self.redirect_uri, "scope": SCOPE,
                           "delegated_scope": "read_write", "provider_name": provider,
                           "state": f"{link_id}.{secret}"})
        log.info("link.started", extra={"fields": {"org": request[ORG], "link": link_id,
                                                   "region": region, "provider": provider}})
        link = await self.db(self.store.link, link_id)
        return web.json_response({**_link_view(link),
                                  "authorize_url": f"{self.cronofy.authorize_url(region)}?"
                                                   f"{query}"}, status=201)

    async def regions(self, _request: web.Request) -> web.Response:
        return web.json_response({"regions": sorted(self.cronofy.applications)})

    async def _own_link(self, request: web.Request) -> Row | None:
        link = await self.db(self.store.link, request.match_info["link_id"])
        # Another organisation's link does not exist, as far as this one can tell.
        if link is None or not secrets.compare_digest(link["org"], request[ORG]):
            return None
        if link["status"] in ("pending", "exchanging") and link["expires"] < time.time():
            # An exchange still running then is one a stopped instance left: its code
            # died with it (codes are single-use and never stored).
            await self.db(self.store.update_link, link["id"], when_status=link["status"],
                          status="expired", code="link_expired")
            link = await self.db(self.store.link, link["id"])
        return dict(link) if link else None

    async def get_link(self, request: web.Request) -> web.Response:
        link = await self._own_link(request)
        if link is None:
            return _problem(404, "no_such_link", "")
        view = _link_view(link)
        if link["status"] == "linked" and link["tokens"]:
            # Cronofy's id of the service account (ser_…): support asks for it. Kept
            # sealed with the tokens, so the database holds no identifier in clear.
            with contextlib.suppress(SealError):
                view["service_account_id"] = str(self.sealer.open(
                    link["tokens"], f"link:{link['id']}").get("service_account_id", ""))
        return web.json_response(view)

    async def authorize_rooms(self, request: web.Request) -> web.Response:
        link = await self._own_link(request)
        if link is None:
            return _problem(404, "no_such_link", "")
        if link["status"] != "linked":
            return _problem(409, "not_linked", f"the link is {link['status']}")
        body = await _json_body(request)
        wanted = body.get("rooms", "all")
        if wanted != "all" and not (isinstance(wanted, list) and len(wanted) <= MAX_ROOMS
                                    and all(isinstance(e, str) and EMAIL.match(e)
                                            for e in wanted)):
            return _problem(422, "invalid_rooms", "rooms: \"all\" or a list of e-mail addresses")
        try:
            answer = await self.service_call(link, "GET", "/v1/resources")
        except CronofyUnreachable:
            return _problem(502, "cronofy_unreachable", "")
        resources = answer.body.get("resources") if isinstance(answer.body, dict) else None
        if not answer.ok or not isinstance(resources, list):
            return _problem(502, "resources_unreadable", f"Cronofy answered {answer.status}")
        listed = {str(r.get("email", "")).lower() for r in resources if isinstance(r, dict)}
        emails = sorted(listed) if wanted == "all" else sorted({e.lower() for e in wanted})
        rooms = [{"id": "rm_" + secrets.token_urlsafe(12), "link_id": link["id"], "email": email,
                  **({"phase": "queued", "status": "pending"} if email in listed else
                     {"phase": "done", "status": "fail", "code": "not_listed",
                      "detail": "Cronofy does not list this room in /v1/resources"})}
                 for email in emails if email]
        added = await self.db(self.store.add_rooms, rooms)
        log.info("rooms.requested", extra={"fields": {"org": request[ORG], "link": link["id"],
                                                      "rooms": len(emails), "added": added}})
        self.wake.set()
        return web.json_response({"rooms": [_room_view(r) for r in
                                            await self.db(self.store.rooms, link["id"])]},
                                 status=202)

    async def resources(self, request: web.Request) -> web.Response:
        """The rooms Cronofy lists for the link (what the wizard compares with step 1)."""
        link = await self._own_link(request)
        if link is None:
            return _problem(404, "no_such_link", "")
        if link["status"] != "linked":
            return _problem(409, "not_linked", f"the link is {link['status']}")
        try:
            answer = await self.service_call(link, "GET", "/v1/resources")
        except CronofyUnreachable:
            return _problem(502, "cronofy_unreachable", "")
        listed = _list(answer, "resources")
        if listed is None:
            return web.json_response({"error": "resources_unreadable",
                                      "detail": f"Cronofy answered {answer.status}",
                                      "cronofy_status": answer.status}, status=502)
        return web.json_response({"resources": [
            {"email": str(r.get("email", "")), "name": str(r.get("name", ""))}
            for r in listed if r.get("email")]})

    async def end_link(self, request: web.Request) -> web.Response:
        """The organisation disconnects: the link's and its rooms' tokens are revoked at
        Cronofy and forgotten here; the link answers ``revoked`` from then on."""
        link = await self._own_link(request)
        if link is None:
            return _problem(404, "no_such_link", "")
        tokens: list[str] = []
        with contextlib.suppress(SealError, KeyError, TypeError):
            if link["tokens"]:
                tokens.append(str(self.sealer.open(link["tokens"], f"link:{link['id']}")
                                  .get("refresh_token", "")))
        rooms = await self.db(self.store.rooms, link["id"])
        for room in rooms:
            with contextlib.suppress(SealError, KeyError, TypeError):
                if room["sealed"]:
                    tokens.append(str(self.sealer.open(room["sealed"], f"room:{room['id']}")
                                      .get("refresh_token", "")))
        app = self.cronofy.applications[link["region"]]
        for token in filter(None, tokens):
            with contextlib.suppress(CronofyUnreachable):
                await self.cronofy.call(link["region"], "POST", "/oauth/token/revoke", json={
                    "client_id": app.client_id, "client_secret": app.client_secret,
                    "token": token})
        await self.db(self.store.update_link, link["id"], status="revoked", code="revoked",
                      tokens="", state_hash="")
        for room in rooms:
            await self.db(self.store.update_room, room["id"], sealed="", state_hash="",
                          **({"phase": "done", "status": "fail", "code": "not_linked",
                              "detail": "the link was revoked"}
                             if room["status"] == "pending" else {}))
        log.info("link.revoked", extra={"fields": {"org": request[ORG], "link": link["id"],
                                                   "tokens": len([t for t in tokens if t])}})
        return web.json_response(_link_view(await self.db(self.store.link, link["id"])))

    async def room_proofs(self, request: web.Request) -> web.Response:
        link = await self._own_link(request)
        if link is None:
            return _problem(404, "no_such_link", "")
        deadline = time.time() - self.options.callback_timeout
        for room in await self.db(self.store.rooms, link["id"]):
            if room["phase"] == "requested" and room["updated"] < deadline:
                await self.db(self.store.update_room, room["id"], when_phase="requested",
                              phase="done", status="fail", code="no_callback",
                              detail="Cronofy sent no authorization callback", state_hash="")
        rooms = [_room_view(r) for r in await self.db(self.store.rooms, link["id"])]
        summary = {status: sum(r["status"] == status for r in rooms)
                   for status in ("pass", "fail", "pending")}
        return web.json_response({"link": link["id"], "summary": summary, "rooms": rooms})

    # -- Cronofy's side --------------------------------------------------------------
    async def redirect(self, request: web.Request) -> web.Response:
        link_id, _dot, secret = request.query.get("state", "").partition(".")
        link = await self.db(self.store.link, link_id) if link_id else None
        if link is None or not secret or not same(secret, link["state_hash"]):
            log.warning("redirect.refused", extra={"fields": {"reason": "state"}})
            return _page(400, _("This sign-in link is not valid. Start the link again in "
                                "roomcal."))
        if link["status"] != "pending" or link["expires"] < time.time():
            log.warning("redirect.refused", extra={"fields": {"link": link_id,
                                                              "reason": link["status"]}})
            return _page(400, _("This sign-in link was already used or has expired. Start "
                                "the link again in roomcal."))
        error = request.query.get("error", "")
        code = request.query.get("code", "")
        if error or not code:
            reason = REDIRECT_ERRORS.get(error, "authorize_failed")
            # The calendar service's reason as Cronofy passes it on: text, never a secret.
            said = "".join(c for c in request.query.get("error_description", "")
                           if c.isprintable())[:300]
            if await self.db(self.store.update_link, link_id, when_status="pending",
                             status="refused", code=reason, detail=said, state_hash=""):
                log.info("link.refused", extra={"fields": {"link": link_id, "code": reason}})
            return _page(200, _("Cronofy did not connect the calendar service. roomcal shows "
                                "why; you can close this page."))
        if not await self.db(self.store.update_link, link_id, when_status="pending",
                             status="exchanging", state_hash=""):
            return _page(400, _("This sign-in link was already used or has expired. Start "
                                "the link again in roomcal."))
        status, reason = await self._finish_link(link, code)
        if status != "linked":
            return _page(200, _("Cronofy did not connect the calendar service. roomcal shows "
                                "why; you can close this page."))
        return _page(200, _("The calendar service is connected. Return to roomcal; you can "
                            "close this page."))

    async def _finish_link(self, link: Row, code: str) -> tuple[str, str]:
        link_id, region = link["id"], link["region"]
        try:
            answer = await self.cronofy.token(region, grant_type="authorization_code", code=code,
                                              redirect_uri=self.redirect_uri)
            tokens = _tokens(answer)
            if tokens is None:
                return await self._link_failed(link_id, "code_exchange_failed", answer.status)
            info = await self.cronofy.call(region, "GET", "/v1/userinfo",
                                           token=tokens["access_token"])
            if info.status == 401 and (fresh := _tokens(await self.cronofy.token(
                    region, grant_type="refresh_token",
                    refresh_token=tokens["refresh_token"]))) is not None:
                tokens = fresh
                info = await self.cronofy.call(region, "GET", "/v1/userinfo",
                                               token=tokens["access_token"])
        except CronofyUnreachable:
            return await self._link_failed(link_id, "cronofy_unreachable", 0)
        body = info.body if isinstance(info.body, dict) else {}
        account = str(body.get("email", ""))[:320]
        # Cronofy's id of the service account (ser_…), sealed with the tokens.
        tokens["service_account_id"] = str(body.get("sub") or
                                           tokens.get("service_account_id", ""))[:64]
        await self.db(self.store.update_link, link_id, status="linked", code="",
                      account=account,
                      tokens=self.sealer.seal(tokens, f"link:{link_id}"))
        log.info("link.linked", extra={"fields": {"org": link["org"], "link": link_id,
                                                  "region": region}})
        return "linked", ""

    async def _link_failed(self, link_id: str, code: str, status: int) -> tuple[str, str]:
        await self.db(self.store.update_link, link_id, status="refused", code=code)
        log.warning("link.refused", extra={"fields": {"link": link_id, "code": code,
                                                      "cronofy_status": status}})
        return "refused", code

    async def callback(self, request: web.Request) -> web.Response:
        """A room's authorization result. Anything forged, stale or repeated changes nothing
        (and gets the same answer, so probing learns nothing)."""
        try:
            body = await request.json() if request.content_length != 0 else {}
        except ValueError:
            body = {}
        result = body.get("authorization") if isinstance(body, dict) else None
        result = result if isinstance(result, dict) else {}
        room_id, _dot, secret = str(result.get("state", "")).partition(".")
        room = await self.db(self.store.room, room_id) if room_id else None
        # "requesting" too: the state is stored before the request is sent, and a busy
        # Cronofy may call back before its 202 has reached us.
        if room is None or not secret or room["phase"] not in WAITING or \
                not same(secret, room["state_hash"]):
            log.warning("callback.refused", extra={"fields": {"reason": "state"}})
            return web.json_response({})
        if result.get("error") or not result.get("code"):
            if await self._answered(room, phase="done", status="fail",
                                    code="authorization_refused",
                                    detail=f"Cronofy: {str(result.get('error', 'no code'))[:80]}",
                                    state_hash=""):
                log.info("room.refused", extra={"fields": {"room": room["email"],
                                                           "link": room["link_id"]}})
            return web.json_response({})
        sealed = self.sealer.seal({"code": str(result["code"])}, f"room:{room_id}")
        if await self._answered(room, phase="callback", sealed=sealed, state_hash=""):
            log.info("room.callback", extra={"fields": {"room": room["email"],
                                                        "link": room["link_id"]}})
            self.wake.set()
        return web.json_response({})

    async def _answered(self, room: Row, **values: str) -> bool:
        """The room's callback, taken once: only while the room still waits for it (a
        repeated or concurrent callback then changes nothing; the request's own answer,
        'requesting' → 'requested', may land in between and must not lose it)."""
        return bool(await self.db(self.store.update_room, room["id"], when_phase=WAITING,
                                  **values))

    async def health(self, _request: web.Request) -> web.Response:
        try:
            ok = await self.db(self.store.ping)
        except Exception:  # the database is gone: say so, do not crash the probe
            ok = False
        return web.json_response({"status": "ok" if ok else "database_unavailable"},
                                 status=200 if ok else 503)

    # -- tokens ------------------------------------------------------------------------
    async def service_call(self, link: Row, method: str, path: str,
                           **kwargs: Any) -> Answer:
        """A call with the link's service-account token: refreshed when it is about to
        expire, and once more on a 401."""
        token = await self._service_token(link)
        answer = await self.cronofy.call(link["region"], method, path, token=token, **kwargs)
        if answer.status != 401:
            return answer
        fresh = await self._service_token(link, rejected=token)
        if fresh == token:
            return answer
        return await self.cronofy.call(link["region"], method, path, token=fresh, **kwargs)

    async def _service_token(self, link: Row, rejected: str = "") -> str:
        """The link's current access token, refreshed (once, for every caller waiting) when
        it expires within a minute or is the one Cronofy just rejected."""
        context = f"link:{link['id']}"
        async with self._refresh_locks.setdefault(link["id"], asyncio.Lock()):
            current = await self.db(self.store.link, link["id"])
            tokens = self.sealer.open(current["tokens"], context)
            stale = tokens["access_token"] == rejected or \
                float(tokens.get("expires_at", 0)) < time.time() + 60
            if stale and tokens.get("refresh_token"):
                refreshed = _tokens(await self.cronofy.token(
                    link["region"], grant_type="refresh_token",
                    refresh_token=tokens["refresh_token"]))
                if refreshed is not None:
                    refreshed["refresh_token"] = refreshed["refresh_token"] or \
                        tokens["refresh_token"]
                    refreshed["service_account_id"] = refreshed["service_account_id"] or \
                        tokens.get("service_account_id", "")
                    tokens = refreshed
                    await self.db(self.store.update_link, link["id"],
                                  tokens=self.sealer.seal(tokens, context))
                    log.info("link.refreshed", extra={"fields": {"link": link["id"]}})
            return str(tokens["access_token"])

    # -- the worker --------------------------------------------------------------------
    async def resume(self) -> None:
        """Rooms that a stopped instance had claimed go back to the queue: at once for
        one that stopped gracefully (it signed off), after INSTANCE_TIMEOUT for one that
        crashed. Instances that still run keep theirs (several share PostgreSQL)."""
        await self.db(self.store.heartbeat, self.instance)
        reclaimed = await self.db(self.store.reclaim, time.time() - INSTANCE_TIMEOUT)
        if reclaimed:
            log.info("rooms.reclaimed", extra={"fields": {"rooms": reclaimed}})
            self.wake.set()
        self._last_beat = time.monotonic()

    async def sign_off(self) -> None:
        await self.db(self.store.forget_instance, self.instance)

    async def work(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.options.poll_interval)
            self.wake.clear()
            try:
                if time.monotonic() - self._last_beat > HEARTBEAT:
                    await self.resume()
                await self._one_round()
            except Exception:  # a bug or a lost database: log it, keep serving
                log.exception("worker.error")

    async def _one_round(self) -> None:
        # Codes first: a callback's code is short-lived, so rooms whose callback came are
        # proven before more authorizations are asked for (asked first, at the rate
        # limit's pace, 5 000 rooms' codes expired while they queued behind new requests).
        for phase, claim, job in (("callback", "proving", self._prove_room),
                                  ("queued", "requesting", self._request_room)):
            for room in await self.db(self.store.rooms_in_phase, phase, 200):
                if len(self._jobs) >= 4 * WORKERS:
                    return
                if await self.db(self.store.update_room, room["id"], when_phase=phase,
                                 phase=claim, claimed_by=self.instance):
                    task = asyncio.create_task(self._run(job, room))
                    self._jobs.add(task)
                    task.add_done_callback(self._jobs.discard)

    async def _run(self, job: Callable[[Row], Awaitable[None]], room: Row) -> None:
        async with self._limit:
            try:
                await job(room)
            except CronofyUnreachable:
                await self._room_failed(room, "cronofy_unreachable", "Cronofy did not answer")
            except SealError:
                await self._room_failed(room, "undecryptable", "ROOMCAL_RELAY_KEY changed")
            except Exception:
                log.exception("room.error", extra={"fields": {"room": room["email"]}})
                await self._room_failed(room, "relay_error", "see the relay's log")
        self.wake.set()

    async def _room_failed(self, room: Row, code: str, detail: str, relink_url: str = "") -> None:
        await self.db(self.store.update_room, room["id"], phase="done", status="fail",
                      code=code, detail=detail, relink_url=relink_url, sealed="",
                      state_hash="")
        log.info("room.failed", extra={"fields": {"room": room["email"],
                                                  "link": room["link_id"], "code": code}})

    async def _request_room(self, room: Row) -> None:
        link = await self.db(self.store.link, room["link_id"])
        if link is None or link["status"] != "linked":
            await self._room_failed(room, "not_linked", "the link is gone")
            return
        secret = new_secret()
        # Stored before the request: the callback may arrive before the answer does.
        await self.db(self.store.update_room, room["id"], state_hash=digest(secret))
        answer = await self.service_call(link, "POST", "/v1/service_account_authorizations",
                                         json={"email": room["email"],
                                               "callback_url": self.callback_url,
                                               "scope": "read_write",
                                               "state": f"{room['id']}.{secret}"})
        if answer.ok:
            await self.db(self.store.update_room, room["id"], when_phase="requesting",
                          phase="requested")
            return
        await self._room_failed(room, "authorization_rejected",
                                f"Cronofy answered {answer.status}{_errors(answer.body)}")

    async def _prove_room(self, room: Row) -> None:
        link = await self.db(self.store.link, room["link_id"])
        if link is None:
            await self._room_failed(room, "not_linked", "the link is gone")
            return
        region, context = link["region"], f"room:{room['id']}"
        code = self.sealer.open(room["sealed"], context)["code"]
        tokens = _tokens(await self.cronofy.token(region, grant_type="authorization_code",
                                                  code=code, redirect_uri=self.callback_url))
        if tokens is None:
            await self._room_failed(room, "code_exchange_failed",
                                    "Cronofy refused the room's authorization code")
            return
        await self.db(self.store.update_room, room["id"],
                      sealed=self.sealer.seal(tokens, context))
        failure = await self._proof(region, tokens["access_token"])
        if failure is not None:
            code_, detail, relink = failure
            await self.db(self.store.update_room, room["id"], phase="done", status="fail",
                          code=code_, detail=detail, relink_url=relink)
            log.info("room.failed", extra={"fields": {"room": room["email"],
                                                      "link": room["link_id"], "code": code_}})
            return
        await self.db(self.store.update_room, room["id"], phase="done", status="pass",
                      code="", detail="")
        log.info("room.proved", extra={"fields": {"room": room["email"],
                                                  "link": room["link_id"]}})

    async def _proof(self, region: str, token: str) -> tuple[str, str, str] | None:
        """What Cronofy shows of the room: None when everything is there, else the failure."""
        profiles = await self.cronofy.call(region, "GET", "/v1/profiles", token=token)
        listed = _list(profiles, "profiles")
        if listed is None:
            return "profiles_unreadable", f"/v1/profiles answered {profiles.status}", ""
        if not any(p.get("profile_connected") is True for p in listed):
            relink = next((str(p.get("profile_relink_url", "")) for p in listed
                           if p.get("profile_relink_url")), "")
            return "profile_disconnected", "Cronofy's profile is not connected", relink
        calendars = await self.cronofy.call(region, "GET", "/v1/calendars", token=token)
        found = _list(calendars, "calendars")
        if found is None:
            return "calendars_unreadable", f"/v1/calendars answered {calendars.status}", ""
        if not found:
            return "no_calendar", "Cronofy lists no calendar for the room", ""
        now = datetime.now(UTC)
        events = await self.cronofy.call(region, "GET", "/v1/events", token=token, params={
            "from": now.date().isoformat(), "to": (now + timedelta(days=2)).date().isoformat(),
            "tzid": "Etc/UTC"})
        if _list(events, "events") is None:
            return "events_unreadable", f"/v1/events answered {events.status}", ""
        return None


def _list(answer: Answer, key: str) -> list[dict[str, Any]] | None:
    items = answer.body.get(key) if answer.ok and isinstance(answer.body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else None


def _tokens(answer: Answer) -> dict[str, Any] | None:
    body = answer.body if isinstance(answer.body, dict) else {}
    if not answer.ok or not isinstance(body.get("access_token"), str):
        return None
    return {"access_token": body["access_token"],
            "refresh_token": str(body.get("refresh_token", "")),
            "expires_at": time.time() + float(body.get("expires_in", 0) or 0),
            "service_account_id": str(body.get("service_account_id", ""))}


def _errors(body: Any) -> str:
    """Cronofy's 422 field names (never values): ``: email, callback_url``."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return f": {', '.join(sorted(str(k) for k in errors)[:5])}" if isinstance(errors, dict) \
        else ""


def _link_view(link: Row) -> dict[str, Any]:
    return {"id": link["id"], "region": link["region"], "provider": link["provider"],
            "status": "pending" if link["status"] == "exchanging" else link["status"],
            "code": link["code"], "detail": link["detail"], "account": link["account"],
            "expires_at": datetime.fromtimestamp(link["expires"], UTC).isoformat()}


def _room_view(room: Row) -> dict[str, Any]:
    view = {"email": room["email"], "status": room["status"], "code": room["code"],
            "detail": room["detail"]}
    if room["relink_url"]:
        view["relink_url"] = room["relink_url"]
    return view


def _problem(status: int, error: str, detail: str) -> web.Response:
    return web.json_response({"error": error, "detail": detail}, status=status)


def _page(status: int, sentence: str) -> web.Response:
    text = html.escape(sentence)
    return web.Response(status=status, content_type="text/html", text=(
        "<!doctype html><meta charset=utf-8><meta name=referrer content=no-referrer>"
        f"<title>roomcal relay</title><p>{text}</p>"),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text='{"error": "invalid_json", "detail": ""}',
                                 content_type="application/json") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "invalid_json", "detail": ""}',
                                 content_type="application/json")
    return body


RELAY: web.AppKey[Relay] = web.AppKey("relay", Relay)
# The phases in which a room waits for its callback (its request sent, or being sent).
WAITING = ("requesting", "requested")
# The organisation whose enrollment token a /v1/ request carried (its name).
ORG: web.RequestKey[str] = web.RequestKey("org", str)


@web.middleware
async def _organisation(request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                        ) -> web.StreamResponse:
    if request.path.startswith("/v1/"):
        relay = request.app[RELAY]
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        org = await relay.db(relay.store.org_by_token_hash, digest(token.strip())) \
            if scheme.lower() == "bearer" and token.strip() else None
        if org is None or not same(token.strip(), org["token_hash"]):
            return web.json_response({"error": "unauthorized", "detail": ""}, status=401,
                                     headers={"WWW-Authenticate": "Bearer"})
        request[ORG] = org["name"]
    return await handler(request)


@web.middleware
async def _request_log(request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                       ) -> web.StreamResponse:
    start = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        # The path only: queries carry codes and states.
        log.info("http", extra={"fields": {"method": request.method, "path": request.path,
                                           "status": status, "org": request.get(ORG, ""),
                                           "ms": round((time.monotonic() - start) * 1000)}})


def make_app(relay: Relay) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_request_log, _organisation])
    app[RELAY] = relay
    app.router.add_get("/health", relay.health)
    app.router.add_get("/ec/redirect", relay.redirect)
    app.router.add_post("/ec/callback", relay.callback)
    app.router.add_get("/v1/regions", relay.regions)
    app.router.add_post("/v1/links", relay.start_link)
    app.router.add_get("/v1/links/{link_id}", relay.get_link)
    app.router.add_delete("/v1/links/{link_id}", relay.end_link)
    app.router.add_get("/v1/links/{link_id}/resources", relay.resources)
    app.router.add_post("/v1/links/{link_id}/rooms", relay.authorize_rooms)
    app.router.add_get("/v1/links/{link_id}/rooms", relay.room_proofs)
    return app


@contextlib.asynccontextmanager
async def serving(relay: Relay, site: Callable[[web.AppRunner], web.BaseSite],
                  **runner_options: Any) -> AsyncIterator[web.AppRunner]:
    """The relay's HTTP side and its worker running; on the way out the worker, the
    requests in flight and every room job are ended, in that order. `roomcal relay serve`
    and the demo's relay both run it."""
    await relay.resume()
    runner = web.AppRunner(make_app(relay), access_log=None, handle_signals=False,
                           **runner_options)
    await runner.setup()
    await site(runner).start()
    worker = asyncio.create_task(relay.work())
    try:
        yield runner
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await runner.cleanup()
        for job in list(relay._jobs):
            job.cancel()
        await asyncio.gather(*relay._jobs, return_exceptions=True)


async def serve(relay: Relay, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM, then finish the requests in flight and stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serving(relay, lambda runner: web.TCPSite(runner, host, port),
                       shutdown_timeout=10) as runner:
        log.info("relay.listening", extra={"fields": {
            "address": [f"{a[0]}:{a[1]}" for a in runner.addresses],
            "public_url": relay.options.public_url,
            "regions": sorted(relay.cronofy.applications)}})
        try:
            await stop.wait()
        finally:
            log.info("relay.stopping", extra={"fields": {}})
    await relay.sign_off()
    await relay.cronofy.close()
    log.info("relay.stopped", extra={"fields": {}})
