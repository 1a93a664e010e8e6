"""Microsoft 365: what each room's panel will show, read through Graph; the test booking.

``room_display``: each room's ``calendarView`` over the last 30 days (subject,
organizer, body, online-meeting flag, sensitivity), findings as
``wizard.core.room_display`` defines them; the fix is Exchange Online PowerShell's
``Set-CalendarProcessing`` (only the parameters that apply), after the read-only
``Get-CalendarProcessing`` that records today's values for a rollback.

``test_booking`` (opt-in: ``roomcal check microsoft365 --test-booking [ROOM]``, or
the step-1 screen's button): the signed-in administrator books one private meeting
with a marker subject and a join link in its body, waits up to a minute for each
room's answer, reads the room's copy and compares, and cancels the meeting — in a
``finally``, so also when the run is cancelled.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from wizard.core import room_display as rd
from wizard.core.fanout import fan_out
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status, SubResult
from wizard.core.sample import spread
from wizard.providers.microsoft365 import graph

# Who sends the test booking, as the step-1 dialog says before anything is sent.
SENDER = N_("the signed-in administrator")
PREFIX = "microsoft365.room_display"
BOOKING_PREFIX = "microsoft365.test_booking"
CONCURRENCY = 8
SELECT = "subject,organizer,body,isOnlineMeeting,sensitivity,iCalUId"
REPLAYED_CODES = tuple(f"{prefix}.{code}" for prefix in (PREFIX, BOOKING_PREFIX)
                       for code in (*rd.FINDINGS, rd.NOT_EVALUATED, "declined", "no_answer"))
GRAPH_ANSWERS = {"accepted": "accepted", "declined": "declined",
                 "tentativelyAccepted": "tentative"}


def _rooms(ctx: CheckContext) -> list[tuple[str, str]]:
    return [(str(r.get("displayName") or r.get("emailAddress", "")),
             str(r.get("emailAddress", ""))) for r in ctx.shared.get("m365.rooms", [])]


def _seen(event: dict[str, Any]) -> rd.Seen:
    organizer = (event.get("organizer") or {}).get("emailAddress") or {}
    return rd.Seen(subject=str(event.get("subject") or ""),
                   organizer=str(organizer.get("name") or ""),
                   body=str((event.get("body") or {}).get("content") or ""),
                   online=bool(event.get("isOnlineMeeting")),
                   private=event.get("sensitivity") == "private",
                   organizer_email=str(organizer.get("address") or ""))


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _view(ctx: CheckContext, email: str, start: datetime, end: datetime) -> Any:
    query = urlencode({"startDateTime": _when(start), "endDateTime": _when(end),
                       "$select": SELECT, "$top": rd.MAX_MEETINGS})
    return graph.get(ctx, f"/users/{quote(email, safe='')}/calendarView?{query}")


def read_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): what its calendar shows (fan-out: by name, plain values)."""
    name, email = room
    now = datetime.now(UTC)
    events = _view(ctx, email, now - timedelta(days=rd.RECENT_DAYS), now)
    if not isinstance(events, list):
        return SubResult(name, Status.SKIP, Msg(N_("not evaluated: HTTP {status}"),
                                                status=events.status_code), email,
                         code=f"{PREFIX}.{rd.NOT_EVALUATED}")
    return rd.room_item(name, email, [_seen(e) for e in events[:rd.MAX_MEETINGS]], PREFIX)


def fix_command(rooms: list[tuple[str, list[str]]]) -> str:
    emails = [email for email, _found in rooms]
    return "\n".join(["Connect-ExchangeOnline", *rd.get_calendar_processing(emails),
                      *rd.set_calendar_processing(rooms), rd.external_line(emails)]).strip()


REMEDY = N_("Let the rooms keep what was booked (Exchange Online PowerShell; run "
            "Get-CalendarProcessing first: it records today's values for a rollback). Where "
            "people outside the organisation book the rooms, also "
            "-ProcessExternalMeetingMessages $true.")
UNPROVEN = N_("Prove what the panel shows with a test booking: roomcal check microsoft365 "
              "--test-booking")


