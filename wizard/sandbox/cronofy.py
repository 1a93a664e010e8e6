"""A loopback Cronofy: the Enterprise Connect authorize page and the API the wizard uses.

Every data centre is served under its own path prefix (``/de/…``, ``/us/…``)
so the wizard's region choice is real: the sandbox's application is
registered in one region (scenario key ``region``, default ``de``) and other
regions do not know its client id, as with the real data centres.

Scenario keys (``[cronofy]``): ``region``; ``deny`` (the admin refuses
consent: ``error=access_denied``); ``hidden_rooms`` (room addresses Cronofy
cannot see); ``fail`` = {endpoint = status} with endpoint one of ``token``,
``userinfo``, ``resources``, ``authorizations`` and status 401/402/403/404/
422/429/500 (429s and 500s only for the first ``fail_times`` requests,
default 2); ``retry_after`` (what injected 429s carry: default ``"1"``,
``"http-date"`` for an HTTP-date, anything else verbatim); ``expire_first_token``
(the first access token is rejected: the refresh path); ``answer`` = {endpoint = JSON
value} (that endpoint answers exactly this, e.g. ``{ resources = "none" }``: a shape
Cronofy never sends) with ``answer_status`` = {endpoint = status} (default 200);
``disconnected_rooms`` (rooms whose Cronofy profile is not connected: ``/v1/profiles``
offers a relink URL); ``policy_excluded_rooms`` (an access policy of the application
excludes them: their authorization's callback carries ``access_denied`` although the
service account may open them); ``silent_rooms`` (no callback ever comes for them);
``callback_first`` (each room's callback is delivered before its request is answered, as a
busy Cronofy may). A room's callback code is exchanged for that room's token, which reads
``/v1/profiles``, ``/v1/calendars`` and ``/v1/events`` (also ``fail``-able).

The calendar service behind the link is the scenario's own world: the sign-in for
``provider_name``, the account, the rooms listed and each room's authorization are
what that provider's sandbox service answers (``wizard.sandbox.enterprise_connect``),
so a scenario whose step 1 fails the sign-in fails the link as the real Cronofy would.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from wizard.core import tls
from wizard.sandbox.enterprise_connect import EnterpriseConnect, Refusal
from wizard.sandbox.rooms import DOMAIN, Room
from wizard.sandbox.server import Request, Response, Router, retry_after

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret-not-real"  # the sandbox's, not a real secret
REGIONS = ("us", "uk", "de", "au", "ca", "sg")
PREFIX = "/(?P<region>us|uk|de|au|ca|sg)"
# Who Cronofy reports when the linked service's world does not say (a provider without
# an answer for Cronofy, or Cronofy started alone).
ACCOUNT = f"admin@{DOMAIN}"


@dataclass
class CronofyState:
    rooms: list[Room]
    region: str = "de"
    deny: bool = False
    hidden: set[str] = field(default_factory=set)
    fail: dict[str, int] = field(default_factory=dict)
    fail_times: int = 2
    retry_after: str | None = None
    expire_first_token: bool = False
    answer: dict[str, Any] = field(default_factory=dict)  # endpoint -> JSON body, verbatim
    answer_status: dict[str, int] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued_codes: list[str] = field(default_factory=list)  # every code ever issued (leak tests)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> provider
    failures_served: dict[str, int] = field(default_factory=dict)
    authorizations: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens_issued: int = 0
    disconnected: set[str] = field(default_factory=set)  # rooms whose profile needs a relink
    silent: set[str] = field(default_factory=set)  # rooms whose callback never comes
    # The callback is sent before the 202 is answered (a busy Cronofy: it does come first).
    callback_first: bool = False
    excluded: set[str] = field(default_factory=set)  # an access policy refuses them
    # When each API request arrived (time.monotonic()): the benchmark checks the pace.
    arrivals: list[float] = field(default_factory=list)
    # The world of a provider by name (its sandbox service's answer), None when none.
    world: Callable[[str], EnterpriseConnect | None] = lambda provider: None

    @classmethod
    def from_scenario(cls, rooms: list[Room], section: dict[str, Any]) -> CronofyState:
        return cls(
            rooms=rooms,
            region=str(section.get("region", "de")),
            deny=bool(section.get("deny", False)),
            hidden={str(x).lower() for x in section.get("hidden_rooms", [])},
            fail={str(k): int(v) for k, v in section.get("fail", {}).items()},
            fail_times=int(section.get("fail_times", 2)),
            retry_after=None if section.get("retry_after") is None
            else str(section["retry_after"]),
            expire_first_token=bool(section.get("expire_first_token", False)),
            disconnected={str(x).lower() for x in section.get("disconnected_rooms", [])},
            silent={str(x).lower() for x in section.get("silent_rooms", [])},
            callback_first=bool(section.get("callback_first", False)),
            excluded={str(x).lower() for x in section.get("policy_excluded_rooms", [])},
            answer=dict(section.get("answer", {})),
            answer_status={str(k): int(v) for k, v in section.get("answer_status", {}).items()},
        )


def _error(status: int, error: str, description: str = "", **headers: str) -> Response:
    return Response.json({"error": error, "error_description": description}, status, **headers)


class Cronofy:
    def __init__(self, state: CronofyState) -> None:
        self.state = state

    # -- app: the Enterprise Connect dashboard ------------------------------------------
    def authorize(self, request: Request) -> Response:
        state = self.state
        redirect_uri = request.arg("redirect_uri")
        host = urlsplit(redirect_uri).hostname
        if host not in ("127.0.0.1", "localhost"):
            return Response(400, "redirect_uri must be a loopback address",
                            content_type="text/plain")
        params = {"state": request.arg("state")}
        region = request.match["region"] if request.match else "us"
        scopes = set(request.arg("scope").split())
        if request.arg("client_id") != CLIENT_ID or region != state.region:
            params["error"] = "unauthorized_client"
        elif request.arg("response_type") != "code" or not scopes >= {
            "service_account/accounts/manage", "service_account/resources/manage"
        }:
            params["error"] = "invalid_request"
        elif not request.arg("provider_name"):
            params["error"] = "invalid_request"  # which calendar service to sign in to?
        elif state.deny:
            params["error"] = "access_denied"
        elif (refusal := self._sign_in(request.arg("provider_name"))) is not None:
            params.update(error=refusal.error, error_description=refusal.description)
        else:
            code = secrets.token_urlsafe(16)
            with state.lock:
                state.issued_codes.append(code)
                state.codes[code] = {"redirect_uri": redirect_uri, "expires": time.time() + 300,
                                     "provider": request.arg("provider_name")}
            params["code"] = code
        separator = "&" if "?" in redirect_uri else "?"
        return Response.redirect(f"{redirect_uri}{separator}{urlencode(params)}")

    def _sign_in(self, provider: str) -> Refusal | None:
        """Cronofy signs in to the service: its world may refuse (None: it does not)."""
        world = self.state.world(provider)
        return None if world is None else world.sign_in()

    def _rooms(self, provider: str) -> list[Room]:
        """The rooms Cronofy lists for a link of ``provider``: what its world shows it."""
        world = self.state.world(provider)
        rooms = self.state.rooms if world is None else world.resources(self.state.rooms)
        return [r for r in rooms if r.email.lower() not in self.state.hidden]

    # -- api -------------------------------------------------------------------------------
    def _wrong_region(self, request: Request) -> bool:
        return request.match is not None and request.match["region"] != self.state.region

    def _injected(self, endpoint: str, request: Request) -> Response | None:
        if endpoint in self.state.answer:
            return Response.json(self.state.answer[endpoint],
                                 self.state.answer_status.get(endpoint, 200))
        status = self.state.fail.get(endpoint)
        if status is None:
            return None
        with self.state.lock:
            served = self.state.failures_served.get(endpoint, 0)
            if status in (429, 500, 502, 503) and served >= self.state.fail_times:
                return None
            self.state.failures_served[endpoint] = served + 1
        if status == 422:
            return Response.json({"errors": {"email": [
                {"key": "errors.required", "description": "email must be specified"}],
                "callback_url": [{"key": "errors.invalid", "description": "must be https or "
                                  "loopback"}]}}, 422)
        if status == 429:
            return Response.json({}, 429, **{
                "Retry-After": retry_after(self.state.retry_after, request)})
        return Response.json({}, status)

    def token(self, request: Request) -> Response:
        state = self.state
        try:
            body = request.json() if request.header("content-type").startswith(
                "application/json") else request.form()
        except ValueError:
            return _error(400, "invalid_request")
        if self._wrong_region(request) or body.get("client_id") != CLIENT_ID or \
                body.get("client_secret") != CLIENT_SECRET:
            return _error(401, "invalid_client")
        if (injected := self._injected("token", request)) is not None:
            return injected
        grant = body.get("grant_type")
        if grant == "authorization_code":
            with state.lock:
                entry = state.codes.pop(str(body.get("code")), None)  # single use
            if entry is None or entry["expires"] < time.time() or \
                    entry["redirect_uri"] != body.get("redirect_uri"):
                return _error(400, "invalid_grant")
            provider = entry["provider"]
            if entry.get("room"):
                return Response.json(self._issue(provider, None, room=entry["room"]))
        elif grant == "refresh_token":
            with state.lock:
                provider = state.refresh.get(str(body.get("refresh_token")))
            if provider is None:
                return _error(400, "invalid_grant")
        else:
            return _error(400, "unsupported_grant_type")
        return Response.json(self._issue(provider, body.get("refresh_token")))

    def _issue(self, provider: str, refresh_token: str | None,
               room: str | None = None) -> dict[str, Any]:
        state = self.state
        access = "sbx-at-" + secrets.token_urlsafe(24)  # prefixes: leak tests grep for them
        refresh = refresh_token or "sbx-rt-" + secrets.token_urlsafe(24)
        with state.lock:
            state.tokens_issued += 1
            valid = not (state.expire_first_token and state.tokens_issued == 1)
            state.access[access] = {"provider": provider, "valid": valid, "room": room,
                                    "expires": time.time() + 1800}
            state.refresh[refresh] = provider
        return {"token_type": "bearer", "access_token": access, "expires_in": 1800,
                "refresh_token": refresh,
                "scope": "service_account/accounts/manage service_account/resources/manage",
                "service_account_id": "ser_5a1dbbx0c0ffee"}

    def _bearer(self, request: Request) -> dict[str, Any] | None:
        token = request.header("authorization").removeprefix("Bearer ").strip()
        with self.state.lock:
            entry = self.state.access.get(token)
        if self._wrong_region(request) or entry is None or not entry["valid"] or \
                entry["expires"] < time.time() or token in self.state.revoked:
            return None
        return entry

    def userinfo(self, request: Request) -> Response:
        entry = self._bearer(request)
        if entry is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("userinfo", request)) is not None:
            return injected
        world = self.state.world(entry["provider"])
        return Response.json({
            "sub": "ser_5a1dbbx0c0ffee",
            "cronofy.type": "service_account",
            "cronofy.service_account.domain": DOMAIN,
            "cronofy.service_account.provider_name": entry["provider"],
            "email": ACCOUNT if world is None else world.account(),
        })

    def resources(self, request: Request) -> Response:
        if (entry := self._bearer(request)) is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("resources", request)) is not None:
            return injected
        return Response.json({"resources": [{"email": r.email, "name": r.name}
                                            for r in self._rooms(entry["provider"])]})

    def authorizations(self, request: Request) -> Response:
        if (entry := self._bearer(request)) is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("authorizations", request)) is not None:
            return injected
        body = request.json() or {}
        email = str(body.get("email", "")).lower()
        callback = str(body.get("callback_url", ""))
        if not email or urlsplit(callback).hostname not in ("127.0.0.1", "localhost"):
            return self._injected_422()
        with self.state.lock:
            self.state.authorizations.append(body)
        known = {r.email.lower() for r in self._rooms(entry["provider"])}
        world = self.state.world(entry["provider"])
        payload = ({"authorization": {"code": secrets.token_urlsafe(12),
                                      "state": body.get("state", "")}}
                   if email in known and email not in self.state.excluded and
                   (world is None or world.readable(email)) else
                   {"authorization": {"error": "access_denied", "state": body.get("state", "")}})
        if self.state.callback_first:
            self._deliver(request, email, callback, payload)
        else:
            threading.Thread(target=self._deliver, args=(request, email, callback, payload),
                             daemon=True).start()
        return Response(202, b"", content_type="application/json")

    @staticmethod
    def _injected_422() -> Response:
        return Response.json({"errors": {"email": [
            {"key": "errors.required", "description": "email must be specified"}]}}, 422)

    def _deliver(self, request: Request, email: str, callback: str,
                 payload: dict[str, Any]) -> None:
        """A room's code is exchanged like the link's (``redirect_uri`` = the callback URL)
        for the room's own token, which sees that room's profile, calendar and events."""
        if email in self.state.silent:
            return  # Cronofy never calls back for this room
        code = payload["authorization"].get("code")
        entry = self._bearer(request)
        if code and entry is not None:
            with self.state.lock:
                self.state.issued_codes.append(code)
                self.state.codes[code] = {"redirect_uri": callback, "room": email,
                                          "expires": time.time() + 300,
                                          "provider": entry["provider"]}
        self._callback(callback, payload)

    def _room(self, request: Request) -> Room | None:
        """The room a room's token belongs to (None: not a room's token)."""
        entry = self._bearer(request)
        email = entry.get("room") if entry else None
        return next((r for r in self.state.rooms if r.email.lower() == email), None)

    def profiles(self, request: Request) -> Response:
        if (room := self._room(request)) is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("profiles", request)) is not None:
            return injected
        connected = room.email.lower() not in self.state.disconnected
        return Response.json({"profiles": [{
            "provider_name": "exchange", "profile_id": "pro_" + room.email.split("@")[0],
            "profile_name": room.email, "profile_connected": connected,
            **({} if connected else {
                "profile_relink_url": "https://app.cronofy.com/relink/pro_sandbox"})}]})

    def calendars(self, request: Request) -> Response:
        if (room := self._room(request)) is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("calendars", request)) is not None:
            return injected
        return Response.json({"calendars": [{
            "calendar_id": "cal_" + room.email.split("@")[0], "calendar_name": room.name,
            "profile_name": room.email, "calendar_readonly": False, "calendar_primary": True}]})

    def events(self, request: Request) -> Response:
        if self._room(request) is None:
            return _error(401, "invalid_token")
        if (injected := self._injected("events", request)) is not None:
            return injected
        return Response.json({"pages": {"current": 1, "total": 1}, "events": []})

    @staticmethod
    def _callback(url: str, payload: dict[str, Any]) -> None:
        time.sleep(0.05)  # asynchronous, like the real service
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(url, content=json.dumps(payload), verify=tls.context(),
                       headers={"Content-Type": "application/json"}, timeout=5)

    def revoke(self, request: Request) -> Response:
        body = request.json() if request.header("content-type").startswith(
            "application/json") else request.form()
        if body.get("client_id") != CLIENT_ID or body.get("client_secret") != CLIENT_SECRET:
            return _error(401, "invalid_client")
        with self.state.lock:
            self.state.revoked.append(str(body.get("token")))
            self.state.refresh.pop(str(body.get("token")), None)
        return Response.json({})


def start(sandbox: Any) -> Any:
    from wizard.sandbox import ServiceHandle

    state = CronofyState.from_scenario(sandbox.scenario.rooms,
                                       sandbox.scenario.section("cronofy"))

    def world(provider: str) -> EnterpriseConnect | None:
        # Asked per request: a provider's service may start after this one.
        handle = sandbox.services.get(provider)
        return None if handle is None else handle.enterprise_connect

    state.world = world
    service = Cronofy(state)
    app = Router()
    app.add("GET", f"{PREFIX}/enterprise_connect/oauth/authorize", service.authorize)
    api = Router()

    def counted(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def arrived(request: Request) -> Response:
            state.arrivals.append(time.monotonic())  # list.append: atomic
            return handler(request)

        return arrived

    for method, path, handler in (
            ("POST", "/oauth/token", service.token),
            ("POST", "/oauth/token/revoke", service.revoke),
            ("GET", "/v1/userinfo", service.userinfo),
            ("GET", "/v1/resources", service.resources),
            ("POST", "/v1/service_account_authorizations", service.authorizations),
            ("GET", "/v1/profiles", service.profiles),
            ("GET", "/v1/calendars", service.calendars),
            ("GET", "/v1/events", service.events)):
        api.add(method, f"{PREFIX}{path}", counted(handler))
    app_server = sandbox.serve(app, "cronofy-app", tls=True)
    api_server = sandbox.serve(api, "cronofy-api", tls=True)
    return ServiceHandle(
        servers=[app_server, api_server],
        endpoints={"cronofy_app_url": f"{app_server.base_url}/{{region}}",
                   "cronofy_api_url": f"{api_server.base_url}/{{region}}"},
        demo_secrets={"cronofy": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}},
        state=state,
    )
