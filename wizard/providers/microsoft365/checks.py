"""Microsoft 365: the Graph prerequisites of Cronofy's admin-consent connection.

The help page's path (EWS + ApplicationImpersonation) no longer exists in
Exchange Online: Microsoft removed the ApplicationImpersonation role in
February 2025 and blocks EWS from October 2026. Cronofy connects Microsoft
365 through Microsoft Graph with tenant-wide admin consent, so these checks
sign an administrator in with a device code (works over SSH: no local
browser) and look at what that connection will need.
"""

from __future__ import annotations

import re
import ssl
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from wizard.core import redact
from wizard.core.files import valid_ca_bundle
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import (
    CheckContext,
    CheckResult,
    CheckSpec,
    Field,
    Msg,
    ProviderPlugin,
    Status,
    SubResult,
)

# Microsoft Graph Command Line Tools: a public client Microsoft provides for device-code
# sign-ins; override with --client-id for an app registration of your own.
DEFAULT_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
SCOPES = ["User.Read", "Place.Read.All", "Calendars.Read", "Directory.Read.All"]
CONSENT_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
}
CALENDAR_CONCURRENCY = 8
TENANT = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^[0-9a-fA-F-]{36}$")
NOTICE = N_(
    "The help page's path for Office 365 (EWS with ApplicationImpersonation) no longer exists "
    "in Exchange Online: Microsoft removed ApplicationImpersonation in February 2025 and "
    "blocks EWS from October 2026. Cronofy connects Microsoft 365 through Microsoft Graph "
    "with admin consent; these checks cover what that needs."
)


def _valid_tenant(value: str) -> Msg | None:
    return None if TENANT.match(value) else Msg(N_("Enter the tenant's domain (contoso.com) "
                                                    "or its ID (a GUID)."))


def _verify(ctx: CheckContext) -> ssl.SSLContext | bool:
    bundle = ctx.values.get("ca_bundle") or ctx.endpoints.ca_bundle
    return ssl.create_default_context(cafile=bundle) if bundle else True


def _graph(ctx: CheckContext, path: str) -> Any:
    """GET a Graph path (following @odata.nextLink); 429s wait within one budget per call."""
    import httpx

    from wizard.core.retry import Backoff, send_retrying

    token = ctx.shared.get("m365.token")
    if not token:
        raise RuntimeError("not signed in")
    url = f"{ctx.endpoints.graph_url}/v1.0{path}"
    values: list[Any] = []
    backoff = Backoff(ctx.cancel)  # one budget for every page of this call
    with httpx.Client(verify=_verify(ctx), timeout=30.0,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        while url:
            response = send_retrying(partial(client.get, url), backoff)
            if response.status_code >= 400:
                return response
            try:
                data = response.json()
                if not isinstance(data, dict):  # Graph always answers with an object
                    raise ValueError("not a Graph response")
            except ValueError:
                from wizard.core.errors import UserFacingError

                raise UserFacingError(
                    Msg(N_("Microsoft Graph answered with something that is not JSON (HTTP "
                           "{status}): a proxy may be rewriting the traffic."),
                        status=response.status_code),
                    Msg(N_("Let graph.microsoft.com through the proxy unchanged, then "
                           "re-check.")), code="microsoft365.graph_not_json",
                ) from None
            if "value" not in data:
                return data
            values.extend(data["value"])
            url = data.get("@odata.nextLink", "")
    return values


def _http_failure(check_id: str, response: Any) -> CheckResult:
    status = response.status_code
    if status == 429:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Microsoft Graph kept throttling the requests (HTTP 429).")),
                           Msg(N_("Wait a minute, then re-check.")),
                           code="microsoft365.graph_throttled")
    if status in (401, 403):
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Microsoft Graph refused access (HTTP {status})."),
                               status=status),
                           Msg(N_("Sign in again with an administrator and consent to the "
                                  "requested permissions.")), code="microsoft365.graph_refused")
    return CheckResult(check_id, Status.FAIL,
                       Msg(N_("Microsoft Graph answered HTTP {status}."), status=status),
                       Msg(N_("Re-check; if it persists, send `roomcal report` to "
                              "support.")), code="microsoft365.graph_error")


def _http_client(ctx: CheckContext) -> Any:
    """A requests session that passes the CA bundle on every request.

    requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a Session's
    ``verify`` (requests#3829); a per-request ``verify`` wins, so an explicit
    --ca-bundle is honoured whatever the jump host's environment says.
    """
    import requests

    bundle = ctx.values.get("ca_bundle") or ctx.endpoints.ca_bundle

    class BundleSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            if bundle:
                kwargs["verify"] = bundle
            kwargs.setdefault("timeout", 30)
            return super().request(*args, **kwargs)

    return BundleSession()