def check_room_display(ctx: CheckContext) -> CheckResult:
    every = _rooms(ctx)
    rooms = spread(every, ctx.settings.room_sample)  # a large tenant: an even sample
    items: list[SubResult] = []
    fan_out(ctx, read_room, rooms, concurrency=CONCURRENCY, on_result=items.append,
            shared={"m365.token": ctx.shared.get("m365.token")})
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    items.sort(key=lambda i: order.get(i.key, 0))
    return rd.summarize("room_display", PREFIX, items, command=fix_command,
                        remedy=Msg(REMEDY), unproven=Msg(UNPROVEN), total=len(every))


def _send(ctx: CheckContext, method: str, path: str, body: Any = None) -> Any:
    from wizard.core.retry import Backoff, send_retrying

    headers = {"Authorization": f"Bearer {ctx.shared.get('m365.token')}"}
    client = graph.http(ctx)
    return send_retrying(lambda: client.request(method, f"{graph.graph_url(ctx)}/v1.0{path}",
                                                json=body, headers=headers), Backoff(ctx.cancel))


def check_test_booking(ctx: CheckContext) -> CheckResult:
    wanted = rd.booking_rooms(ctx.confirmations, _rooms(ctx))
    if wanted is None:
        return rd.not_requested("test_booking", "microsoft365")
    token = secrets.token_hex(4)
    subject = rd.MARKER.format(token=token)
    join_url = rd.JOIN_URL.format(token=token)
    start, end = rd.booking_slot()
    with rd.IN_FLIGHT.booking():  # quitting waits for the cancellation below
        created = _send(ctx, "POST", "/me/events", {
            "subject": subject, "body": {"contentType": "text", "content": rd.test_body(token)},
            "sensitivity": "private", "start": {"dateTime": _when(start), "timeZone": "UTC"},
            "end": {"dateTime": _when(end), "timeZone": "UTC"},
            "attendees": [{"type": "resource", "emailAddress": {"address": email, "name": name}}
                          for name, email in wanted]})
        if created.status_code >= 400:
            return graph.http_failure("test_booking", created)
        event = created.json()
        event_path = f"/me/events/{quote(str(event['id']), safe='')}"
        sent_by = (event.get("organizer") or {}).get("emailAddress") or {}
        organizer, sender = str(sent_by.get("name", "")), str(sent_by.get("address", ""))
        answers: dict[str, str] = {}
        try:
            deadline = time.monotonic() + rd.ANSWER_WAIT
            while not ctx.cancel.is_set() and time.monotonic() < deadline:
                fresh = _send(ctx, "GET", event_path)
                if fresh.status_code < 400:
                    for attendee in fresh.json().get("attendees", []):
                        status = attendee.get("status") or {}
                        kind = GRAPH_ANSWERS.get(str(status.get("response")))
                        if kind:
                            answers[str(attendee["emailAddress"]["address"]).lower()] = kind
                if len(answers) >= len(wanted):
                    break
                ctx.cancel.wait(0.5)
            if ctx.cancel.is_set():  # the finally cancels the meeting
                return rd.cancelled("test_booking", BOOKING_PREFIX)
            items = []
            for name, email in wanted:
                answer = answers.get(email.lower(), "")
                copy = None
                if answer in ("accepted", "tentative"):
                    held = _view(ctx, email, start - timedelta(minutes=1),
                                 end + timedelta(minutes=1))
                    copies = [e for e in held if e.get("iCalUId") == event.get("iCalUId")] \
                        if isinstance(held, list) else []
                    copy = _seen(copies[0]) if copies else None
                items.append(rd.booking_item(name, email, answer, copy, subject=subject,
                                             organizer=organizer, join_url=join_url,
                                             code_prefix=BOOKING_PREFIX, sender=sender))
        finally:  # cancelled so nothing stays behind, also when interrupted
            _send(ctx, "POST", f"{event_path}/cancel",
                  {"comment": "roomcal test booking: cancelled at once."})
    return rd.booking_result("test_booking", BOOKING_PREFIX, items, command=fix_command,
                             remedy=Msg(REMEDY))


CHECKS = (
    CheckSpec("room_display", N_("Room panels show what was booked"), check_room_display,
              needs=("calendar_access",), timeout=600, required=False,
              help=N_("The room mailbox's calendar processing decides what the panel beside "
                      "the door shows.")),
    CheckSpec("test_booking", N_("Test booking (opt-in)"), check_test_booking,
              needs=("room_display",), timeout=rd.ANSWER_WAIT + 60, required=False),
)
