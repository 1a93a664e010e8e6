"""A loopback Microsoft identity platform + Microsoft Graph, for the Microsoft 365 checks.

msal insists on an https authority, so both servers run TLS with the
sandbox's CA. The device-code flow is real: the wizard shows the code, the
demo's "browser" opens the verification page with it, msal polls the token
endpoint until it is approved. Scenario keys (``[microsoft365]``):
``not_admin`` (the admin holds no directory role), ``roles`` (the directory roles
the admin holds, by display name; default ``["Global Administrator"]``), ``room_lists``
(list of ``{email, rooms = "all" | [addresses]}``; default one list with all
rooms), ``calendar_denied`` (room addresses), ``throttle_requests`` (the
first N Graph requests answer 429 with Retry-After), ``retry_after`` (what
those 429s carry: default ``"1"``, ``"http-date"`` for an HTTP-date, anything
else verbatim), ``decline`` (the
sign-in is declined), ``expire_device_code`` (nobody enters the code in
time), ``graph_unauthorized`` (Graph answers 401 to every token),
``malformed`` (a proxy's HTML page instead of Places JSON), ``page_size``
(Graph paging, default 100), ``access_token_lifetime`` (seconds, default 3600:
below msal's five minutes, a re-check renews it with the refresh token),
``refresh_revoked`` (refresh tokens are refused: ``invalid_grant``),
``device_code_text`` (appended to the device code and its verification address: a
hostile login server's escape sequences), ``hidden`` (room addresses, or ``{name,
email}`` tables, hidden from the address list: Places and the room lists leave them out,
``/users`` and their ``mailboxSettings`` — ``userPurpose = room`` — still show them),
``on_premises`` (room addresses whose mailbox is on-premises, in a hybrid organisation:
their calendar and ``mailboxSettings`` answer 404 ``MailboxNotEnabledForRESTAPI``),
``cronofy_consented`` (Cronofy's enterprise application is in the tenant from the start,
a tenant linked before; a link through the sandbox's Cronofy adds it too),
``cronofy_permissions`` (the Microsoft Graph application permissions consented to it;
default the four it asks for), ``cronofy_ews`` (it also holds Exchange Online's
``full_access_as_app``: a tenant still connected through Cronofy's EWS path),
``mailbox_settings_denied`` (every ``mailboxSettings`` answers 403: a sign-in without
MailboxSettings.Read).

Cronofy, linking Microsoft 365, asks the admin for tenant-wide admin consent
(``LinkWorld``): an admin without a role that may grant it to Microsoft Graph
application permissions (Global or Privileged Role Administrator) gets Microsoft's
refusal, and a room whose calendar is denied fails its authorization. Its consent puts
Cronofy's enterprise application (service principal) into the tenant, with the
application permissions it asked for; rooms hidden from the address list are not
among the rooms it lists, and an on-premises room's authorization fails.

The token endpoint answers like Microsoft's: an access token, a refresh token, an
ID token and ``client_info`` (msal builds its cached account from them), for the
device-code grant and for ``grant_type=refresh_token`` — msal's silent path.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from wizard.providers.microsoft365 import display_sandbox
from wizard.sandbox import room_calendars
from wizard.sandbox.enterprise_connect import Refusal
from wizard.sandbox.rooms import DOMAIN, Room
from wizard.sandbox.server import Request, Response, Router, retry_after

ADMIN = f"admin@{DOMAIN}"
ADMIN_OID = "00000000-0000-4000-8000-00000000ad01"
TENANT_ID = "00000000-0000-4000-8000-0000000000de"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# Directory role template ids, as Microsoft Entra ID documents them (built-in roles).
ROLE_TEMPLATES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
}
# The roles that may consent to Microsoft Graph application permissions for the tenant.
CONSENT_ROLES = frozenset({"Global Administrator", "Privileged Role Administrator"})
# Cronofy's multi-tenant application, and the APIs whose application permissions it holds:
# Microsoft Graph's and Exchange Online's app role ids, as their service principals list them.
CRONOFY_APP_ID = "10bb7e5b-b80b-4e6e-a209-f78581dbc79e"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_ROLES = {
    "Calendars.ReadWrite": "ef54d2bf-783f-4e0f-bca1-3210c0444d99",
    "Places.Read.All": "913b9306-0ce1-42b8-9137-6a7df690a760",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
    "Calendars.Read": "798ee544-9d2d-430c-a058-570e29e34338",
}
EXCHANGE_ROLES = {"full_access_as_app": "dc890d15-9560-4a4c-9b7f-a736ec74ec40"}
# Object ids of the three service principals in this tenant.
SP_IDS = {CRONOFY_APP_ID: "5e000000-0000-4000-8000-00000000c0f1",
          GRAPH_APP_ID: "5e000000-0000-4000-8000-000000000003",
          EXCHANGE_APP_ID: "5e000000-0000-4000-8000-000000000002"}
# People in the directory beside the rooms (mailboxSettings.userPurpose = user).
PEOPLE = ("anna.schmidt", "jonas.weber")
# Seconds a token poll for a code not yet approved waits for the approval before it
# answers "authorization_pending" (msal then sleeps its one-second interval).
PENDING_HOLD = 2.0


@dataclass
class M365State:
    rooms: list[Room]
    section: dict[str, Any]
    device_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    id_tokens: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)  # grant_type of every token issued
    graph_requests: int = 0
    cronofy_linked: bool = False  # Cronofy's consent was granted through a link
    lock: threading.Lock = field(default_factory=threading.Lock)
    approval: threading.Condition = field(default_factory=threading.Condition)

    def roles(self) -> list[str]:
        """The directory roles the admin holds, by display name."""
        if self.section.get("not_admin"):
            return []
        return [str(r) for r in self.section.get("roles", ["Global Administrator"])]

    def _addresses(self, key: str) -> set[str]:
        return {_address(x).lower() for x in self.section.get(key, [])}

    def hidden(self, email: str) -> bool:
        return email.lower() in self._addresses("hidden")

    def on_premises(self, email: str) -> bool:
        return email.lower() in self._addresses("on_premises")

    def places(self) -> list[Room]:
        """The rooms Places lists: not those hidden from the address list."""
        return [r for r in self.rooms if not self.hidden(r.email)]

    def room_lists(self) -> list[tuple[str, list[Room]]]:
        configured = self.section.get("room_lists")
        if configured is None:
            return [(f"rooms@{DOMAIN}", self.places())]
        lists = []
        for entry in configured:
            members = entry.get("rooms", "all")
            rooms = self.places() if members == "all" else [
                r for r in self.places() if r.email in members]
            lists.append((str(entry["email"]), rooms))
        return lists

    def cronofy_present(self) -> bool:
        return bool(self.section.get("cronofy_consented")) or self.cronofy_linked

    def cronofy_assignments(self) -> list[tuple[str, str]]:
        """(resource app id, app role id) of every application permission Cronofy holds."""
        names = self.section.get("cronofy_permissions",
                                 ["Calendars.ReadWrite", "Places.Read.All", "User.Read.All",
                                  "Organization.Read.All"])
        held = [(GRAPH_APP_ID, GRAPH_ROLES[str(n)]) for n in names if str(n) in GRAPH_ROLES]
        if self.section.get("cronofy_ews"):
            held.append((EXCHANGE_APP_ID, EXCHANGE_ROLES["full_access_as_app"]))
        return held


@dataclass(frozen=True)
class LinkWorld:
    """What Cronofy meets when it links this tenant (wizard.sandbox.enterprise_connect)."""

    state: M365State

    def sign_in(self) -> Refusal | None:
        if CONSENT_ROLES & set(self.state.roles()):
            with self.state.lock:  # the admin consented: Cronofy's application is in
                self.state.cronofy_linked = True
            return None
        return Refusal("access_denied", f"AADSTS90094: admin consent is required; {ADMIN} "
                                        "holds no role that may grant it for the organisation.")

    def account(self) -> str:
        return ADMIN

    def resources(self, rooms: list[Room]) -> list[Room]:
        # Cronofy finds rooms through Places: a room hidden from the address list is not there.
        return [r for r in rooms if not self.state.hidden(r.email)]

    def readable(self, email: str) -> bool:
        return not self.state.on_premises(email) and email.lower() not in {
            str(x).lower() for x in self.state.section.get("calendar_denied", [])}


class Login:
    def __init__(self, state: M365State) -> None:
        self.state = state

    def openid(self, request: Request) -> Response:
        tenant = request.match["tenant"] if request.match else "common"
        base = f"https://127.0.0.1:{request.server.port}/{tenant}" if request.server else ""
        return Response.json({
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        })

    def devicecode(self, request: Request) -> Response:
        device_code = secrets.token_urlsafe(16)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        with self.state.lock:
            self.state.device_codes[device_code] = {
                "user_code": user_code, "approved": False, "expires": time.time() + 900,
                "scope": request.form().get("scope", "")}  # granted with the token
        port = request.server.port if request.server else 0
        uri = f"https://127.0.0.1:{port}/devicelogin"
        if extra := str(self.state.section.get("device_code_text", "")):
            user_code, uri = user_code + extra, uri + extra
        return Response.json({
            "device_code": device_code, "user_code": user_code, "verification_uri": uri,
            "expires_in": 900, "interval": 1,
            "message": f"To sign in, open {uri} and enter the code {user_code}.",
        })

    def approve(self, request: Request) -> Response:
        code = request.arg("user_code")
        with self.state.lock:
            entry = next((e for e in self.state.device_codes.values()
                          if e["user_code"] == code), None)
        if entry is None:
            return Response(404, "<h1>Unknown code</h1>", content_type="text/html")
        with self.state.approval:
            entry["approved"] = True
            self.state.approval.notify_all()
        return Response(200, "<h1>Signed in</h1>", content_type="text/html")

    def token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") == "refresh_token":
            return self._refresh(request, form)
        with self.state.lock:
            entry = self.state.device_codes.get(form.get("device_code", ""))
        if entry is None or entry["expires"] < time.time() or \
                self.state.section.get("expire_device_code"):
            return Response.json({"error": "expired_token"}, 400)
        if self.state.section.get("decline"):
            return Response.json({"error": "authorization_declined"}, 400)
        # Held a moment, as a busy server may be: msal polls at once, the demo's browser
        # approves a moment later — answered now, not after msal's next poll a second on.
        with self.state.approval:
            self.state.approval.wait_for(lambda: entry["approved"], PENDING_HOLD)
        if not entry["approved"]:
            return Response.json({"error": "authorization_pending"}, 400)
        return self._issue(request, {**form, "scope": entry["scope"]}, DEVICE_CODE_GRANT)

    def _refresh(self, request: Request, form: dict[str, str]) -> Response:
        with self.state.lock:
            known = form.get("refresh_token", "") in self.state.refresh_tokens
        if not known or self.state.section.get("refresh_revoked"):
            return Response.json({"error": "invalid_grant",
                                  "error_description": "AADSTS70008: refresh token expired"}, 400)
        return self._issue(request, form, "refresh_token", form["refresh_token"])

    def _issue(self, request: Request, form: dict[str, str], grant: str,
               refresh_token: str = "") -> Response:
        token = secrets.token_urlsafe(24)
        refresh_token = refresh_token or secrets.token_urlsafe(32)
        id_token = self._id_token(request, form.get("client_id", ""))
        with self.state.lock:
            self.state.tokens.add(token)
            self.state.refresh_tokens.add(refresh_token)
            self.state.id_tokens.add(id_token)
            self.state.grants.append(grant)
        client_info = {"uid": ADMIN_OID, "utid": TENANT_ID}
        return Response.json({
            "token_type": "Bearer", "access_token": token, "refresh_token": refresh_token,
            "expires_in": int(self.state.section.get("access_token_lifetime", 3600)),
            "scope": form.get("scope", ""), "id_token": id_token,
            "client_info": _b64(json.dumps(client_info).encode())})

    @staticmethod
    def _id_token(request: Request, client_id: str) -> str:
        """An unsigned ID token: msal decodes its claims (for the account) and checks nothing."""
        tenant = request.match["tenant"] if request.match else "common"
        port = request.server.port if request.server else 0
        now = int(time.time())
        claims = {"iss": f"https://127.0.0.1:{port}/{tenant}/v2.0", "sub": ADMIN_OID,
                  "aud": client_id, "iat": now, "nbf": now, "exp": now + 3600,
                  "oid": ADMIN_OID, "tid": TENANT_ID, "preferred_username": ADMIN,
                  "name": "Demo Admin"}
        header = {"alg": "none", "typ": "JWT"}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _address(entry: Any) -> str:
    """A room named in the scenario: its address, or a table ``{name, email}``."""
    return str(entry.get("email", "")) if isinstance(entry, dict) else str(entry)


def _with_hidden(rooms: list[Room], section: dict[str, Any]) -> list[Room]:
    """The rooms, and the hidden ones a replayed report names beyond them: its rooms are
    what Places listed, so a hidden room comes back from the warning's items."""
    known = {r.email.lower() for r in rooms}
    extra = [Room(str(e.get("name") or _address(e)) if isinstance(e, dict) else _address(e),
                  _address(e), "", 0)
             for e in section.get("hidden", []) if _address(e).lower() not in known]
    return [*rooms, *extra]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Graph:
    def __init__(self, state: M365State) -> None:
        self.state = state

    def _guard(self, request: Request) -> Response | None:
        token = request.header("authorization").removeprefix("Bearer ").strip()
        if token not in self.state.tokens or self.state.section.get("graph_unauthorized"):
            return Response.json({"error": {"code": "InvalidAuthenticationToken"}}, 401)
        with self.state.lock:
            self.state.graph_requests += 1
            throttled = self.state.graph_requests <= int(
                self.state.section.get("throttle_requests", 0))
        if throttled:
            return Response.json({"error": {"code": "TooManyRequests"}}, 429, **{
                "Retry-After": retry_after(self.state.section.get("retry_after"), request)})
        if self.state.section.get("malformed") and "/places/" in request.path:
            # What a TLS-inspecting proxy's error page looks like to a JSON client.
            return Response(200, "<html><body>Proxy error</body></html>",
                            content_type="text/html")
        return None

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        size = int(self.state.section.get("page_size", 100))
        skip = int(request.arg("$skip", "0") or 0)
        page = items[skip:skip + size]
        body: dict[str, Any] = {"value": page}
        if skip + size < len(items) and request.server is not None:
            body["@odata.nextLink"] = (f"{request.server.base_url}{request.path}"
                                       f"?$skip={skip + size}")
        return Response.json(body)

    def me(self, request: Request) -> Response:
        return self._guard(request) or Response.json(
            {"userPrincipalName": ADMIN, "displayName": "Demo Admin", "mail": ADMIN})

    def member_of(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        roles = [{"@odata.type": "#microsoft.graph.directoryRole", "displayName": name,
                  "roleTemplateId": ROLE_TEMPLATES.get(name, "")}
                 for name in self.state.roles()]
        return Response.json({"value": roles})

    @staticmethod
    def _room(room: Room) -> dict[str, Any]:
        return {"id": room.email, "emailAddress": room.email, "displayName": room.name,
                "building": room.building, "capacity": room.capacity}

    def rooms(self, request: Request) -> Response:
        return self._guard(request) or self._page(
            request, [self._room(r) for r in self.state.places()])

    def users(self, request: Request) -> Response:
        """The directory's users: the people, the admin, and every room's account."""
        if (denied := self._guard(request)) is not None:
            return denied
        people = [{"id": f"{p}@{DOMAIN}", "displayName": p.replace(".", " ").title(),
                   "mail": f"{p}@{DOMAIN}", "userPrincipalName": f"{p}@{DOMAIN}"}
                  for p in (ADMIN.split("@")[0], *PEOPLE)]
        rooms = [{"id": r.email, "displayName": r.name, "mail": r.email,
                  "userPrincipalName": r.email} for r in self.state.rooms]
        return self._page(request, people + rooms)

    @staticmethod
    def _not_in_exchange_online() -> Response:
        return Response.json({"error": {
            "code": "MailboxNotEnabledForRESTAPI",
            "message": "The mailbox is either inactive, soft-deleted, or is hosted on-premise."}},
            404)

    def mailbox_settings(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        user = unquote(request.match["user"]) if request.match else ""
        if self.state.section.get("mailbox_settings_denied"):
            return Response.json({"error": {"code": "ErrorAccessDenied",
                                            "message": "Access is denied."}}, 403)
        if self.state.on_premises(user):
            return self._not_in_exchange_online()
        room = any(r.email.lower() == user.lower() for r in self.state.rooms)
        return Response.json({"userPurpose": "room" if room else "user",
                              "timeZone": "W. Europe Standard Time"})

    def service_principal(self, request: Request) -> Response:
        """``/servicePrincipals(appId='…')`` and ``/servicePrincipals/{id}``."""
        if (denied := self._guard(request)) is not None:
            return denied
        wanted = unquote(request.match["key"]) if request.match else ""
        app_id = next((a for a, object_id in SP_IDS.items() if wanted in (a, object_id)), "")
        if not app_id or (app_id == CRONOFY_APP_ID and not self.state.cronofy_present()):
            return Response.json({"error": {
                "code": "Request_ResourceNotFound",
                "message": f"Resource '{wanted}' does not exist."}}, 404)
        roles = {GRAPH_APP_ID: GRAPH_ROLES, EXCHANGE_APP_ID: EXCHANGE_ROLES}.get(app_id, {})
        names = {CRONOFY_APP_ID: "Cronofy", GRAPH_APP_ID: "Microsoft Graph",
                 EXCHANGE_APP_ID: "Office 365 Exchange Online"}
        return Response.json({
            "id": SP_IDS[app_id], "appId": app_id, "displayName": names[app_id],
            "appRoles": [{"id": role_id, "value": value, "allowedMemberTypes": ["Application"],
                          "isEnabled": True} for value, role_id in roles.items()]})

    def app_role_assignments(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        object_id = unquote(request.match["id"]) if request.match else ""
        if object_id != SP_IDS[CRONOFY_APP_ID] or not self.state.cronofy_present():
            return Response.json({"error": {"code": "Request_ResourceNotFound"}}, 404)
        names = {GRAPH_APP_ID: "Microsoft Graph", EXCHANGE_APP_ID: "Office 365 Exchange Online"}
        return self._page(request, [
            {"id": f"assignment-{i}", "principalId": object_id, "principalDisplayName": "Cronofy",
             "resourceId": SP_IDS[resource], "resourceDisplayName": names[resource],
             "appRoleId": role_id}
            for i, (resource, role_id) in enumerate(self.state.cronofy_assignments())])

    def room_lists(self, request: Request) -> Response:
        return self._guard(request) or self._page(request, [
            {"id": email, "emailAddress": email, "displayName": email.split("@")[0].title()}
            for email, _rooms in self.state.room_lists()])

    def list_rooms(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        wanted = unquote(request.match["list"]) if request.match else ""
        for email, rooms in self.state.room_lists():
            if email == wanted:
                return self._page(request, [self._room(r) for r in rooms])
        return Response.json({"error": {"code": "ErrorItemNotFound"}}, 404)

    def calendar(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        user = unquote(request.match["user"]) if request.match else ""
        if self.state.on_premises(user):
            return self._not_in_exchange_online()
        if user in self.state.section.get("calendar_denied", []):
            return Response.json({"error": {"code": "ErrorAccessDenied",
                                            "message": "Access is denied."}}, 403)
        return Response.json({"id": f"cal-{user}", "name": "Calendar", "canEdit": True})


def start(sandbox: Any) -> Any:
    from wizard.sandbox import ServiceHandle

    section = sandbox.scenario.section("microsoft365")
    state = M365State(_with_hidden(list(sandbox.scenario.rooms), section), section)
    login, graph = Login(state), Graph(state)
    login_router = Router()
    login_router.add("GET", r"/(?P<tenant>[^/]+)/v2.0/.well-known/openid-configuration",
                     login.openid)
    login_router.add("POST", r"/(?P<tenant>[^/]+)/oauth2/v2.0/devicecode", login.devicecode)
    login_router.add("POST", r"/(?P<tenant>[^/]+)/oauth2/v2.0/token", login.token)
    login_router.add("GET", "/devicelogin", login.approve)
    graph_router = Router()
    graph_router.add("GET", "/v1.0/me", graph.me)
    graph_router.add("GET", "/v1.0/me/memberOf", graph.member_of)
    graph_router.add("GET", "/v1.0/places/microsoft.graph.room", graph.rooms)
    graph_router.add("GET", "/v1.0/places/microsoft.graph.roomlist", graph.room_lists)
    graph_router.add("GET", r"/v1.0/places/(?P<list>[^/]+)/microsoft.graph.roomlist/rooms",
                     graph.list_rooms)
    graph_router.add("GET", r"/v1.0/users/(?P<user>[^/]+)/calendar", graph.calendar)
    display_sandbox.add_routes(graph_router, graph, room_calendars.start(sandbox), ADMIN,
                               "Demo Admin")
    graph_router.add("GET", "/v1.0/users", graph.users)
    graph_router.add("GET", r"/v1.0/users/(?P<user>[^/]+)/mailboxSettings",
                     graph.mailbox_settings)
    graph_router.add("GET", r"/v1.0/servicePrincipals\(appId='(?P<key>[^']+)'\)",
                     graph.service_principal)
    graph_router.add("GET", r"/v1.0/servicePrincipals/(?P<key>[^/]+)", graph.service_principal)
    graph_router.add("GET", r"/v1.0/servicePrincipals/(?P<id>[^/]+)/appRoleAssignments",
                     graph.app_role_assignments)
    login_server = sandbox.serve(login_router, "microsoft365-login", tls=True)
    graph_server = sandbox.serve(graph_router, "microsoft365-graph", tls=True)
    return ServiceHandle(
        servers=[login_server, graph_server],
        endpoints={"ms_login_url": login_server.base_url, "graph_url": graph_server.base_url},
        demo_values={"microsoft365": {"tenant": DOMAIN}},
        state=state,
        enterprise_connect=LinkWorld(state),
    )


