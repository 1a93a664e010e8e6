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
from typing import Any
from urllib.parse import quote

from wizard.core.addresses import is_address
from wizard.core.fanout import fan_out
from wizard.core.files import valid_ca_bundle
from wizard.core.i18n import N_
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
from wizard.core.powershell import literal
from wizard.core.progress import Throttle
from wizard.providers.microsoft365 import graph, token_cache, vantage
from wizard.providers.microsoft365.clouds import CLOUDS, DEFAULT
from wizard.providers.microsoft365.display import CHECKS as DISPLAY_CHECKS
from wizard.providers.microsoft365.display import SENDER as BOOKING_SENDER
from wizard.providers.microsoft365.sign_in import DEFAULT_CLIENT_ID, check_sign_in

# Cronofy's Graph connection asks for Microsoft Graph *application* permissions with
# tenant-wide admin consent. Only these roles may grant that (Cronofy's documentation
# names Global Administrator as the minimum); role template ids as Entra ID lists them.
# The names are Microsoft's, translated as Microsoft's own German admin centre names them:
# a German screen says "Globaler Administrator" throughout, not Graph's English displayName.
CONSENT_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": N_("Global Administrator"),
    "e8611ab8-c189-46e8-94e1-60213ab1f814": N_("Privileged Role Administrator"),
}
# These may consent to delegated permissions only: a pass here would send the admin into
# Cronofy's consent screen to fail there.
DELEGATED_CONSENT_ROLES = {
    "158c047a-c907-4556-b7ef-446551a6b5f7": N_("Cloud Application Administrator"),
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": N_("Application Administrator"),
}
CALENDAR_CONCURRENCY = 8
TENANT = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^[0-9a-fA-F-]{36}$")
# Graph's room addresses go into commands only when they are addresses (as literals even
# then); the others are named in this sentence instead.
NOT_ADDRESSES = N_("Left out of the commands (not a valid address): {rooms}")
NOTICE = N_(
    "The help page's path for Office 365 (EWS with ApplicationImpersonation) no longer exists "
    "in Exchange Online: Microsoft removed ApplicationImpersonation in February 2025 and "
    "blocks EWS from October 2026. Cronofy connects Microsoft 365 through Microsoft Graph "
    "with admin consent; these checks cover what that needs."
)


def _valid_tenant(value: str) -> Msg | None:
    return None if TENANT.match(value) else Msg(N_("Enter the tenant's domain (contoso.com) "
                                                    "or its ID (a GUID)."))


def _role_names(names: list[str]) -> Msg:
    """Role names in the language shown (a stored result re-words them on ctrl+l)."""
    if len(names) == 1:
        return Msg(names[0])
    return Msg(N_("{first} and {second}"), first=Msg(names[0]), second=_role_names(names[1:]))


def check_admin_role(ctx: CheckContext) -> CheckResult:
    roles = graph.get(ctx, "/me/memberOf")
    if not isinstance(roles, list):
        return graph.http_failure("admin_role", roles)
    template_ids = [r.get("roleTemplateId") for r in roles]
    held = [CONSENT_ROLES[t] for t in template_ids if t in CONSENT_ROLES]
    if held:
        return CheckResult("admin_role", Status.PASS,
                           Msg(N_("May grant admin consent as {roles}."), roles=_role_names(held)))
    account = ctx.shared.get("m365.account", "?")
    # The remedy is another account: the re-check must not take this one from the cache.
    token_cache.forget(ctx.shared.get("secret_store"), str(ctx.shared.get("profile", "")))
    remedy = Msg(N_("Sign in as a Global Administrator (the minimum Cronofy's documentation "
                    "names) or a Privileged Role Administrator."))
    delegated_only = [DELEGATED_CONSENT_ROLES[t] for t in template_ids
                      if t in DELEGATED_CONSENT_ROLES]
    if delegated_only:
        return CheckResult(
            "admin_role", Status.FAIL,
            Msg(N_("{account} is {roles}: that role cannot grant tenant-wide consent to "
                   "Microsoft Graph application permissions, which Cronofy's connection asks "
                   "for."), account=account, roles=_role_names(delegated_only)),
            remedy, code="microsoft365.role_cannot_consent")
    return CheckResult(
        "admin_role", Status.FAIL,
        Msg(N_("{account} holds no role that may grant tenant-wide admin consent."),
            account=account), remedy, code="microsoft365.no_consent_role")


