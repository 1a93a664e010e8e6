"""Microsoft 365 from where Cronofy stands: its own application, and the rooms it cannot see.

roomcal's checks sign in as the administrator; Cronofy acts as its own enterprise
application (app id ``CRONOFY_APP_ID``) with Microsoft Graph application permissions
and finds rooms through the Places API. So:

* ``hidden_rooms`` — room mailboxes (``mailboxSettings.userPurpose`` = ``room``) that
  Places does not list: hidden from the address list, Cronofy never sees them.
* ``hybrid_rooms`` — room calendars answering 404 ``MailboxNotEnabledForRESTAPI``: the
  mailbox is on-premises (a hybrid organisation), out of Graph's reach.
* ``scoping`` — what actually limits Cronofy to the rooms, before its consent: an
  application access policy on a mail-enabled security group (RBAC for Applications adds
  to the tenant-wide consent and restricts nothing while it stands).
* ``cronofy_app`` — after the link: Cronofy's service principal is in the tenant with the
  permissions it asks for, and no longer on the EWS path Exchange Online switches off.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from wizard.core.addresses import is_address
from wizard.core.fanout import fan_out
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, Msg, Status, SubResult
from wizard.core.powershell import literal
from wizard.core.progress import Throttle
from wizard.providers.microsoft365 import graph

CRONOFY_APP_ID = "10bb7e5b-b80b-4e6e-a209-f78581dbc79e"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
# The Microsoft Graph application permissions Cronofy's connection asks for
# (docs.cronofy.com, "Which Graph scopes does Cronofy utilize").
CRONOFY_PERMISSIONS = ("Calendars.ReadWrite", "Places.Read.All", "User.Read.All",
                       "Organization.Read.All")
# Exchange Online's permission for EWS with an application identity: Cronofy's EWS path.
EWS_PERMISSION = "full_access_as_app"
PROBE_CONCURRENCY = 8
SCOPE_GROUP = "Cronofy rooms"
# At most this many rooms are named in a sentence; the items carry them all.
NAMED = 5
ON_PREMISES = "MailboxNotEnabledForRESTAPI"
LOGIN = "https://login.microsoftonline.com"


def _names(rooms: list[tuple[str, str]]) -> str:
    return ", ".join(name or email for name, email in rooms[:NAMED])


def on_premises(response: Any) -> bool:
    """Graph's answer for a mailbox outside Exchange Online (hybrid: on-premises)."""
    return getattr(response, "status_code", 0) == 404 and _error_code(response) == ON_PREMISES


def _error_code(response: Any) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return ""
    return str(error.get("code", "")) if isinstance(error, dict) else ""


# -- hidden_rooms ------------------------------------------------------------------------------

def probe_purpose(ctx: CheckContext, user: tuple[str, str]) -> SubResult:
    """One account (name, address): is it a room mailbox? Its ``mailboxSettings`` say so.
    By name and plain values: runs in the check's threads or a worker process (fanout)."""
    name, email = user
    settings = graph.get(ctx, f"/users/{quote(email, safe='')}/mailboxSettings")
    if isinstance(settings, dict):
        room = str(settings.get("userPurpose", "")).lower() == "room"
        return SubResult(name, Status.WARN if room else Status.PASS,
                         Msg(N_("room mailbox hidden from the address list")) if room else "",
                         email, code="microsoft365.room_hidden" if room else "")
    if on_premises(settings):  # not in Exchange Online: hybrid_rooms' part
        return SubResult(name, Status.PASS, "", email)
    return SubResult(name, Status.SKIP, Msg(N_("HTTP {status}"), status=settings.status_code),
                     email, code="microsoft365.mailbox_settings_unreadable")


