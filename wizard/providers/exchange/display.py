"""Exchange: what each room's panel will show, read from the room's calendar; the test booking.

``room_display``: under impersonation, FindItem over a calendar view of the last
30 days and GetItem for subject, organizer, body and the online-meeting flag
(exchangelib fetches the complex fields with GetItem); findings as
``wizard.core.room_display`` defines them, the fix ``Set-CalendarProcessing`` with
only the parameters that apply, after the read-only ``Get-CalendarProcessing``
that records today's values for a rollback.

``test_booking`` (opt-in: ``roomcal check exchange --test-booking [ROOM]``, or the
step-1 screen's button): the service account sends one private meeting with a
marker subject and a join link in its body to the room (or a sample of rooms),
waits up to a minute for each room's answer, reads the room's copy and compares,
and cancels the meeting — in a ``finally``, so also when the run is cancelled.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.core import room_display as rd
from wizard.core.fanout import fan_out
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status, SubResult
from wizard.core.sample import spread

# Who sends the test booking, as the step-1 dialog says before anything is sent.
SENDER = N_("the service account {username}")
PREFIX = "exchange.room_display"
BOOKING_PREFIX = "exchange.test_booking"
# The failure codes a report replays (wizard/sandbox/room_calendars.py) and the hand-off fixes.
REPLAYED_CODES = tuple(f"{prefix}.{code}" for prefix in (PREFIX, BOOKING_PREFIX)
                       for code in (*rd.FINDINGS, rd.NOT_EVALUATED, "declined", "no_answer"))


def _rooms(ctx: CheckContext) -> list[tuple[str, str]]:
    return [(r.name or r.email_address, r.email_address)
            for r in ctx.shared.get("exchange.rooms", [])]


def _seen(item: Any) -> rd.Seen:
    organizer = getattr(item, "organizer", None)
    body = getattr(item, "body", None)
    return rd.Seen(subject=str(item.subject or ""),
                   organizer=str(getattr(organizer, "name", "") or ""),
                   body=str(body or ""), online=bool(getattr(item, "is_online_meeting", False)),
                   private=str(getattr(item, "sensitivity", "")) == "Private",
                   organizer_email=str(getattr(organizer, "email_address", "") or ""))


def _view(ctx: CheckContext, email: str, start: datetime, end: datetime, fields: tuple[str, ...]
          ) -> list[Any]:
    from exchangelib import EWSDateTime

    from wizard.providers.exchange.checks import _account, _read_calendar, _with_busy_retry

    def read() -> list[Any]:
        folder = _read_calendar(_account(ctx, email, impersonate=True))
        view = folder.view(start=EWSDateTime.from_datetime(start),
                           end=EWSDateTime.from_datetime(end), max_items=rd.MAX_MEETINGS)
        return list(view.only(*fields))

    return list(_with_busy_retry(ctx, read))


def read_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): what its calendar shows. By name and plain values: it runs
    in the check's threads or a worker process (wizard.core.fanout)."""
    from wizard.providers.exchange.checks import _ews_host, _transport_failure

    name, email = room
    now = datetime.now(UTC)
    try:
        items = _view(ctx, email, now - timedelta(days=rd.RECENT_DAYS), now,
                      ("subject", "organizer", "body", "is_online_meeting", "sensitivity"))
    except Exception as exc:
        failure = _transport_failure("room_display", exc, _ews_host(ctx))
        if failure is None:
            return SubResult(name, Status.SKIP, Msg(N_("not evaluated: the calendar could not "
                                                       "be read")), email,
                             code=f"{PREFIX}.{rd.NOT_EVALUATED}")
        return SubResult(name, Status.SKIP, failure.detail, email,
                         code=f"{PREFIX}.{rd.NOT_EVALUATED}")
    return rd.room_item(name, email, [_seen(i) for i in items], PREFIX)


def fix_command(rooms: list[tuple[str, list[str]]]) -> str:
    emails = [email for email, _found in rooms]
    return "\n".join([*rd.get_calendar_processing(emails), *rd.set_calendar_processing(rooms),
                      rd.external_line(emails)]).strip()


REMEDY = N_("Let the rooms keep what was booked (run Get-CalendarProcessing first: it records "
            "today's values for a rollback). Where people outside the organisation book the "
            "rooms, also -ProcessExternalMeetingMessages $true.")
UNPROVEN = N_("Prove what the panel shows with a test booking: roomcal check exchange "
              "--test-booking")


def check_room_display(ctx: CheckContext) -> CheckResult:
    every = _rooms(ctx)
    rooms = spread(every, ctx.settings.room_sample)  # a large tenant: an even sample
    from wizard.providers.exchange.checks import LIMITER, ROOM_BUDGET, _ews_url

    items: list[SubResult] = []
    fan_out(ctx, read_room, rooms, concurrency=ROOM_BUDGET, on_result=items.append,
            shared={"exchange.ews_url": _ews_url(ctx)}, limiter_key=LIMITER)
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    items.sort(key=lambda i: order.get(i.key, 0))
    return rd.summarize("room_display", PREFIX, items, command=fix_command,
                        remedy=Msg(REMEDY), unproven=Msg(UNPROVEN), total=len(every))


