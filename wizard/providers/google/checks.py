"""Google Workspace: the help page's "Google Kalender" list, checked live.

Sign-in is made for jump hosts: google-auth-oauthlib with PKCE, the redirect
received on a fixed loopback port (forward it with ``ssh -L``) or pasted
back from the browser's address bar. The refresh token goes to the keyring
(memory when there is none), so a re-check does not need the browser again.
The Marketplace install of the Cronofy app cannot be read with the admin's
token: it is a confirmation with its own terms toggle, proven in step 2 when
Cronofy lists the rooms.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from wizard.connect.oauth_loopback import RedirectServer
from wizard.core import clients, redact
from wizard.core.addresses import valid_address
from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import (
    CheckContext,
    CheckResult,
    CheckSpec,
    Confirmation,
    Field,
    Msg,
    ProviderPlugin,
    Status,
    SubResult,
)
from wizard.core.progress import Throttle
from wizard.providers.google import vantage
from wizard.providers.google.display import CALENDAR_SCOPE
from wizard.providers.google.display import CHECKS as DISPLAY_CHECKS
from wizard.providers.google.display import SENDER as BOOKING_SENDER

if TYPE_CHECKING:
    import httpx

SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly",
    CALENDAR_SCOPE,  # the rooms' events: what their panels will show (room_display)
    # Asked for, not required (not in SCOPE_NAMES): without them api_controls says it
    # could not read the API controls, and super_admin cannot see a custom role.
    vantage.POLICY_SCOPE,
    vantage.ROLES_SCOPE,
]
REFRESH_KEY = "google.refresh_token"
CLIENT_KEY = "google.client_config"  # the OAuth client JSON, once read from a file
SIGN_IN_TIMEOUT = 15 * 60
MAX_CLOCK_SKEW = 300  # seconds; beyond this, tokens look expired or not yet valid
SCOPE_NAMES = {
    SCOPES[2]: N_("read users (to check the administrator role)"),
    SCOPES[3]: N_("read calendar resources (the rooms)"),
}


def _valid_port(value: str) -> Msg | None:
    try:
        port = int(value)
    except ValueError:
        port = -1
    return None if port == 0 or 1024 <= port <= 65535 else Msg(
        N_("Enter a port between 1024 and 65535."))


def _client_config(ctx: CheckContext) -> dict[str, Any]:
    """The OAuth client: a file (form or env), else the demo's, else the keyring's.

    A file that was read once is kept in the keyring, so the next run (or the
    next session on the jump host) does not need it lying around.
    """
    path = ctx.values.get("client_secrets") or ctx.settings.google_client_secrets
    store, profile = _store(ctx), _profile(ctx)
    remembered = store.get(profile, CLIENT_KEY) if store is not None and not path else None
    if path:
        try:
            from wizard.core.files import read_user_text

            # Bounded and regular files only: a FIFO named here would hang the check.
            config = json.loads(read_user_text(os.path.expanduser(path), limit=1024 * 1024))
            if not isinstance(config, dict) or not (config.get("installed") or
                                                    config.get("web")):
                raise ValueError("not an OAuth client file")
        except (OSError, ValueError, RecursionError):
            raise UserFacingError(
                Msg(N_("The client secrets file {path} cannot be read."), path=path),
                Msg(N_("Download the OAuth client (type \"Desktop app\") as JSON from the "
                       "Google Cloud console.")), code="google.client_unreadable") from None
        if store is not None:
            store.set(profile, CLIENT_KEY, json.dumps(config))
    elif demo := ctx.secrets.get("client_config"):  # the demo environment's own client
        config = json.loads(demo)
    elif remembered:
        config = json.loads(remembered)
    else:
        raise UserFacingError(
            Msg(N_("No Google OAuth client is configured.")),
            Msg(N_("Pass --client-secrets FILE or set ROOMCAL_GOOGLE_CLIENT_SECRETS (the "
                   "\"Desktop app\" client JSON).")), code="google.no_client")
    section = config.get("installed") or config.get("web") or {}
    # Endpoint overrides (proxies, test tenants) win over the file's.
    section["auth_uri"] = ctx.endpoints.google_auth_url
    section["token_uri"] = ctx.endpoints.google_token_url
    redact.register(section.get("client_secret"))
    return {"installed": section}


def http(ctx: CheckContext) -> httpx.Client:
    """The run's client for Google: its connections kept alive (wizard.core.clients)."""
    return clients.client(ctx, ctx.endpoints.ca_bundle)


def _store(ctx: CheckContext) -> Any:
    return ctx.shared.get("secret_store")


def _profile(ctx: CheckContext) -> str:
    """The profile whose keyring entries (refresh token, client) this run uses."""
    return str(ctx.shared.get("profile", "default"))