def check_rooms(ctx: CheckContext) -> CheckResult:
    throttle = Throttle()

    def read(count: int) -> None:
        if throttle.due():
            ctx.report_progress(CheckResult("rooms", Status.CHECKING, Msg(
                N_("{count} room mailboxes read…"), count=count)))

    rooms = graph.get(ctx, "/places/microsoft.graph.room", on_page=read)
    if not isinstance(rooms, list):
        return graph.http_failure("rooms", rooms)
    with ctx.lock:
        ctx.shared["m365.rooms"] = rooms
    if not rooms:
        return CheckResult("rooms", Status.FAIL,
                           Msg(N_("The tenant has no room mailboxes.")),
                           Msg(N_("Create a room mailbox per conference room.")),
                           command='New-Mailbox -Name "Raum Alster" -Room',
                           code="microsoft365.no_rooms")
    # The building in a parameter of its own: it names the customer's site, so an
    # anonymized report replaces it (wizard/core/anonymize.py, PARAM_KINDS).
    items = tuple(SubResult(str(r.get("displayName", "")), Status.PASS,
                            Msg(N_("{building}, {capacity} seats"),
                                building=str(r.get("building") or "-"),
                                capacity=r.get("capacity") or "?"),
                            str(r.get("emailAddress", "")))
                  for r in rooms)
    return CheckResult("rooms", Status.PASS,
                       Msg(N_("{count} room mailboxes found."), count=len(rooms)), items=items)


def check_room_list(ctx: CheckContext) -> CheckResult:
    lists = graph.get(ctx, "/places/microsoft.graph.roomlist")
    if not isinstance(lists, list):
        return graph.http_failure("room_list", lists)
    create = 'New-DistributionGroup -Name "Rooms" -RoomList'
    if not lists:
        return CheckResult("room_list", Status.FAIL,
                           Msg(N_("The tenant has no room list yet.")),
                           Msg(N_("Create a room list and add the room mailboxes to it.")),
                           command=create, code="microsoft365.no_room_list")
    listed: set[str] = set()
    for entry in lists:
        members = graph.get(ctx, f"/places/{quote(str(entry['emailAddress']), safe='')}/"
                              "microsoft.graph.roomlist/rooms")
        if isinstance(members, list):
            listed.update(str(m.get("emailAddress", "")).lower() for m in members)
    rooms = ctx.shared.get("m365.rooms", [])
    outside = [r for r in rooms if str(r.get("emailAddress", "")).lower() not in listed]
    if outside:
        return CheckResult(
            "room_list", Status.WARN,
            Msg(N_("{count} rooms are in no room list: {rooms}"), count=len(outside),
                rooms=", ".join(str(r.get("displayName")) for r in outside[:5])),
            _add_to_list_remedy(outside[:20]),
            command=add_to_list_commands(lists, outside[:20]),
            code="microsoft365.rooms_outside_lists")
    return CheckResult("room_list", Status.PASS,
                       Msg(N_("Every room is in a room list (room lists: {count})."),
                           count=len(lists)))


def add_to_list_commands(lists: list[dict[str, Any]], rooms: list[dict[str, Any]]) -> str:
    """One Add-DistributionGroupMember per room with a valid address, into the first room
    list that has one; every address a literal."""
    target = next((str(e.get("emailAddress")) for e in lists
                   if is_address(str(e.get("emailAddress", "")))), "")
    if not target:
        return ""
    return "\n".join(f"Add-DistributionGroupMember -Identity {literal(target)} -Member "
                     f"{literal(address)}" for r in rooms
                     if is_address(address := str(r.get("emailAddress", ""))))


def not_addresses(rooms: list[tuple[str, str]]) -> str:
    """The rooms (name, address) whose address is not one, for NOT_ADDRESSES."""
    return ", ".join(f"{name} ({address})" for name, address in rooms
                     if not is_address(address))


def _add_to_list_remedy(rooms: list[dict[str, Any]]) -> Msg:
    remedy = Msg(N_("Add them to a room list so room finders and Cronofy list them."))
    invalid = not_addresses([(str(r.get("displayName", "")), str(r.get("emailAddress", "")))
                             for r in rooms])
    if not invalid:
        return remedy
    return Msg(N_("{remedy} {left_out}"), remedy=remedy,
               left_out=Msg(NOT_ADDRESSES, rooms=invalid))


