"""The wizard's side of step 2: the meeting-room vendor's roomcal relay, over HTTP.

The relay (``roomcal relay serve``, docs/relay.md) holds the Cronofy application of each
data centre, receives Cronofy's redirect and per-room callbacks at its public address and
keeps the tokens; the admin's machine holds only the relay's address
(``ROOMCAL_RELAY_URL``) and its organisation's enrollment token. Every answer the relay
can give becomes one sentence and what to do (``RelayError``, with a stable ``code``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import httpx

from wizard.core import redact, tls
from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_
from wizard.core.model import Msg

TIMEOUT = 30.0
# The keyring's key for the enrollment token (beside the profile's other secrets).
TOKEN_KEY = "relay.token"

__all__ = ["TOKEN_KEY", "Link", "RelayClient", "RelayError", "RoomProof", "no_relay",
           "no_token"]


class RelayError(UserFacingError):
    """The relay could not do what was asked: one sentence, its remedy, a stable code."""

    def __init__(self, sentence: Msg, remedy: Msg, code: str, status: int = 0) -> None:
        super().__init__(sentence, remedy, code=code)
        self.status = status


def no_relay() -> RelayError:
    return RelayError(
        Msg(N_("Step 2 needs your meeting-room vendor's roomcal relay, and ROOMCAL_RELAY_URL "
               "is not set: only the relay may hold the vendor's Cronofy application and "
               "receive Cronofy's answers.")),
        Msg(N_("Set ROOMCAL_RELAY_URL and ROOMCAL_RELAY_TOKEN to the address and enrollment "
               "token your meeting-room vendor gave you (“roomcal demo” tries step 2 "
               "without them).")),
        code="relay.missing")


def no_token() -> RelayError:
    return RelayError(
        Msg(N_("No enrollment token for the roomcal relay is set.")),
        Msg(N_("Set ROOMCAL_RELAY_TOKEN to the token your meeting-room vendor gave you (or "
               "run “roomcal connect” in a terminal, which asks for it and keeps it in the "
               "keyring).")),
        code="relay.no_token")


@dataclass(frozen=True)
class Link:
    """A link as the relay reports it (``authorize_url`` only when it was just started)."""

    id: str
    region: str
    status: str  # pending | linked | refused | expired
    code: str = ""
    detail: str = ""  # the calendar service's reason, as Cronofy passed it on (refused)
    account: str = ""
    service_account_id: str = ""  # Cronofy's ser_… (linked)
    expires_at: str = ""
    authorize_url: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Link:
        if not isinstance(data, dict) or not all(
                isinstance(data.get(key, ""), str) for key in
                ("id", "region", "status", "code", "detail", "account", "service_account_id",
                 "expires_at", "authorize_url")) \
                or not data.get("id"):
            raise _unexpected("link")
        return cls(**{key: str(data.get(key, "")) for key in
                      ("id", "region", "status", "code", "detail", "account",
                       "service_account_id", "expires_at", "authorize_url")})


@dataclass(frozen=True)
class RoomProof:
    """What Cronofy proved of one room: ``status`` pass | fail | pending, and on failure a
    stable ``code`` (docs/relay.md) with the relay's detail."""

    email: str
    status: str
    code: str = ""
    detail: str = ""
    relink_url: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"email": self.email, "status": self.status, "code": self.code,
                "detail": self.detail}
        if self.relink_url:
            data["relink_url"] = self.relink_url
        return data


def _unexpected(what: str) -> RelayError:
    return RelayError(
        Msg(N_("The roomcal relay sent an answer roomcal does not understand ({what})."),
            what=what),
        Msg(N_("Check ROOMCAL_RELAY_URL (a proxy's page?), and that the relay and roomcal "
               "are of the same release.")),
        code="relay.unexpected")