def check_hidden_rooms(ctx: CheckContext) -> CheckResult:
    users = graph.get(ctx, "/users?$select=id,displayName,mail,userPrincipalName&$top=999")
    if not isinstance(users, list):
        return graph.http_failure("hidden_rooms", users)
    # Places read here, not taken from the rooms check: when every room is hidden, Places
    # lists none, that check fails, and this one must still say why.
    places = graph.get(ctx, "/places/microsoft.graph.room")
    if not isinstance(places, list):
        return graph.http_failure("hidden_rooms", places)
    listed = {str(r.get("emailAddress", "")).lower() for r in places}
    candidates = [(str(u.get("displayName") or u.get("mail")), str(u.get("mail")))
                  for u in users if u.get("mail") and str(u["mail"]).lower() not in listed]
    found: list[SubResult] = []
    throttle = Throttle()

    def on_result(result: SubResult) -> None:
        found.append(result)
        if throttle.due():
            ctx.report_progress(CheckResult(
                "hidden_rooms", Status.CHECKING,
                Msg(N_("{done} of {total} mailboxes outside Places checked…"),
                    done=len(found), total=len(candidates))))

    fan_out(ctx, probe_purpose, candidates, concurrency=PROBE_CONCURRENCY,
            on_result=on_result, shared={"m365.token": ctx.shared.get("m365.token")})
    order = {email: i for i, (_name, email) in enumerate(candidates)}
    hidden = sorted((i for i in found if i.status == Status.WARN),
                    key=lambda i: order.get(i.key, 0))
    unread = [i for i in found if i.status == Status.SKIP]
    if hidden:
        commands = [f"Set-Mailbox -Identity {literal(i.key)} -HiddenFromAddressListsEnabled "
                    "$false" for i in hidden if is_address(i.key)]
        return CheckResult(
            "hidden_rooms", Status.WARN,
            Msg(N_("{count} room mailboxes are hidden from the address list, so Places does "
                   "not list them and Cronofy never sees them: {rooms}"), count=len(hidden),
                rooms=_names([(i.name, i.key) for i in hidden])),
            Msg(N_("Show them in the address list (Exchange Online PowerShell), then re-check; "
                   "Places can take up to a day to list them.")),
            command="\n".join(commands), items=tuple(hidden), code="microsoft365.rooms_hidden")
    if unread:
        return CheckResult(
            "hidden_rooms", Status.WARN,
            Msg(N_("The mailbox settings of {count} accounts outside Places could not be read, "
                   "so hidden room mailboxes among them cannot be ruled out."), count=len(unread)),
            Msg(N_("Sign in as a Global Administrator and consent to MailboxSettings.Read, then "
                   "re-check.")), items=tuple(unread[:50]),
            code="microsoft365.mailbox_settings_unreadable")
    return CheckResult("hidden_rooms", Status.PASS,
                       Msg(N_("No room mailbox is hidden from Places ({count} other mailboxes "
                              "looked at)."), count=len(candidates)))


# -- hybrid_rooms ------------------------------------------------------------------------------

def probe_hybrid(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): is its mailbox in Exchange Online, where Graph reaches it?"""
    name, email = room
    settings = graph.get(ctx, f"/users/{quote(email, safe='')}/mailboxSettings")
    if isinstance(settings, dict):
        return SubResult(name, Status.PASS, "", email)
    if on_premises(settings):
        return SubResult(name, Status.FAIL, Msg(N_("mailbox on-premises")), email,
                         code="microsoft365.room_on_premises")
    return SubResult(name, Status.SKIP, Msg(N_("HTTP {status}"), status=settings.status_code),
                     email, code="microsoft365.mailbox_settings_unreadable")


def check_hybrid_rooms(ctx: CheckContext) -> CheckResult:
    rooms = [(str(r.get("displayName") or r.get("emailAddress", "")),
              str(r.get("emailAddress", ""))) for r in ctx.shared.get("m365.rooms", [])]
    found: list[SubResult] = []
    throttle = Throttle()

    def on_result(result: SubResult) -> None:
        found.append(result)
        if throttle.due():
            ctx.report_progress(CheckResult(
                "hybrid_rooms", Status.CHECKING,
                Msg(N_("{done} of {total} room mailboxes checked…"), done=len(found),
                    total=len(rooms))))

    fan_out(ctx, probe_hybrid, rooms, concurrency=PROBE_CONCURRENCY, on_result=on_result,
            shared={"m365.token": ctx.shared.get("m365.token")})
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    on_premises = sorted((i for i in found if i.status == Status.FAIL),
                         key=lambda i: order.get(i.key, 0))
    with ctx.lock:
        ctx.shared["m365.on_premises"] = {i.key.lower() for i in on_premises}
    if on_premises:
        return CheckResult(
            "hybrid_rooms", Status.FAIL,
            Msg(N_("{count} room mailboxes are on-premises, out of Microsoft Graph's reach "
                   "(MailboxNotEnabledForRESTAPI): {rooms}"), count=len(on_premises),
                rooms=_names([(i.name, i.key) for i in on_premises])),
            Msg(N_("Connect these rooms through the Exchange Server connection as well (a "
                   "hybrid organisation needs both), or move their mailboxes to Exchange "
                   "Online.")),
            items=tuple(on_premises), code="microsoft365.rooms_on_premises")
    if unread := [i for i in found if i.status == Status.SKIP]:
        return CheckResult(
            "hybrid_rooms", Status.WARN,
            Msg(N_("The mailbox settings of {count} room mailboxes could not be read, so "
                   "on-premises rooms among them cannot be ruled out."), count=len(unread)),
            Msg(N_("Sign in as a Global Administrator and consent to MailboxSettings.Read, then "
                   "re-check.")), items=tuple(unread[:50]),
            code="microsoft365.mailbox_settings_unreadable")
    return CheckResult("hybrid_rooms", Status.PASS,
                       Msg(N_("All {count} room mailboxes are in Exchange Online."),
                           count=len(rooms)))


# -- scoping -----------------------------------------------------------------------------------

def scoping_commands(test_room: str) -> str:
    """The application access policy that limits Cronofy to the room mailboxes."""
    group, app = literal(SCOPE_GROUP), literal(CRONOFY_APP_ID)
    lines = [
        f"New-DistributionGroup -Name {group} -Alias 'cronofy-rooms' -Type Security",
        "Get-Mailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited | ForEach-Object "
        f"{{ Add-DistributionGroupMember -Identity {group} -Member $_.PrimarySmtpAddress }}",
        f"Set-DistributionGroup -Identity {group} -HiddenFromAddressListsEnabled $true",
        f"New-ApplicationAccessPolicy -AppId {app} -PolicyScopeGroupId {group} "
        "-AccessRight RestrictAccess -Description 'Cronofy: room mailboxes only'",
    ]
    if is_address(test_room):
        lines.append(f"Test-ApplicationAccessPolicy -AppId {app} -Identity {literal(test_room)}")
    return "\n".join(lines)


def check_scoping(ctx: CheckContext) -> CheckResult:
    rooms = ctx.shared.get("m365.rooms", [])
    first = next((str(r.get("emailAddress")) for r in rooms
                  if is_address(str(r.get("emailAddress", "")))), "")
    return CheckResult(
        "scoping", Status.MANUAL,
        Msg(N_("Cronofy's admin consent covers every mailbox of the tenant; only an application "
               "access policy narrows it, because RBAC for Applications adds to that consent "
               "and restricts nothing while it stands.")),
        Msg(N_("To limit Cronofy to the rooms, before step 2: create a mail-enabled security "
               "group in Exchange (an Entra security group does not work), put the room "
               "mailboxes in it, restrict Cronofy's app to it and test it; Cronofy asks for "
               "the restriction to be in place before connecting.")),
        command=scoping_commands(first), code="microsoft365.scoping_advice")


# -- cronofy_app (after the link) --------------------------------------------------------------

def _permissions(ctx: CheckContext, assignments: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Resource app id -> the permission names (app role values) assigned on it."""
    roles: dict[str, tuple[str, dict[str, str]]] = {}  # resource object id -> (app id, roles)
    held: dict[str, set[str]] = {}
    for assignment in assignments:
        resource = str(assignment.get("resourceId", ""))
        if resource not in roles:
            sp = graph.get(ctx, f"/servicePrincipals/{quote(resource, safe='')}"
                                "?$select=appId,appRoles")
            roles[resource] = ((str(sp.get("appId", "")), {
                str(r.get("id")): str(r.get("value")) for r in sp.get("appRoles", [])})
                if isinstance(sp, dict) else ("", {}))
        app_id, names = roles[resource]
        value = names.get(str(assignment.get("appRoleId", "")))
        if value:
            held.setdefault(app_id, set()).add(value)
    return held


