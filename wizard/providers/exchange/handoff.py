"""Exchange's fix for the hand-off: one script for the Exchange Management Shell.

The steps run in the order the help page builds things up — room list, rooms in
it, EWS for the service account, its mailbox, ApplicationImpersonation scoped to
the room mailboxes — each only when a check asked for it, each command the one
the check itself proposed (filled with the service account and the room list
typed into the form, each value one PowerShell literal), never twice. Rooms that
were denied are listed in comments of one line each: a room's name never becomes a
command.
"""

from __future__ import annotations

from wizard.core.handoff import HandoffFacts, Script, comment_text, unique
from wizard.core.i18n import N_, _
from wizard.core.model import Msg, Status, SubResult, render
from wizard.core.powershell import literal
from wizard.core.text import fill
from wizard.providers.exchange.checks import PERMISSION_DELAY, SERVICE_ACCOUNT, create_room_list
from wizard.providers.exchange.display import REPLAYED_CODES, handoff_step

ROOM_LIST_CODES = ("exchange.no_room_list", "exchange.unknown_room_list",
                   "exchange.room_list_unresolved")
EWS_CODES = ("exchange.ews_forbidden", "exchange.not_ews")
IMPERSONATION_CODES = ("exchange.impersonation_denied", "exchange.impersonation_partial")
FIXED_HERE = (*ROOM_LIST_CODES, "exchange.no_rooms", *EWS_CODES, "exchange.no_mailbox",
              *IMPERSONATION_CODES, "exchange.no_password_auth",
              "exchange.notifications_refused", "exchange.write_denied", *REPLAYED_CODES)
MAX_ROOMS = 100  # denied rooms listed in comments; the rest are counted


def _comment(text: object) -> str:
    return f"# {comment_text(text)}"


def fix(facts: HandoffFacts) -> Script | None:
    account = facts.values.get("username", "")
    room_list = facts.values.get("room_list", "")
    steps: list[tuple[str, tuple[str, ...], list[str]]] = []  # (title, comments, commands)
    if created := facts.result(*ROOM_LIST_CODES):
        steps.append((_("Create the room list {address}.").format(address=room_list), (),
                      (created.command or create_room_list(room_list)).splitlines()))
    if created or facts.result("exchange.no_rooms"):
        steps.append((_("Add the conference rooms to the room list: every room mailbox of the "
                        "organisation. To add only some, one line per room: "
                        "Add-DistributionGroupMember -Identity {address} -Member <room "
                        "mailbox>").format(address=room_list), (),
                      ["Get-Mailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited | "
                       f"ForEach-Object {{ Add-DistributionGroupMember -Identity "
                       f"{literal(room_list)} -Member $_.PrimarySmtpAddress }}"]))
    if ews := facts.result(*EWS_CODES):
        steps.append((_("Allow EWS for the service account {account}.").format(account=account),
                      (), ews.command.replace(SERVICE_ACCOUNT, literal(account)).splitlines()))
    if mailbox := facts.result("exchange.no_mailbox"):
        steps.append((_("Give the service account {account} a mailbox.").format(
            account=account), (), mailbox.command.splitlines()))
    if impersonation := facts.result(*IMPERSONATION_CODES):
        steps.append((_("Let {account} impersonate the room mailboxes: a management scope of "
                        "every room mailbox, and the ApplicationImpersonation role assigned to "
                        "the service account for it.").format(account=account),
                      _denied(impersonation.items), impersonation.command.splitlines()))
    if auth := facts.result("exchange.no_password_auth"):
        steps.append((_("Offer NTLM on the EWS virtual directory Cronofy reaches (Windows "
                        "authentication), and pass TLS through to Exchange if a load balancer "
                        "offloads it."), (), auth.command.splitlines()))
    if refused := facts.result("exchange.notifications_refused"):
        steps.append((_("Let {account} subscribe to the room calendars' changes: a throttling "
                        "policy that allows EWS subscriptions.").format(account=account),
                      _denied(refused.items), refused.command.splitlines()))
    if written := facts.result("exchange.write_denied"):
        steps.append((_("Let {account} book the room calendars: ApplicationImpersonation "
                        "scoped to the room mailboxes, and no room mailbox that refuses "
                        "changes.").format(account=account),
                      _denied(written.items), written.command.splitlines()))
    if display := handoff_step(facts.open_results()):
        steps.append(display)
    if not steps:
        return None
    lines: list[str] = []
    for number, (title, comments, commands) in enumerate(steps, 1):
        lines += [_comment(f"{number}. {title}"), *comments, *commands, ""]
    if unfixed := facts.others(FIXED_HERE):
        titles = {s.id: _(s.title) for s in facts.plugin.checks}
        lines.append(_comment(_("Not fixed by this script (see above): {checks}").format(
            checks=", ".join(titles[r.check_id] for r in unfixed))))
    lines.append(_comment(render(Msg(PERMISSION_DELAY))))
    return Script(
        language="powershell",
        title=Msg(N_("The fix: one script for the Exchange Management Shell")),
        intro=Msg(N_("Run it in the Exchange Management Shell as an Exchange administrator. It "
                     "fixes the checks above in order; each step is commented.")),
        lines=unique(lines))


def _denied(items: tuple[SubResult, ...]) -> tuple[str, ...]:
    denied = [i for i in items if i.status == Status.FAIL]
    if not denied:
        return ()
    lines = [_comment(_("Denied now:"))]
    for item in denied[:MAX_ROOMS]:
        lines.append(_comment(f"- {item.name} ({item.key}): {render(item.detail)}"))
    if len(denied) > MAX_ROOMS:
        lines.append(_comment(fill(_("… and {count} more"), count=len(denied) - MAX_ROOMS)))
    return tuple(lines)