class RelayClient:
    def __init__(self, url: str, token: str, *, ca_bundle: str = "",
                 cancel: threading.Event | None = None) -> None:
        self.url = url.rstrip("/")
        redact.register(token)
        self.cancel = cancel
        self.http = httpx.Client(base_url=self.url, timeout=TIMEOUT,
                                 verify=tls.context(ca_bundle),
                                 headers={"Authorization": f"Bearer {token}"},
                                 follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------
    def _call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,),
              json: Any = None) -> Any:
        try:
            response = self.http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            from wizard.core.errors import describe

            sentence, _remedy = describe(exc)
            raise RelayError(
                Msg(N_("The roomcal relay at {url} could not be reached: {reason}"),
                    url=self.url, reason=str(sentence)),
                Msg(N_("Check ROOMCAL_RELAY_URL and this machine's network; if they are "
                       "right, ask your meeting-room vendor whether the relay runs.")),
                code="relay.unreachable") from None
        if response.status_code in ok:
            try:
                return response.json()
            except ValueError:
                raise _unexpected(path.rsplit("/", 1)[-1]) from None
        raise self._refused(response)

    def _refused(self, response: httpx.Response) -> RelayError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
        status = response.status_code
        if status == 401:
            return RelayError(
                Msg(N_("The roomcal relay does not accept this enrollment token.")),
                Msg(N_("Ask your meeting-room vendor for a new token and set "
                       "ROOMCAL_RELAY_TOKEN (a revoked or mistyped token stops working).")),
                code="relay.unauthorized", status=status)
        if status == 404:
            return RelayError(
                Msg(N_("The roomcal relay does not know this link (any more).")),
                Msg(N_("Link again (step 2).")), code="relay.no_such_link", status=status)
        if error == "unknown_region":
            return RelayError(
                Msg(N_("The roomcal relay has no Cronofy application in this data centre "
                       "({detail})."), detail=detail),
                Msg(N_("Choose one of the data centres the relay serves.")),
                code="relay.unknown_region", status=status)
        if error == "resources_unreadable":
            cronofy = body.get("cronofy_status", 0) if isinstance(body, dict) else 0
            remedy = {402: N_("Ask your meeting-room vendor to enable Enterprise Connect for "
                              "the account."),
                      403: N_("Link again and accept all requested permissions.")}.get(
                cronofy, N_("Try again in a few minutes; if it keeps happening, tell your "
                            "meeting-room vendor."))
            return RelayError(
                Msg(N_("Cronofy did not list the room calendars (HTTP {status})."),
                    status=cronofy or "?"), Msg(remedy), code="relay.resources_unreadable",
                status=status)
        if error == "cronofy_unreachable" or status in (502, 503, 504):
            return RelayError(
                Msg(N_("The roomcal relay could not reach Cronofy (HTTP {status})."),
                    status=status),
                Msg(N_("Try again in a few minutes.")), code="relay.cronofy_unreachable",
                status=status)
        return RelayError(
            Msg(N_("The roomcal relay refused the request (HTTP {status}, {error})."),
                status=status, error=error or "?"),
            Msg(N_("Try again; if it keeps happening, send a report (“roomcal report”) to "
                   "your meeting-room vendor.")),
            code=f"relay.{error or status}", status=status)

    # -- the API (docs/relay.md) -------------------------------------------------------
    def regions(self) -> list[str]:
        data = self._call("GET", "/v1/regions")
        regions = data.get("regions") if isinstance(data, dict) else None
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise _unexpected("regions")
        return list(regions)

    def start_link(self, region: str, provider: str) -> Link:
        link = Link.from_json(self._call("POST", "/v1/links", ok=(201,),
                                         json={"region": region, "provider": provider}))
        redact.register(link.authorize_url)  # its state is the link's secret
        return link

    def link(self, link_id: str) -> Link:
        return Link.from_json(self._call("GET", f"/v1/links/{link_id}"))

    def resources(self, link_id: str) -> list[tuple[str, str]]:
        """The rooms Cronofy lists for the link: (name, e-mail address)."""
        data = self._call("GET", f"/v1/links/{link_id}/resources")
        listed = data.get("resources") if isinstance(data, dict) else None
        if not isinstance(listed, list) or not all(
                isinstance(r, dict) and isinstance(r.get("email", ""), str)
                and isinstance(r.get("name", ""), str) for r in listed):
            raise _unexpected("resources")
        return [(str(r.get("name", "")), str(r.get("email", ""))) for r in listed]

    def authorize(self, link_id: str, rooms: list[str] | None) -> list[RoomProof]:
        """Ask the relay to authorize and prove ``rooms`` (None: every room Cronofy lists)."""
        data = self._call("POST", f"/v1/links/{link_id}/rooms", ok=(202,),
                          json={"rooms": "all" if rooms is None else rooms})
        return _proofs(data)

    def proofs(self, link_id: str) -> list[RoomProof]:
        return _proofs(self._call("GET", f"/v1/links/{link_id}/rooms"))

    def revoke(self, link_id: str) -> None:
        """The link ends: the relay revokes its tokens at Cronofy (a link it no longer
        knows is gone already)."""
        try:
            self._call("DELETE", f"/v1/links/{link_id}")
        except RelayError as exc:
            if exc.code != "relay.no_such_link":
                raise

    def wait(self, seconds: float) -> bool:
        """Sleep between polls; True when the wait was cancelled."""
        if self.cancel is None:
            import time

            time.sleep(seconds)
            return False
        return self.cancel.wait(seconds)


def _proofs(data: Any) -> list[RoomProof]:
    rooms = data.get("rooms") if isinstance(data, dict) else None
    keys = ("email", "status", "code", "detail", "relink_url")
    if not isinstance(rooms, list) or not all(
            isinstance(r, dict) and all(isinstance(r.get(k, ""), str) for k in keys)
            and r.get("status") in ("pass", "fail", "pending") for r in rooms):
        raise _unexpected("rooms")
    return [RoomProof(**{k: str(r.get(k, "")) for k in keys}) for r in rooms]