def check_sign_in(ctx: CheckContext) -> CheckResult:
    import msal
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

    tenant = ctx.values["tenant"]
    # Only Microsoft's own hosts are validated (msal knows them without asking anyone);
    # any other login URL — a proxy, a test tenant, the sandbox — is used as given,
    # or msal would ask the public cloud's instance discovery about it first.
    known = urlsplit(ctx.endpoints.ms_login_url).hostname in WELL_KNOWN_AUTHORITY_HOSTS
    app = msal.PublicClientApplication(
        ctx.values.get("client_id") or DEFAULT_CLIENT_ID,
        authority=f"{ctx.endpoints.ms_login_url}/{tenant}",
        validate_authority=known,
        instance_discovery=known,
        http_client=_http_client(ctx),
    )
    flow = app.initiate_device_flow(scopes=SCOPES)
    if "user_code" not in flow:
        return CheckResult("sign_in", Status.FAIL,
                           Msg(N_("Microsoft did not start a device-code sign-in ({error})."),
                               error=str(flow.get("error", "?"))),
                           Msg(N_("Check the tenant and the client id.")),
                           code="microsoft365.device_flow_refused")
    ctx.interaction.begin_sign_in(SignInRequest(
        service="microsoft365", url=flow["verification_uri"], user_code=flow["user_code"],
        message=Msg(N_("Sign in with a Microsoft 365 administrator account.")),
        accepts_paste=False, expires_at=flow.get("expires_at")))
    try:
        result = app.acquire_token_by_device_flow(
            flow, exit_condition=lambda _flow: ctx.cancel.is_set())
    finally:
        ctx.interaction.end_sign_in()
    if "access_token" not in result:
        error = str(result.get("error", ""))
        remedy = Msg(N_("Re-check to get a new code and sign in within 15 minutes."))
        code = "microsoft365.sign_in_incomplete"
        if error == "authorization_declined":
            code = "microsoft365.sign_in_declined"
            sentence = Msg(N_("The sign-in was declined."))
            remedy = Msg(N_("Re-check and approve the sign-in with an administrator "
                            "account on Microsoft's page."))
        elif error == "expired_token":
            code = "microsoft365.sign_in_expired"
            sentence = Msg(N_("The sign-in code expired before it was used."))
        else:
            sentence = Msg(N_("The sign-in did not complete ({error})."), error=error or "-")
        return CheckResult("sign_in", Status.FAIL, sentence, remedy, code=code)
    redact.register(result["access_token"])
    with ctx.lock:
        ctx.shared["m365.token"] = result["access_token"]
    me = _graph(ctx, "/me")
    if not isinstance(me, dict):
        return _http_failure("sign_in", me)
    account = str(me.get("userPrincipalName", ""))
    with ctx.lock:
        ctx.shared["m365.account"] = account
    return CheckResult("sign_in", Status.PASS,
                       Msg(N_("Signed in as {account}."), account=account or "?"))


def check_admin_role(ctx: CheckContext) -> CheckResult:
    roles = _graph(ctx, "/me/memberOf")
    if not isinstance(roles, list):
        return _http_failure("admin_role", roles)
    held = [CONSENT_ROLES[r["roleTemplateId"]] for r in roles
            if r.get("roleTemplateId") in CONSENT_ROLES]
    if not held:
        return CheckResult(
            "admin_role", Status.FAIL,
            Msg(N_("{account} holds no role that may grant tenant-wide admin consent."),
                account=ctx.shared.get("m365.account", "?")),
            Msg(N_("Sign in as a Global Administrator, Privileged Role Administrator, Cloud "
                   "Application Administrator or Application Administrator.")),
            code="microsoft365.no_consent_role")
    return CheckResult("admin_role", Status.PASS,
                       Msg(N_("May grant admin consent as {roles}."), roles=", ".join(held)))


def check_rooms(ctx: CheckContext) -> CheckResult:
    rooms = _graph(ctx, "/places/microsoft.graph.room")
    if not isinstance(rooms, list):
        return _http_failure("rooms", rooms)
    with ctx.lock:
        ctx.shared["m365.rooms"] = rooms
    if not rooms:
        return CheckResult("rooms", Status.FAIL,
                           Msg(N_("The tenant has no room mailboxes.")),
                           Msg(N_("Create a room mailbox per conference room.")),
                           command='New-Mailbox -Name "Raum Alster" -Room',
                           code="microsoft365.no_rooms")
    items = tuple(SubResult(str(r.get("displayName", "")), Status.PASS,
                            str(r.get("building") or ""), str(r.get("emailAddress", "")))
                  for r in rooms)
    return CheckResult("rooms", Status.PASS,
                       Msg(N_("{count} room mailboxes found."), count=len(rooms)), items=items)