def probe_calendar(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): can the signed-in admin read its calendar? Runs in the
    check's threads or in a worker process (wizard.core.fanout), hence by name and plain
    values."""
    name, email = room
    result = graph.get(ctx, f"/users/{quote(email, safe='')}/calendar")
    ok = isinstance(result, dict)
    if not ok and vantage.on_premises(result):  # hybrid_rooms names it: no second failure
        return SubResult(name, Status.WARN, Msg(N_("mailbox on-premises")), email,
                         code="microsoft365.room_on_premises")
    return SubResult(name, Status.PASS if ok else Status.FAIL,
                     Msg(N_("calendar readable")) if ok else
                     Msg(N_("HTTP {status}"), status=result.status_code), email,
                     code="" if ok else "microsoft365.calendar_unreadable")


def check_calendar_access(ctx: CheckContext) -> CheckResult:
    found = ctx.shared.get("m365.rooms", [])
    rooms = [(str(r.get("displayName") or r.get("emailAddress", "")),
              str(r.get("emailAddress", ""))) for r in found]
    items: list[SubResult] = []
    throttle = Throttle()

    def on_result(result: SubResult) -> None:
        items.append(result)
        if throttle.due():
            ctx.report_progress(CheckResult(
                "calendar_access", Status.CHECKING,
                Msg(N_("{done} of {total} room calendars checked…"),
                    done=len(items), total=len(rooms)),
                items=tuple(items)))

    fan_out(ctx, probe_calendar, rooms, concurrency=CALENDAR_CONCURRENCY, on_result=on_result,
            shared={"m365.token": ctx.shared.get("m365.token")})
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    items.sort(key=lambda item: order.get(item.key, 0))
    denied = [i for i in items if i.status == Status.FAIL]
    if denied:
        return CheckResult(
            "calendar_access", Status.FAIL,
            Msg(N_("{count} room calendars cannot be read."), count=len(denied)),
            Msg(N_("Grant admin consent for Calendars.Read, and check application access "
                   "policies that exclude these rooms.")),
            command="Get-ApplicationAccessPolicy", items=tuple(items),
            code="microsoft365.calendars_unreadable")
    elsewhere = sum(1 for i in items if i.status == Status.WARN)
    if elsewhere:  # on-premises: out of Graph's reach, hybrid_rooms fails for them
        return CheckResult("calendar_access", Status.PASS,
                           Msg(N_("{count} room calendars are readable; not read, on-premises "
                                  "(see the hybrid check): {elsewhere}"),
                               count=len(items) - elsewhere, elsewhere=elsewhere),
                           items=tuple(items))
    return CheckResult("calendar_access", Status.PASS,
                       Msg(N_("All {count} room calendars are readable."), count=len(items)),
                       items=tuple(items))


PLUGIN = ProviderPlugin(
    name="microsoft365",
    test_booking_sender=BOOKING_SENDER,
    fields=(
        Field("tenant", N_("Tenant"), placeholder="contoso.com", validate=_valid_tenant),
        Field("cloud", N_("Microsoft cloud"), kind="choice", default=DEFAULT,
              choices=tuple((name, cloud.label) for name, cloud in CLOUDS.items())),
        Field("client_id", N_("Client ID"), required=False, placeholder=DEFAULT_CLIENT_ID),
        Field("ca_bundle", N_("CA bundle (PEM)"), kind="path", required=False,
              validate=valid_ca_bundle),
    ),
    checks=(
        CheckSpec("sign_in", N_("Administrator signs in"), check_sign_in,
                  inputs=("tenant", "cloud", "client_id", "ca_bundle"), timeout=900,
                  help=N_("If you are not the IT administrator, ask your IT department.")),
        CheckSpec("admin_role", N_("Role may grant admin consent"), check_admin_role,
                  needs=("sign_in",)),
        CheckSpec("rooms", N_("Room mailboxes exist"), check_rooms, needs=("sign_in",)),
        CheckSpec("room_list", N_("Rooms are in a room list"), check_room_list,
                  needs=("rooms",),
                  help=N_("Create a distribution group for the conference rooms.")),
        CheckSpec("calendar_access", N_("Room calendars readable"), check_calendar_access,
                  needs=("rooms",), timeout=600),
        CheckSpec("hidden_rooms", N_("No room hidden from Cronofy"), vantage.check_hidden_rooms,
                  needs=("sign_in",), timeout=600,
                  help=N_("Cronofy finds rooms through the address list (Places).")),
        CheckSpec("hybrid_rooms", N_("Room mailboxes in Exchange Online"),
                  vantage.check_hybrid_rooms, needs=("rooms",), timeout=600),
        CheckSpec("scoping", N_("Limit Cronofy to the rooms (optional)"), vantage.check_scoping,
                  needs=("rooms",), required=False),
        CheckSpec("cronofy_app", N_("Cronofy's application and its permissions"),
                  vantage.check_cronofy_app, needs=("sign_in",), required=False,
                  help=N_("Checked after the link in step 2.")),
        *DISPLAY_CHECKS,
    ),
    notice=NOTICE,
    remembered_sign_in=(token_cache.CACHE_KEY,),
    sign_in=N_("You will sign in with a Microsoft 365 administrator account and grant admin "
               "consent."),
    step2_proof=N_("Admin consent is in place: Cronofy lists {count} room calendars through "
                   "Microsoft Graph."),
    missing_rooms_hint=N_("Rooms Cronofy cannot see are usually left out of the admin consent "
                          "by an application access policy, or are in no room list; permission "
                          "changes can take up to 30 minutes."),
    # Cronofy's consent puts its application into the tenant: a link proves it is there
    # (a re-check reads its permissions).
    proven_by_link=(("cronofy_app", N_("Proven in step 2: Cronofy lists {count} room calendars "
                                       "through its own application in the tenant; re-check "
                                       "to read its permissions.")),),
)
