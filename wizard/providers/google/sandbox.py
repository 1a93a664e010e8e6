"""A loopback Google: OAuth (PKCE) and the Admin SDK Directory calls the checks make.

The authorize page signs the demo administrator in and redirects to the
wizard's loopback address; the token endpoint verifies the PKCE verifier
(S256) and single-use codes. Scenario keys (``[google]``):
``not_super_admin`` (a delegated admin), ``api_disabled`` (403
accessNotConfigured), ``throttle_requests`` (first N API calls answer 429),
``retry_after`` (what those 429s carry: default ``"1"``, ``"http-date"`` for an
HTTP-date, anything else verbatim),
``revoked_refresh`` (refresh tokens are rejected: invalid_grant),
``page_size`` (default 100), ``non_room_resources`` (extra non-room resources),
``unauthorized`` (Directory calls answer 401: a revoked token), ``withheld_scopes``
(scopes the admin unticked on the consent screen), ``clock_skew_s`` (the
servers' Date header runs this many seconds ahead), ``marketplace_app`` (default
``true``: the organisation has installed Cronofy from the Marketplace, so a scripted
check against this sandbox confirms ``cronofy_app``; ``false``: it has not — nothing
confirms it, and Cronofy lists no resources).

The Cloud Identity Policy API (``/v1/policies``, CEL filter on ``setting.type``, paged;
only for a super administrator and a token granted its scope) holds a healthy
organisation's policies — Gmail restricted in the API controls, Calendar not — unless
``calendar_restricted`` (``true``: at the top organisational unit; a list: those units)
restricts Calendar too; ``cronofy_trusted`` (default ``true``) says whether Cronofy's
OAuth client is trusted there, which the API does not tell: a scripted check confirms
``api_controls`` only when it is. ``policy_api_disabled``: the Cloud Identity API answers
403 SERVICE_DISABLED. Roles (``roleassignments``, ``roles/ID``, with the role management
scope): a super administrator holds the super admin role; ``not_super_admin`` a help desk
role (Users › Read only); ``admin_role = "cronofy-custom"`` the two custom roles Cronofy
documents (Users › Read for the organisational unit "Rooms", Domain management for all),
also a delegated administrator.

Cronofy, linking Google Workspace, signs the administrator in (``LinkWorld``): a
delegated administrator without Cronofy's custom roles is refused, so is everyone while
Calendar is restricted and Cronofy not trusted (Google: admin_policy_enforced), and
without the Marketplace app Cronofy lists no resources.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from wizard.providers.google import display_sandbox
from wizard.sandbox.enterprise_connect import Refusal
from wizard.sandbox.rooms import DOMAIN, Room
from wizard.sandbox.server import Request, Response, Router, retry_after

ADMIN = f"admin@{DOMAIN}"
POLICY_SCOPE = "https://www.googleapis.com/auth/cloud-identity.policies.readonly"
ROLES_SCOPE = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
ADMIN_API = "00haapch16h1ysv"  # the Admin API's service id in role privileges
CUSTOMER = "customers/C03az79cb"
ROOT_UNIT = "orgUnits/03ph8a2z1root"
CLIENT_ID = "roomcal-sandbox.apps.googleusercontent.com"
CLIENT_SECRET = "sandbox-google-secret-not-real"  # the sandbox's, not a real secret


def client_config(auth_url: str, token_url: str) -> dict[str, Any]:
    """An "installed app" client configuration pointing at the sandbox."""
    return {"installed": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                          "auth_uri": auth_url, "token_uri": token_url,
                          "redirect_uris": ["http://127.0.0.1"]}}


@dataclass
class GoogleState:
    rooms: list[Room]
    section: dict[str, Any]
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued_codes: list[str] = field(default_factory=list)  # every code ever issued (leak tests)
    tokens: set[str] = field(default_factory=set)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> granted scope
    scopes: dict[str, str] = field(default_factory=dict)  # access token -> granted scope
    granted: set[str] = field(default_factory=set)  # what the admin ever consented to
    api_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class LinkWorld:
    """What Cronofy meets when it links this Workspace (wizard.sandbox.enterprise_connect)."""

    state: GoogleState

    def sign_in(self) -> Refusal | None:
        section = self.state.section
        if section.get("not_super_admin") and section.get("admin_role") != "cronofy-custom":
            return Refusal("access_denied", f"{ADMIN} is not a super administrator: only a "
                                            "super administrator can connect the organisation.")
        if section.get("calendar_restricted") and not section.get("cronofy_trusted", True):
            return Refusal("access_denied", "admin_policy_enforced: Calendar is restricted in "
                                            "the organisation's API controls and Cronofy is "
                                            "not a trusted app.")
        return None

    def account(self) -> str:
        return ADMIN

    def resources(self, rooms: list[Room]) -> list[Room]:
        return list(rooms) if self.state.section.get("marketplace_app", True) else []

    def readable(self, email: str) -> bool:
        return True


class Google:
    def __init__(self, state: GoogleState) -> None:
        self.state = state

    def authorize(self, request: Request) -> Response:
        redirect_uri = request.arg("redirect_uri")
        if urlsplit(redirect_uri).hostname not in ("127.0.0.1", "localhost"):
            return Response(400, "redirect_uri must be loopback", content_type="text/plain")
        params = {"state": request.arg("state")}
        if request.arg("client_id") != CLIENT_ID:
            params["error"] = "invalid_client"
        elif request.arg("code_challenge_method") != "S256" or not request.arg("code_challenge"):
            params["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(16)
            with self.state.lock:
                self.state.issued_codes.append(code)
                # Incremental consent (include_granted_scopes): the token also covers
                # what the admin granted this client before.
                scope = display_sandbox.requested_scope(self.state, request)
                self.state.codes[code] = {"challenge": request.arg("code_challenge"),
                                          "redirect_uri": redirect_uri, "scope": scope,
                                          "offline": request.arg("access_type") != "online"}
            params.update(code=code, scope=scope)
        return Response.redirect(f"{redirect_uri}?{urlencode(params)}")

    def token(self, request: Request) -> Response:
        form = request.form()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.header("authorization")
        if basic.lower().startswith("basic "):  # RFC 6749 2.3.1: either way is allowed
            client_id, _sep, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, client_secret = unquote(client_id), unquote(client_secret)
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return Response.json({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "refresh_token":
            if self.state.section.get("revoked_refresh") or \
                    form.get("refresh_token") not in self.state.refresh:
                return Response.json({"error": "invalid_grant",
                                      "error_description": "Token has been expired or revoked."},
                                     400)
            return Response.json(self._issue(scope=self.state.refresh[form["refresh_token"]],
                                             refresh=False))
        with self.state.lock:
            entry = self.state.codes.pop(form.get("code", ""), None)  # single use
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                             ).decode().rstrip("=")
        if entry is None or entry["challenge"] != challenge or \
                entry["redirect_uri"] != form.get("redirect_uri"):
            return Response.json({"error": "invalid_grant"}, 400)
        withheld = set(self.state.section.get("withheld_scopes", []))  # unticked at consent
        scope = " ".join(s for s in entry["scope"].split() if s not in withheld)
        with self.state.lock:
            self.state.granted.update(scope.split())
        return Response.json(self._issue(scope=scope, refresh=entry.get("offline", True)))

    def _issue(self, *, scope: str, refresh: bool) -> dict[str, Any]:
        access = "ya29." + secrets.token_urlsafe(24)
        data: dict[str, Any] = {"access_token": access, "expires_in": 3599,
                                "token_type": "Bearer", "scope": scope}
        with self.state.lock:
            self.state.tokens.add(access)
            self.state.scopes[access] = scope
            if refresh:
                data["refresh_token"] = "1//" + secrets.token_urlsafe(24)
                self.state.refresh[data["refresh_token"]] = scope
        return data

    def _guard(self, request: Request, *, directory: bool = True, scope: str = "",
               admin_sdk: bool = True) -> Response | None:
        """Directory (and other Google API) calls: the token, throttling, the Admin SDK
        switched off (``admin_sdk``: the call is one of its), the ``scope`` it needs."""
        token = request.header("authorization").removeprefix("Bearer ").strip()
        if token not in self.state.tokens or (directory and self.state.section.get("unauthorized")):
            return Response.json({"error": {"code": 401, "message": "Invalid Credentials"}}, 401)
        with self.state.lock:
            self.state.api_requests += 1
            throttled = self.state.api_requests <= int(
                self.state.section.get("throttle_requests", 0))
        if throttled:
            return Response.json({"error": {"code": 429, "message": "Rate Limit Exceeded"}},
                                 429, **{"Retry-After": retry_after(
                                     self.state.section.get("retry_after"), request)})
        if scope and scope not in self.state.scopes.get(token, "").split():
            return Response.json({"error": {
                "code": 403, "message": "Request had insufficient authentication scopes.",
                "status": "PERMISSION_DENIED", "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com"}]}},
                403)
        if directory and admin_sdk and self.state.section.get("api_disabled"):
            return Response.json({"error": {"code": 403, "errors": [
                {"reason": "accessNotConfigured", "message": "Admin SDK API has not been "
                 "used in project 1234 before or it is disabled."}]}}, 403)
        return None

    def userinfo(self, request: Request) -> Response:
        return self._guard(request, directory=False) or Response.json(
            {"email": ADMIN, "email_verified": True, "hd": DOMAIN})

    def user(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        key = unquote(request.match["user"]) if request.match else ""
        if key.lower() != ADMIN:
            return Response.json({"error": {"code": 404, "message": "Resource Not Found"}}, 404)
        delegated = not self._super_admin()
        return Response.json({"primaryEmail": ADMIN, "isAdmin": not delegated,
                              "isDelegatedAdmin": delegated})

    def _super_admin(self) -> bool:
        section = self.state.section
        return not (section.get("not_super_admin") or section.get("admin_role"))

    # -- roles ---------------------------------------------------------------------------
    def _roles(self) -> dict[str, dict[str, Any]]:
        def role(role_id: str, name: str, *privileges: str, **extra: Any) -> dict[str, Any]:
            return {"kind": "admin#directory#role", "roleId": role_id, "roleName": name,
                    "rolePrivileges": [{"privilegeName": p, "serviceId": ADMIN_API}
                                       for p in privileges], **extra}

        return {r["roleId"]: r for r in (
            role("9170516996784129", "_SEED_ADMIN_ROLE", "ADMIN_APIS_ALL", "USERS_RETRIEVE",
                 "DOMAIN_MANAGEMENT", isSystemRole=True, isSuperAdminRole=True),
            role("9170516996784130", "_HELP_DESK_ADMIN_ROLE", "USERS_RETRIEVE",
                 isSystemRole=True),
            role("9170516996784131", "Cronofy users read", "USERS_RETRIEVE"),
            role("9170516996784132", "Cronofy domain", "DOMAIN_MANAGEMENT"))}

    def _assignments(self) -> list[dict[str, Any]]:
        def assigned(n: int, role_id: str, unit: str = "") -> dict[str, Any]:
            scope = {"scopeType": "ORG_UNIT", "orgUnitId": unit} if unit else {
                "scopeType": "CUSTOMER"}
            return {"kind": "admin#directory#roleAssignment", "roleAssignmentId": str(n),
                    "roleId": role_id, "assignedTo": "100000000000000000001",
                    "assigneeType": "user", **scope}

        if self.state.section.get("admin_role") == "cronofy-custom":
            return [assigned(1, "9170516996784131", "03ph8a2z1rooms"),
                    assigned(2, "9170516996784132")]
        if self.state.section.get("not_super_admin"):
            return [assigned(1, "9170516996784130")]
        return [assigned(1, "9170516996784129")]

    def role_assignments(self, request: Request) -> Response:
        if (denied := self._guard(request, scope=ROLES_SCOPE)) is not None:
            return denied
        mine = request.arg("userKey").lower() in ("", ADMIN)
        return Response.json({"kind": "admin#directory#roleAssignments",
                              "items": self._assignments() if mine else []})

    def role(self, request: Request) -> Response:
        if (denied := self._guard(request, scope=ROLES_SCOPE)) is not None:
            return denied
        found = self._roles().get(unquote(request.match["role"]) if request.match else "")
        if found is None:
            return Response.json({"error": {"code": 404, "message": "Not Found"}}, 404)
        return Response.json(found)

    # -- the Cloud Identity Policy API -----------------------------------------------------
    def _policies(self) -> list[dict[str, Any]]:
        def policy(n: int, unit: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
            return {"name": f"policies/akajj264a{n:04d}", "customer": CUSTOMER,
                    "policyQuery": {"query": "entity.org_units.exists(org_unit, "
                                             f"org_unit.org_unit_id == orgUnitId('{unit}'))",
                                    "orgUnit": f"orgUnits/{unit}", "sortOrder": 1},
                    "setting": {"type": f"settings/{kind}", "value": value}, "type": "ADMIN"}

        root = ROOT_UNIT.removeprefix("orgUnits/")
        found = [
            policy(1, root, "security.less_secure_apps", {"allowLessSecureApps": False}),
            # A healthy organisation may restrict other services: only Calendar matters.
            policy(3, root, "api_controls.google_services",
                   {"services": [{"scopesGroup": "GMAIL", "isEnabled": False}]}),
        ]
        restricted = self.state.section.get("calendar_restricted", False)
        units = ([root] if restricted is True else
                 [f"03ph8a2z1{str(u).lower()}" for u in restricted] if restricted else [])
        found += [policy(10 + i, unit, "api_controls.google_services",
                         {"services": [{"scopesGroup": "CALENDAR", "isEnabled": False}]})
                  for i, unit in enumerate(units)]
        return found

    def policies(self, request: Request) -> Response:
        if (denied := self._guard(request, scope=POLICY_SCOPE, admin_sdk=False)) is not None:
            return denied
        if self.state.section.get("policy_api_disabled"):
            return Response.json({"error": {
                "code": 403, "message": "Cloud Identity API has not been used in project 1234 "
                "before or it is disabled.", "status": "PERMISSION_DENIED", "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED", "domain": "googleapis.com",
                    "metadata": {"service": "cloudidentity.googleapis.com"}}]}}, 403)
        if not self._super_admin():  # "Only a super administrator can use" it
            return Response.json({"error": {"code": 403, "message": "The caller does not have "
                                            "permission", "status": "PERMISSION_DENIED"}}, 403)
        wanted = re.search(r"setting\.type\.matches\('(.*?)'\)", request.arg("filter"))
        if request.arg("filter") and wanted is None:
            return Response.json({"error": {"code": 400, "message": "Invalid filter",
                                            "status": "INVALID_ARGUMENT"}}, 400)
        found = [p for p in self._policies()
                 if wanted is None or re.search(wanted.group(1), p["setting"]["type"])]
        size = min(int(request.arg("pageSize", "50") or 50), 100)
        start = int(request.arg("pageToken", "0") or 0)
        body: dict[str, Any] = {"policies": found[start:start + size]}
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return Response.json(body)

    def calendars(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        resources = [{"kind": "admin#directory#resources#calendars#CalendarResource",
                      "resourceId": f"r{i:05d}", "resourceName": r.name,
                      "resourceEmail": r.email, "resourceCategory": "CONFERENCE_ROOM",
                      "buildingId": r.building, "capacity": r.capacity}
                     for i, r in enumerate(self.state.rooms)]
        for i in range(int(self.state.section.get("non_room_resources", 0))):
            resources.append({"resourceId": f"o{i}", "resourceName": f"Beamer {i}",
                              "resourceEmail": f"beamer{i}@{DOMAIN}",
                              "resourceCategory": "OTHER"})
        size = min(int(request.arg("maxResults", "100") or 100),
                   int(self.state.section.get("page_size", 100)), 500)
        start = int(request.arg("pageToken", "0") or 0)
        body: dict[str, Any] = {"items": resources[start:start + size]}
        if start + size < len(resources):
            body["nextPageToken"] = str(start + size)
        return Response.json(body)


def start(sandbox: Any) -> Any:
    from wizard.sandbox import ServiceHandle

    state = GoogleState(sandbox.scenario.rooms, sandbox.scenario.section("google"))
    google = Google(state)
    router = Router()
    router.add("GET", "/o/oauth2/auth", google.authorize)
    router.add("POST", "/token", google.token)
    router.add("GET", "/oauth2/v3/userinfo", google.userinfo)
    router.add("GET", r"/admin/directory/v1/users/(?P<user>[^/]+)", google.user)
    router.add("GET", "/admin/directory/v1/customer/my_customer/resources/calendars",
               google.calendars)
    display_sandbox.add_routes(router, google, display_sandbox.calendars_for(sandbox), ADMIN,
                               "Demo Admin")
    router.add("GET", "/admin/directory/v1/customer/my_customer/roleassignments",
               google.role_assignments)
    router.add("GET", r"/admin/directory/v1/customer/my_customer/roles/(?P<role>[^/]+)",
               google.role)
    router.add("GET", "/v1/policies", google.policies)
    server = sandbox.serve(router, "google", tls=True)
    return ServiceHandle(
        servers=[server],
        endpoints={"google_auth_url": f"{server.base_url}/o/oauth2/auth",
                   "google_token_url": f"{server.base_url}/token",
                   "google_api_url": server.base_url,
                   "google_policy_url": server.base_url},
        demo_values={"google": {"port": "0", "admin_email": ADMIN}},
        # The scenario's organisation has installed Cronofy from the Marketplace, unless it
        # says `marketplace_app = false` (a replayed report whose admin had not confirmed it).
        # Likewise Cronofy is trusted in the API controls unless `cronofy_trusted = false`.
        demo_confirmations={"google": frozenset(
            {"cronofy_app"} if state.section.get("marketplace_app", True) else set()) | (
            {"api_controls"} if state.section.get("cronofy_trusted", True) else set())},
        # The demo's OAuth client ("Desktop app" JSON), as an admin would download it.
        demo_secrets={"google": {"client_config": json.dumps(client_config(
            f"{server.base_url}/o/oauth2/auth", f"{server.base_url}/token"))}},
        state=state,
        enterprise_connect=LinkWorld(state),
    )