def check_cronofy_app(ctx: CheckContext) -> CheckResult:
    sp = graph.get(ctx, f"/servicePrincipals(appId='{CRONOFY_APP_ID}')?$select=id,appId")
    if not isinstance(sp, dict):
        if sp.status_code == 404:
            return CheckResult(
                "cronofy_app", Status.SKIP,
                Msg(N_("Cronofy's application is not in the tenant yet: the admin consent in "
                       "step 2 adds it. Re-check after the link.")))
        return graph.http_failure("cronofy_app", sp)
    assignments = graph.get(ctx, f"/servicePrincipals/{quote(str(sp.get('id', '')), safe='')}"
                                 "/appRoleAssignments")
    if not isinstance(assignments, list):
        return graph.http_failure("cronofy_app", assignments)
    held = _permissions(ctx, assignments)
    missing = [p for p in CRONOFY_PERMISSIONS if p not in held.get(GRAPH_APP_ID, set())]
    tenant = ctx.values.get("tenant", "")
    consent = Msg(N_("Grant the admin consent again: {url}"),
                  url=f"{LOGIN}/{quote(tenant, safe='')}/adminconsent?client_id={CRONOFY_APP_ID}")
    if EWS_PERMISSION in held.get(EXCHANGE_APP_ID, set()):
        return CheckResult(
            "cronofy_app", Status.WARN,
            Msg(N_("Cronofy is still connected to this tenant through EWS (full_access_as_app), "
                   "which Exchange Online is switching off tenant by tenant since October 2026, "
                   "for good on 1 April 2027.")),
            Msg(N_("Migrate to Microsoft Graph: in step 2, disconnect and link again choosing "
                   "Microsoft 365 and grant the admin consent Cronofy asks for; then remove "
                   "Cronofy's full_access_as_app permission in the Microsoft Entra admin center "
                   "(Enterprise applications → Cronofy → Permissions).")),
            code="microsoft365.cronofy_on_ews")
    if missing:
        return CheckResult(
            "cronofy_app", Status.FAIL,
            Msg(N_("Cronofy's application lacks these Microsoft Graph application permissions: "
                   "{missing}."), missing=", ".join(missing)),
            consent, code="microsoft365.cronofy_permissions_missing")
    return CheckResult(
        "cronofy_app", Status.PASS,
        Msg(N_("Cronofy's application is in the tenant with {permissions}."),
            permissions=", ".join(CRONOFY_PERMISSIONS)))