# -- the test booking -----------------------------------------------------------------------

def check_test_booking(ctx: CheckContext) -> CheckResult:
    wanted = rd.booking_rooms(ctx.confirmations, _rooms(ctx))
    if wanted is None:
        return rd.not_requested("test_booking", "exchange")
    from exchangelib import Attendee, Body, CalendarItem, EWSDateTime, Mailbox
    from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY

    from wizard.providers.exchange.checks import _account, _read_calendar, _with_busy_retry

    token = secrets.token_hex(4)
    subject = rd.MARKER.format(token=token)
    join_url = rd.JOIN_URL.format(token=token)
    start, end = rd.booking_slot()
    account = _account(ctx, ctx.values["username"], impersonate=False)
    item = CalendarItem(
        account=account, folder=_read_calendar(account), subject=subject,
        body=Body(rd.test_body(token)), sensitivity="Private",
        start=EWSDateTime.from_datetime(start), end=EWSDateTime.from_datetime(end),
        resources=[Attendee(mailbox=Mailbox(email_address=email), response_type="Unknown")
                   for _name, email in wanted])
    answers: dict[str, str] = {}
    fresh = item
    with rd.IN_FLIGHT.booking():  # quitting waits for the finally below
        try:
            _with_busy_retry(ctx, lambda: item.save(
                send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY))
            deadline = time.monotonic() + rd.ANSWER_WAIT
            while not ctx.cancel.is_set() and time.monotonic() < deadline:
                fresh = _with_busy_retry(ctx, lambda: next(iter(account.fetch(ids=[item]))))
                for attendee in fresh.resources or ():
                    kind = {"Accept": "accepted", "Decline": "declined",
                            "Tentative": "tentative"}.get(str(attendee.response_type), "")
                    if kind:
                        answers[str(attendee.mailbox.email_address).lower()] = kind
                if len(answers) >= len(wanted):
                    break
                ctx.cancel.wait(0.5)
            if ctx.cancel.is_set():  # the finally cancels the meeting
                return rd.cancelled("test_booking", BOOKING_PREFIX)
            uid = str(fresh.uid or "") if answers else ""
            # Who sent it: the organizer's own copy names the service account.
            username = str(ctx.values.get("username", ""))
            sender = str(getattr(fresh.organizer, "email_address", "") or "") or (
                username if "@" in username else "")
            items = []
            for name, email in wanted:
                answer = answers.get(email.lower(), "")
                copy = None
                if answer in ("accepted", "tentative"):
                    copies = [i for i in _view(ctx, email, start - timedelta(minutes=1),
                                               end + timedelta(minutes=1),
                                               ("uid", "subject", "organizer", "body",
                                                "sensitivity")) if str(i.uid or "") == uid]
                    copy = _seen(copies[0]) if copies else None
                organizer = str(getattr(fresh.organizer, "name", "") or "")
                items.append(rd.booking_item(name, email, answer, copy, subject=subject,
                                             organizer=organizer, join_url=join_url,
                                             code_prefix=BOOKING_PREFIX, sender=sender))
        finally:
            if item.id:  # cancelled so nothing stays behind, also when interrupted
                _with_busy_retry(ctx, lambda: item.delete(
                    send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY))
    return rd.booking_result("test_booking", BOOKING_PREFIX, items, command=fix_command,
                             remedy=Msg(REMEDY))


CHECKS = (
    CheckSpec("room_display", N_("Room panels show what was booked"), check_room_display,
              needs=("impersonation",), timeout=600, required=False,
              help=N_("The room mailbox's calendar processing decides what the panel beside "
                      "the door shows.")),
    CheckSpec("test_booking", N_("Test booking (opt-in)"), check_test_booking,
              needs=("room_display",), timeout=rd.ANSWER_WAIT + 60, required=False),
)


def handoff_step(open_results: list[Any]) -> tuple[str, tuple[str, ...], list[str]] | None:
    """The hand-off script's step for the rooms' calendar processing (or None): the
    read-only Get-CalendarProcessing lines first (today's values, for a rollback), then
    Set-CalendarProcessing — from room_display and the test booking, each line once."""
    from wizard.core.i18n import _

    found = [r for r in open_results if r.code in REPLAYED_CODES and r.command]
    if not found:
        return None
    lines = [line for r in found for line in r.command.splitlines()]
    reads = [line for line in lines if line.startswith("Get-CalendarProcessing")]
    return (_("Let the rooms keep what was booked, so their panels show it: first record "
              "today's calendar processing (read-only, for a rollback), then change only what "
              "the checks found."), (),
            [*reads, *(line for line in lines if line not in reads)])