def _refresh(ctx: CheckContext, config: dict[str, Any], refresh_token: str
             ) -> tuple[str | None, Msg | None]:
    """(access token, None) — or (None, why a fresh sign-in is needed)."""
    section = config["installed"]
    response = http(ctx).post(section["token_uri"], data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": section["client_id"], "client_secret": section["client_secret"]})
    if response.status_code != 200:  # invalid_grant: expired, revoked, password changed
        if abs(_clock_skew(response)) > MAX_CLOCK_SKEW:
            return None, Msg(N_("Google refused the stored sign-in, and this machine's clock "
                                "is off by more than five minutes: synchronise it "
                                "(timedatectl set-ntp true). Signed in again."))
        return None, Msg(N_("The stored sign-in had expired or was revoked; signed in again."))
    token = response.json()
    redact.register(token.get("access_token"))
    granted = set(str(token.get("scope", " ".join(SCOPES))).split())
    if not set(SCOPES) <= granted:  # roomcal asks for more than this token was granted
        return None, Msg(N_("roomcal now needs permissions the stored sign-in lacks; signed "
                            "in again to grant them."))
    return str(token["access_token"]), None


def _interactive(ctx: CheckContext, config: dict[str, Any]) -> tuple[str, str]:
    from google_auth_oauthlib.flow import Flow

    flow = Flow.from_client_config(config, scopes=SCOPES, autogenerate_code_verifier=True)
    # Ours, not oauthlib's: the loopback server must know it before the browser arrives.
    state = secrets.token_urlsafe(24)
    with RedirectServer(port=int(ctx.values.get("port") or 0), state=state) as server:
        flow.redirect_uri = server.redirect_uri
        extra = {"login_hint": ctx.values["admin_email"]} if ctx.values.get("admin_email") \
            else {}
        url, _state = flow.authorization_url(state=state, access_type="offline",
                                             prompt="consent", **extra)
        pasted = ctx.interaction.begin_sign_in(SignInRequest(
            service="google", url=url, port=server.port,
            title=Msg(N_("Google (administrator account)")),
            message=Msg(N_("Sign in with the Google administrator account of the "
                           "organisation."))))
        try:
            redirect = server.wait(pasted=pasted, cancel=ctx.cancel, timeout=SIGN_IN_TIMEOUT,
                                   interaction=ctx.interaction)
        finally:
            ctx.interaction.end_sign_in()
    redact.register(redirect.code)
    bundle = ctx.endpoints.ca_bundle
    # The code (not the http:// redirect URL) goes in: oauthlib insists on https URLs, and
    # the state was verified already. Same flow object: the PKCE verifier is in it.
    try:
        token = flow.fetch_token(code=redirect.code, verify=bundle or True)
    except Warning as changed:  # oauthlib: "Scope has changed"; the token is attached
        token = changed.token  # type: ignore[attr-defined]
    redact.register(token.get("access_token"))
    redact.register(token.get("refresh_token"))
    _require_scopes(token.get("scope"))
    return str(token["access_token"]), str(token.get("refresh_token") or "")


def _require_scopes(granted: Any) -> None:
    """Google's consent screen lets the admin untick permissions: name what is missing."""
    if granted is None:  # not reported: Google granted what was asked
        return
    have = set(granted.split() if isinstance(granted, str) else granted)
    missing = [s for s in SCOPES if s in SCOPE_NAMES and s not in have]
    if missing:
        raise UserFacingError(
            Msg(N_("The sign-in did not grant every permission roomcal asked for; missing: "
                   "{missing}."), missing=", ".join(str(Msg(SCOPE_NAMES[s])) for s in missing)),
            Msg(N_("Re-check and leave every permission ticked on Google's consent "
                   "screen.")), code="google.scopes_withheld")


def _clock_skew(response: Any) -> float:
    """Seconds between Google's clock (the Date header) and ours; 0 when unknown."""
    from email.utils import parsedate_to_datetime

    try:
        date: str = response.headers["date"]  # typed: an Any argument matches both overloads
        theirs = parsedate_to_datetime(date).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0
    return time.time() - theirs


def check_sign_in(ctx: CheckContext) -> CheckResult:
    config = _client_config(ctx)
    store, profile = _store(ctx), _profile(ctx)
    access = None
    note = None
    stored = store.get(profile, REFRESH_KEY) if store is not None else None
    if stored:
        access, note = _refresh(ctx, config, stored)
        if access is None:  # expired, revoked or other scopes: start over, say so
            store.delete(profile, REFRESH_KEY)
    if access is None:
        access, refresh = _interactive(ctx, config)
        if refresh and store is not None:
            store.set(profile, REFRESH_KEY, refresh)
            if not store.persistent:
                note = Msg(N_("No keyring on this machine: the sign-in is kept in memory for "
                              "this session only."))
    with ctx.lock:
        ctx.shared["google.token"] = access
    info = _api(ctx, "/oauth2/v3/userinfo")
    email = str(info.json().get("email", "")) if info.status_code == 200 else ""
    with ctx.lock:
        ctx.shared["google.email"] = email
    detail = Msg(N_("Signed in as {email}."), email=email or "?")
    skew = _clock_skew(info)
    if abs(skew) > MAX_CLOCK_SKEW:
        return CheckResult(
            "sign_in", Status.WARN, detail,
            Msg(N_("This machine's clock is {minutes} minutes off Google's: tokens will look "
                   "expired or not yet valid. Synchronise the clock (timedatectl set-ntp true) "
                   "and re-check."), minutes=round(abs(skew) / 60)), code="google.clock_skew")
    return CheckResult("sign_in", Status.PASS, detail, note or "")


def _api(ctx: CheckContext, path: str, *, base: str = "", **params: Any) -> Any:
    """GET ``path`` of the Admin SDK (or of ``base``: another Google API) as the admin."""
    from wizard.core.retry import Backoff, send_retrying

    headers = {"Authorization": f"Bearer {ctx.shared.get('google.token', '')}"}
    url = f"{base or ctx.endpoints.google_api_url}{path}"
    client = http(ctx)
    response = send_retrying(lambda: client.get(url, params=params, headers=headers),
                             Backoff(ctx.cancel))
    if response.status_code == 401 and (store := _store(ctx)) is not None:
        # The token was revoked: the next re-check must sign in afresh.
        store.delete(_profile(ctx), REFRESH_KEY)
    return response


def _failure(check_id: str, response: Any) -> CheckResult:
    try:
        error = response.json().get("error", {})
        reasons = {e.get("reason") for e in error.get("errors", [])} if isinstance(
            error, dict) else set()
    except ValueError:
        reasons = set()
    if "accessNotConfigured" in reasons:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("The Admin SDK API is not enabled in the Google Cloud project "
                                  "of this OAuth client.")),
                           Msg(N_("Google Cloud console → APIs & Services → Library → \"Admin "
                                  "SDK API\" → Enable; then re-check.")),
                           code="google.admin_api_disabled")
    if response.status_code == 401:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Google rejected the sign-in (HTTP 401).")),
                           Msg(N_("Re-check to sign in again.")), code="google.unauthorized")
    if response.status_code == 429:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Google kept rate-limiting the requests (HTTP 429).")),
                           Msg(N_("Wait a minute, then re-check.")), code="google.throttled")
    return CheckResult(check_id, Status.FAIL,
                       Msg(N_("Google answered HTTP {status}."), status=response.status_code),
                       Msg(N_("Re-check; if it persists, write a report with “roomcal report -o "
                              "roomcal-report.json” and send the file to the support of your "
                              "meeting-room product's vendor.")), code="google.http_error")


