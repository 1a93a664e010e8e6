"""Microsoft 365's fix for the hand-off: one numbered list of console steps with links.

Filled with what the checks found: the tenant, the account that signed in, the
rooms outside every room list (the check's own Add-DistributionGroupMember
lines), the rooms whose calendars cannot be read. Room lists exist only in
Exchange Online PowerShell (the Exchange admin center cannot create them), so
those steps carry the lines to type, after one Connect-ExchangeOnline. What Graph
sent goes into a line only as a PowerShell literal, and only if it is an address;
other rooms are named in a comment of one line.
"""

from __future__ import annotations

from urllib.parse import quote

from wizard.core.addresses import is_address
from wizard.core.handoff import ConsoleStep, HandoffFacts, Steps, comment_text
from wizard.core.i18n import N_, _
from wizard.core.model import Msg, Status
from wizard.core.powershell import literal
from wizard.providers.microsoft365.checks import NOT_ADDRESSES, not_addresses
from wizard.providers.microsoft365.display import REPLAYED_CODES
from wizard.providers.microsoft365.sign_in import DEFAULT_CLIENT_ID

ENTRA_ROLES = ("https://entra.microsoft.com/#view/Microsoft_AAD_IAM/RolesManagementMenuBlade/"
               "~/AllRoles")
EXCHANGE_RESOURCES = "https://admin.exchange.microsoft.com/#/resources"
LOGIN = "https://login.microsoftonline.com"
HANDLED = ("microsoft365.no_consent_role", "microsoft365.no_rooms", "microsoft365.no_room_list",
           "microsoft365.rooms_outside_lists", "microsoft365.calendars_unreadable",
           "microsoft365.rooms_hidden", "microsoft365.scoping_advice", *REPLAYED_CODES)


def fix(facts: HandoffFacts) -> Steps | None:
    tenant = facts.values.get("tenant", "")
    account = facts.found("sign_in", "account")
    connect = [f"Connect-ExchangeOnline -UserPrincipalName {literal(account)}"
               if is_address(account) else "Connect-ExchangeOnline"]
    steps: list[ConsoleStep] = []

    def powershell(lines: list[str]) -> tuple[str, ...]:
        """The first step that types commands connects first; later ones need not."""
        first = not any(step.code for step in steps)
        return tuple((connect if first else []) + lines)

    if facts.result("microsoft365.no_consent_role"):
        steps.append(ConsoleStep(Msg(N_(
            "Microsoft Entra admin center → Roles & admins: give {account} the role Global "
            "Administrator or Privileged Role Administrator (the role → Add assignments), or "
            "let someone who holds one of them sign in at the wizard's re-check."),
            account=account or "?"), link=ENTRA_ROLES))
    if created := facts.result("microsoft365.no_rooms"):
        steps.append(ConsoleStep(Msg(N_(
            "Exchange admin center → Resources → Add a resource → Room: one room mailbox per "
            "conference room of {tenant}; in PowerShell, one line per room like this one."),
            tenant=tenant), link=EXCHANGE_RESOURCES, code=powershell(created.command.splitlines())))
    if created := facts.result("microsoft365.no_room_list"):
        found = [(i.name, i.key) for i in facts.items("rooms") if i.key]
        rooms = [email for _name, email in found if is_address(email)]
        left_out = not_addresses(found)
        steps.append(ConsoleStep(Msg(N_(
            "Create a room list and put the {count} room mailboxes in it (Exchange Online "
            "PowerShell: room lists cannot be made in the admin center)."), count=len(rooms)),
            code=powershell([*created.command.splitlines(), *(
                f"Add-DistributionGroupMember -Identity 'Rooms' -Member {literal(email)}"
                for email in rooms), *(
                ["# " + comment_text(_(NOT_ADDRESSES).format(rooms=left_out))]
                if left_out else [])])))
    if outside := facts.result("microsoft365.rooms_outside_lists"):
        detail = outside.detail
        unlisted = detail.params.get("rooms", "") if isinstance(detail, Msg) else ""
        steps.append(ConsoleStep(Msg(N_(
            "Add the rooms that are in no room list to one (Exchange Online PowerShell): "
            "{rooms}"), rooms=unlisted), code=powershell(outside.command.splitlines())))
    if unreadable := facts.result("microsoft365.calendars_unreadable"):
        client = facts.values.get("client_id") or DEFAULT_CLIENT_ID
        denied = ", ".join(i.name for i in unreadable.items if i.status == Status.FAIL)
        steps.append(ConsoleStep(Msg(N_(
            "As a Global Administrator of {tenant}, grant admin consent to the app the wizard "
            "checks with (Calendars.Read); then look for an application access policy that "
            "leaves out these rooms: {rooms}"), tenant=tenant, rooms=denied),
            link=f"{LOGIN}/{quote(tenant, safe='')}/adminconsent?"
                 f"client_id={quote(client, safe='')}",
            code=powershell(unreadable.command.splitlines())))
    if display := [r for r in facts.open_results() if r.code in REPLAYED_CODES and r.command]:
        lines = [line for r in display for line in r.command.splitlines()
                 if line != "Connect-ExchangeOnline"]
        reads = [line for line in lines if line.startswith("Get-CalendarProcessing")]
        steps.append(ConsoleStep(Msg(N_(
            "Let the rooms keep what was booked, so their panels show it (Exchange Online "
            "PowerShell): first record today's calendar processing (read-only, for a "
            "rollback), then change only what the checks found.")),
            code=powershell(list(dict.fromkeys([*reads, *lines])))))
    if hidden := facts.result("microsoft365.rooms_hidden"):
        steps.append(ConsoleStep(Msg(N_(
            "Show the room mailboxes hidden from the address list in it again, so Places and "
            "Cronofy list them (Exchange Online PowerShell): {rooms}"),
            rooms=", ".join(i.name for i in hidden.items)),
            code=powershell(hidden.command.splitlines())))
    if scoping := facts.result("microsoft365.scoping_advice"):
        # Before Cronofy's consent: its own words say why only this restricts it.
        steps.append(ConsoleStep(Msg(N_("{why} {how}"), why=scoping.detail, how=scoping.remedy),
                                 code=powershell(scoping.command.splitlines())))
    steps += [ConsoleStep(r.remedy) for r in facts.others(HANDLED) if r.remedy]  # its own words
    if not steps:
        return None
    return Steps(
        title=Msg(N_("The fix: steps in the Microsoft 365 admin centers")),
        intro=Msg(N_("Signed in as an administrator of {tenant}, in this order:"),
                  tenant=tenant or "?"),
        steps=tuple(steps))