def check_room_list(ctx: CheckContext) -> CheckResult:
    lists = _graph(ctx, "/places/microsoft.graph.roomlist")
    if not isinstance(lists, list):
        return _http_failure("room_list", lists)
    create = 'New-DistributionGroup -Name "Rooms" -RoomList'
    if not lists:
        return CheckResult("room_list", Status.FAIL,
                           Msg(N_("The tenant has no room list yet.")),
                           Msg(N_("Create a room list and add the room mailboxes to it.")),
                           command=create, code="microsoft365.no_room_list")
    listed: set[str] = set()
    for entry in lists:
        members = _graph(ctx, f"/places/{quote(entry['emailAddress'])}/microsoft.graph."
                              "roomlist/rooms")
        if isinstance(members, list):
            listed.update(str(m.get("emailAddress", "")).lower() for m in members)
    rooms = ctx.shared.get("m365.rooms", [])
    outside = [r for r in rooms if str(r.get("emailAddress", "")).lower() not in listed]
    if outside:
        first = lists[0]["emailAddress"]
        return CheckResult(
            "room_list", Status.WARN,
            Msg(N_("{count} rooms are in no room list: {rooms}"), count=len(outside),
                rooms=", ".join(str(r.get("displayName")) for r in outside[:5])),
            Msg(N_("Add them to a room list so room finders and Cronofy list them.")),
            command="\n".join(f"Add-DistributionGroupMember -Identity {first} -Member "
                              f"{r.get('emailAddress')}" for r in outside[:20]),
            code="microsoft365.rooms_outside_lists")
    return CheckResult("room_list", Status.PASS,
                       Msg(N_("Every room is in a room list (room lists: {count})."),
                           count=len(lists)))


def check_calendar_access(ctx: CheckContext) -> CheckResult:
    rooms = ctx.shared.get("m365.rooms", [])

    def probe(room: dict[str, Any]) -> SubResult:
        email = str(room.get("emailAddress", ""))
        result = _graph(ctx, f"/users/{quote(email)}/calendar")
        ok = isinstance(result, dict)
        return SubResult(str(room.get("displayName", email)),
                         Status.PASS if ok else Status.FAIL,
                         Msg(N_("calendar readable")) if ok else
                         Msg(N_("HTTP {status}"), status=result.status_code), email,
                         code="" if ok else "microsoft365.calendar_unreadable")

    with ThreadPoolExecutor(max_workers=CALENDAR_CONCURRENCY) as pool:
        items = list(pool.map(probe, rooms))
    denied = [i for i in items if i.status == Status.FAIL]
    if denied:
        return CheckResult(
            "calendar_access", Status.FAIL,
            Msg(N_("{count} room calendars cannot be read."), count=len(denied)),
            Msg(N_("Grant admin consent for Calendars.Read, and check application access "
                   "policies that exclude these rooms.")),
            command="Get-ApplicationAccessPolicy", items=tuple(items),
            code="microsoft365.calendars_unreadable")
    return CheckResult("calendar_access", Status.PASS,
                       Msg(N_("All {count} room calendars are readable."), count=len(items)),
                       items=tuple(items))


PLUGIN = ProviderPlugin(
    name="microsoft365",
    fields=(
        Field("tenant", N_("Tenant"), placeholder="contoso.com", validate=_valid_tenant),
        Field("client_id", N_("Client ID"), required=False, placeholder=DEFAULT_CLIENT_ID),
        Field("ca_bundle", N_("CA bundle (PEM)"), kind="path", required=False,
              validate=valid_ca_bundle),
    ),
    checks=(
        CheckSpec("sign_in", N_("Administrator signs in"), check_sign_in,
                  inputs=("tenant", "client_id", "ca_bundle"), timeout=900,
                  help=N_("If you are not the IT administrator, ask your IT department.")),
        CheckSpec("admin_role", N_("Role may grant admin consent"), check_admin_role,
                  needs=("sign_in",)),
        CheckSpec("rooms", N_("Room mailboxes exist"), check_rooms, needs=("sign_in",)),
        CheckSpec("room_list", N_("Rooms are in a room list"), check_room_list,
                  needs=("rooms",),
                  help=N_("Create a distribution group for the conference rooms.")),
        CheckSpec("calendar_access", N_("Room calendars readable"), check_calendar_access,
                  needs=("rooms",), timeout=600),
    ),
    notice=NOTICE,
    sign_in=N_("You will sign in with a Microsoft 365 administrator account and grant admin "
               "consent."),
    step2_proof=N_("Cronofy reads the room calendars: admin consent is in place."),
    missing_rooms_hint=N_("Rooms Cronofy cannot see usually lack ApplicationImpersonation "
                          "(management scope) or are not in the room list; permission changes "
                          "can take up to 30 minutes."),
)