def check_admin_api(ctx: CheckContext) -> CheckResult:
    response = _api(ctx, "/admin/directory/v1/customer/my_customer/resources/calendars",
                    maxResults=1)
    if response.status_code != 200:
        return _failure("admin_api", response)
    return CheckResult("admin_api", Status.PASS,
                       Msg(N_("The Admin SDK Directory API answers.")))


def check_super_admin(ctx: CheckContext) -> CheckResult:
    email = str(ctx.shared.get("google.email", ""))
    response = _api(ctx, f"/admin/directory/v1/users/{quote(email)}")
    if response.status_code != 200:
        return _failure("super_admin", response)
    user = response.json()
    if user.get("isAdmin"):
        return CheckResult("super_admin", Status.PASS,
                           Msg(N_("{email} is a super administrator."), email=email))
    if user.get("isDelegatedAdmin"):
        if (custom := vantage.cronofy_roles(ctx, email)) is not None:
            return custom
        code = "google.delegated_admin"
        detail = Msg(N_("{email} is only a delegated administrator."), email=email)
    else:
        code = "google.not_admin"
        detail = Msg(N_("{email} is not an administrator."), email=email)
    return CheckResult("super_admin", Status.FAIL, detail,
                       Msg(N_("The Cronofy app does not install properly for users who are not "
                              "(super) administrators: sign in with a super administrator.")),
                       code=code)


def check_rooms(ctx: CheckContext) -> CheckResult:
    rooms: list[dict[str, Any]] = []
    token = ""
    throttle = Throttle()
    while True:
        params: dict[str, Any] = {"maxResults": 500}
        if token:
            params["pageToken"] = token
        response = _api(ctx, "/admin/directory/v1/customer/my_customer/resources/calendars",
                        **params)
        if response.status_code != 200:
            return _failure("rooms", response)
        data = response.json()
        rooms.extend(r for r in data.get("items", [])
                     if r.get("resourceCategory", "CONFERENCE_ROOM") == "CONFERENCE_ROOM")
        token = data.get("nextPageToken", "")
        if not token or ctx.cancel.is_set():
            break
        if throttle.due():
            ctx.report_progress(CheckResult("rooms", Status.CHECKING, Msg(
                N_("{count} conference rooms read…"), count=len(rooms))))
    if not rooms:
        return CheckResult("rooms", Status.WARN,
                           Msg(N_("The organisation has no conference-room resources yet.")),
                           Msg(N_("Admin console → Directory → Buildings and resources → "
                                  "Resources: add the conference rooms.")), code="google.no_rooms")
    items = tuple(SubResult(str(r.get("resourceName", "")), Status.PASS,
                            Msg(N_("{building}, {capacity} seats"),
                                building=r.get("buildingId", "-"),
                                capacity=r.get("capacity", "?")),
                            str(r.get("resourceEmail", "")))
                  for r in rooms)
    with ctx.lock:  # the rooms room_display reads (wizard/providers/google/display.py)
        ctx.shared["google.rooms"] = [(i.name, i.key) for i in items]
    return CheckResult("rooms", Status.PASS,
                       Msg(N_("{count} conference rooms found."), count=len(rooms)),
                       items=items)


def check_cronofy_app(ctx: CheckContext) -> CheckResult:
    if "cronofy_app" in ctx.confirmations:
        return CheckResult("cronofy_app", Status.PASS,
                           Msg(N_("Confirmed; step 2 proves it when Cronofy lists the rooms.")))
    return CheckResult(
        "cronofy_app", Status.MANUAL,
        Msg(N_("Cannot be read with the administrator's sign-in: a person confirms it.")),
        Msg(N_("Google Workspace Marketplace → Cronofy → \"Install app\" (top right) → choose "
               "the administrator account → accept the terms of use and privacy policy → wait "
               "for \"Cronofy was installed!\".")), code="google.marketplace_unconfirmed")


PLUGIN = ProviderPlugin(
    name="google",
    test_booking_sender=BOOKING_SENDER,
    fields=(
        Field("client_secrets", N_("OAuth client JSON"), kind="path", required=False),
        Field("port", N_("Loopback port"), default="8750", validate=_valid_port, local=True),
        Field("admin_email", N_("Administrator"), kind="email", required=False,
              validate=valid_address),
    ),
    checks=(
        CheckSpec("sign_in", N_("Administrator signs in"), check_sign_in,
                  inputs=("client_secrets", "port", "admin_email"), timeout=SIGN_IN_TIMEOUT,
                  help=N_("Choose the Google account to continue with: it needs administrator "
                          "access to the organisation.")),
        CheckSpec("admin_api", N_("Admin SDK API enabled"), check_admin_api,
                  needs=("sign_in",)),
        CheckSpec("super_admin", N_("Account is a super administrator"), check_super_admin,
                  needs=("admin_api",)),
        CheckSpec("rooms", N_("Conference rooms exist"), check_rooms, needs=("admin_api",),
                  timeout=300),
        CheckSpec("cronofy_app", N_("Cronofy app installed from the Marketplace"),
                  check_cronofy_app,
                  confirmation=Confirmation(
                      N_("I installed the Cronofy app and accepted its terms of use and "
                         "privacy policy"),
                      N_("After \"Cronofy was installed!\" appears, come back here.")),
                  help=N_("Install the Cronofy app for Google Apps from the Google Workspace "
                          "Marketplace.")),
        CheckSpec("api_controls", N_("API controls let Cronofy reach Calendar"),
                  vantage.check_api_controls, needs=("super_admin",),
                  confirmation=Confirmation(
                      N_("If Calendar is Restricted in the API controls: Cronofy (OAuth client "
                         "902414518019) is Trusted there"),
                      N_("Only asked when the check finds Calendar restricted.")),
                  help=N_("Apps that are not trusted lose access to a restricted Calendar.")),
        *DISPLAY_CHECKS,
    ),
    sign_in=N_("You will sign in with the Google administrator account of the organisation."),
    step2_proof=N_("Cronofy lists {count} room calendars, so the Cronofy app is installed "
                   "(step 1's confirmation is proven)."),
    missing_rooms_hint=N_("Rooms Cronofy cannot see usually mean the Cronofy app is not "
                          "installed for the whole organisation."),
    # Google's Marketplace install cannot be read with the admin's token: Cronofy
    # listing room calendars proves it.
    proven_by_link=(("cronofy_app", N_("Proven in step 2: Cronofy lists {count} room "
                                       "calendars, so the Cronofy app is installed.")),
                    # Cronofy's sign-in asks for Calendar: restricted and untrusted, it fails.
                    ("api_controls", N_("Proven in step 2: Cronofy signed in with access to "
                                        "Calendar and lists {count} room calendars."))),
    stored_secrets=(REFRESH_KEY, CLIENT_KEY),
)
