"""What a room's panel will show: findings from a room's calendar, the same for every service.

A room display shows the room's calendar as the room mailbox keeps it. With
Exchange's defaults an auto-accepting room stores the organizer's name as the
subject (``AddOrganizerToSubject``, ``DeleteSubject``), strips the body and with
it the online meeting's join link (``DeleteComments``) and drops the private flag
(``RemovePrivateProperty``) — none of which raises an error. A provider's
``room_display`` check reads each room's recent meetings into ``Seen`` and asks
this module what they show; its ``test_booking`` books one meeting and compares
the room's copy with what was sent (``compare``).

What a room's copy alone cannot show: whether the organizer had marked a meeting
private. Exchange's booking assistant (``RemovePrivateProperty``, also Exchange
Online's behind Graph) writes the room's copy as ``Normal``: no field of the copy
keeps what the organizer sent, so a room copy that is not private is either a
meeting nobody marked private or a dropped flag. The organizer's own copy keeps
it, but reading it means reading a colleague's mailbox (and a room-scoped
impersonation or application access policy rightly refuses that). A copy that *is*
private proves the room keeps the flag. Google's resource calendars keep the
event's ``visibility`` as booked (no such setting). So only the test booking,
which is sent private, proves it (``private_shown``).

The test booking also compares the organizer of the room's copy with who sent it
(``wrong_organizer``): a copy naming the room itself, or no one, shows the panel
the room as the organizer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from wizard.core import sample
from wizard.core.i18n import N_
from wizard.core.model import CheckResult, Msg, Plural, Status, SubResult, Text
from wizard.core.powershell import literal

ORGANIZER_SUBJECT = "organizer_subject"
SUBJECT_REMOVED = "subject_removed"
BODY_REMOVED = "body_removed"
PRIVATE_SHOWN = "private_shown"
WRONG_ORGANIZER = "wrong_organizer"  # the test booking's copy: not who sent it
NOT_EVALUATED = "not_evaluated"
FINDINGS = (ORGANIZER_SUBJECT, SUBJECT_REMOVED, BODY_REMOVED, PRIVATE_SHOWN, WRONG_ORGANIZER)
# What a room with the finding shows (a room's line), by finding.
SENTENCES = {
    ORGANIZER_SUBJECT: N_("shows the organizer's name instead of the meeting's subject"),
    SUBJECT_REMOVED: N_("shows no subject"),
    BODY_REMOVED: N_("removes the body and the online meeting's join link"),
    PRIVATE_SHOWN: N_("drops the private flag: private meetings are shown with their subject"),
    WRONG_ORGANIZER: N_("names no organizer, not who booked it ({sender})"),
}
# The organizer finding's other sentences (what the room's copy names instead).
ORGANIZER_ROOM = N_("names the room itself as the organizer, not who booked it ({sender})")
ORGANIZER_OTHER = N_("names {organizer} as the organizer, not who booked it ({sender})")
ORGANIZER_REMEDY = N_(
    "A room's copy that does not name who booked it was written into the room's calendar by "
    "something other than the invitation (an inbox rule, a delegate, a booking add-on or a "
    "sync tool): its panel shows the room, or no one, as the organizer. Check what else "
    "writes into the room's calendar.")
# The Set-CalendarProcessing parameters that fix each finding ($false each).
PARAMETERS = {
    ORGANIZER_SUBJECT: ("DeleteSubject", "AddOrganizerToSubject"),
    SUBJECT_REMOVED: ("DeleteSubject",),
    BODY_REMOVED: ("DeleteComments",),
    PRIVATE_SHOWN: ("RemovePrivateProperty",),
}
ORDER = ("DeleteSubject", "AddOrganizerToSubject", "DeleteComments", "RemovePrivateProperty")
RECENT_DAYS = 30  # how far back the check reads a room's calendar
MAX_MEETINGS = 20  # meetings read per room
MAX_NAMED = 5  # rooms named in a sentence; the items name them all
MAX_COMMANDS = 200  # rooms with a line in the fix; the rest are counted


@dataclass(frozen=True)
class Seen:
    """One meeting as a room's calendar holds it."""

    subject: str
    organizer: str  # the organizer's display name
    body: str = ""
    online: bool = False  # an online meeting: its body had the join link
    private: bool = False
    organizer_email: str = ""  # the organizer's address ("" when the copy names none)


def findings(meetings: Sequence[Seen]) -> tuple[str, ...]:
    """What the panel of a room holding these meetings would show wrongly."""
    found: list[str] = []
    named = [m for m in meetings if m.organizer.strip()]
    if named and all(_organizer_subject(m) for m in named):
        found.append(ORGANIZER_SUBJECT)
    elif meetings and all(not m.subject.strip() for m in meetings):
        found.append(SUBJECT_REMOVED)
    if any(m.online and "://" not in m.body for m in meetings):
        found.append(BODY_REMOVED)
    return tuple(found)


def _organizer_subject(meeting: Seen) -> bool:
    subject, organizer = meeting.subject.strip().casefold(), meeting.organizer.strip().casefold()
    return subject == organizer or subject.startswith(organizer + " ")


def describe(found: Sequence[str], said: Mapping[str, Msg] | None = None) -> Msg:
    """The findings of one room as one sentence (nested messages: a replay reads the ids);
    ``said``: a finding's own sentence with its parameters (``wrong_organizer``)."""
    first = (said or {}).get(found[0]) or Msg(SENTENCES[found[0]])
    if len(found) == 1:
        return first
    return Msg(N_("{first}; {rest}"), first=first, rest=describe(found[1:], said))


def found_in(detail: object) -> list[str]:
    """The findings a room's stored sentence names (``describe``'s, encoded or not)."""
    codes = {msgid: code for code, msgid in SENTENCES.items()}
    codes.update(dict.fromkeys((ORGANIZER_ROOM, ORGANIZER_OTHER), WRONG_ORGANIZER))
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, Msg):
            msgid, params = value.msgid, value.params
        elif isinstance(value, dict) and isinstance(value.get("id"), str):
            msgid, params = value["id"], value.get("params") or {}
        else:
            return
        if msgid in codes:
            out.append(codes[msgid])
        for param in params.values() if isinstance(params, dict) else ():
            walk(param)

    walk(detail)
    return out


def no_meetings() -> Plural:
    return Plural("no meetings in the last {days} day", "no meetings in the last {days} days",
                  RECENT_DAYS, days=RECENT_DAYS)


def room_item(name: str, email: str, meetings: Sequence[Seen], code_prefix: str) -> SubResult:
    """One room's line: what its panel shows, or that it could not be told."""
    if not meetings:
        return SubResult(name, Status.SKIP, Msg(N_("not evaluated: {why}"), why=no_meetings()),
                         email, code=f"{code_prefix}.{NOT_EVALUATED}")
    if found := findings(meetings):
        return SubResult(name, Status.WARN, describe(found), email,
                         code=f"{code_prefix}.{found[0]}")
    return SubResult(name, Status.PASS, Plural("shows what was booked ({count} meeting read)",
                                               "shows what was booked ({count} meetings read)",
                                               len(meetings), count=len(meetings)), email)


def set_calendar_processing(rooms: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """One Set-CalendarProcessing per room (address, findings), with only the parameters
    that apply; each address a PowerShell literal."""
    lines = []
    for email, found in rooms[:MAX_COMMANDS]:
        wanted = {p for f in found for p in PARAMETERS.get(f, ())}
        if wanted:
            lines.append(f"Set-CalendarProcessing -Identity {literal(email)} " + " ".join(
                f"-{p} $false" for p in ORDER if p in wanted))
    return lines


def get_calendar_processing(emails: Sequence[str]) -> list[str]:
    """The read-only record of today's values, for a rollback (run before the fix)."""
    return [f"Get-CalendarProcessing -Identity {literal(e)} | Format-List Identity,"
            "AutomateProcessing,AddOrganizerToSubject,DeleteSubject,DeleteComments,"
            "RemovePrivateProperty,ProcessExternalMeetingMessages"
            for e in emails[:MAX_COMMANDS]]


def external_line(emails: Sequence[str]) -> str:
    """Commented: only where people outside the organisation book the rooms."""
    if not emails:
        return ""
    return (f"# Set-CalendarProcessing -Identity {literal(emails[0])} "
            "-ProcessExternalMeetingMessages $true")


def summarize(check_id: str, code_prefix: str, items: Sequence[SubResult], *,
              command: Callable[[list[tuple[str, list[str]]]], str] | None,
              remedy: Text, unproven: Text, total: int = 0) -> CheckResult:
    """The check's result from its rooms' lines: a finding is a warning, and so is a
    room that could not be evaluated (never a pass). ``total``: the tenant's rooms, when
    the lines are a sample of them (``wizard.core.sample``) — the sentence says so."""
    result = _summarize(check_id, code_prefix, items, command=command, remedy=remedy,
                        unproven=unproven)
    return replace(result, detail=sample.noted(result.detail, len(items), total))


def _summarize(check_id: str, code_prefix: str, items: Sequence[SubResult], *,
               command: Callable[[list[tuple[str, list[str]]]], str] | None,
               remedy: Text, unproven: Text) -> CheckResult:
    shown = [i for i in items if i.status == Status.WARN]
    unknown = [i for i in items if i.status == Status.SKIP]
    if not items:
        return CheckResult(check_id, Status.SKIP, Msg(N_("Not evaluated: no rooms to read.")),
                           code=f"{code_prefix}.{NOT_EVALUATED}")
    if shown:
        per_room = [(i.key, found_in(i.detail)) for i in shown]
        first = next(f for f in FINDINGS if any(f in found for _key, found in per_room))
        names = ", ".join(i.name for i in shown[:MAX_NAMED])
        detail = Plural("{count} room's panel would not show what was booked: {rooms}",
                        "{count} rooms' panels would not show what was booked: {rooms}",
                        len(shown), count=len(shown), rooms=names)
        return CheckResult(check_id, Status.WARN, detail, remedy,
                           command=command(per_room) if command else "", items=tuple(items),
                           code=f"{code_prefix}.{first}")
    if unknown:
        names = ", ".join(i.name for i in unknown[:MAX_NAMED])
        return CheckResult(check_id, Status.WARN, Plural(
            "Not evaluated for {count} room ({why}): {rooms}",
            "Not evaluated for {count} rooms ({why}): {rooms}",
            len(unknown), count=len(unknown), why=no_meetings(), rooms=names), unproven,
            items=tuple(items), code=f"{code_prefix}.{NOT_EVALUATED}")
    meetings = len(items)
    return CheckResult(check_id, Status.PASS, Plural(
        "The panel of {count} room shows what was booked: subject, organizer, body.",
        "The panels of all {count} rooms show what was booked: subject, organizer, body.",
        meetings, count=meetings), items=tuple(items))


# -- the test booking ---------------------------------------------------------------------

ANSWERS = {
    "accepted": N_("accepted"),
    "tentative": N_("accepted tentatively"),
    "declined": N_("declined (a booking window, a conflict or who may book it)"),
    "": N_("no answer within a minute (no booking assistant, or it ignores the organizer)"),
}
ANSWER_WAIT = 60.0  # seconds a room has to answer
MARKER = "roomcal test booking {token}"
JOIN_URL = "https://roomcal.invalid/join/{token}"


def test_body(token: str) -> str:
    return (f"A test booking by roomcal: it is cancelled at once.\n"
            f"Join the meeting: {JOIN_URL.format(token=token)}")


def organizer_said(copy: Seen, *, room: str, sender: str, sender_name: str) -> Msg | None:
    """What the room's copy names as the organizer when that is not who sent the booking
    (``sender``, an address): the room itself, no one, or someone else; None: the sender.

    A copy whose organizer has no SMTP address (an X.500 one) is compared by name."""
    address = copy.organizer_email.strip().casefold()
    named = copy.organizer.strip()
    if not address and not named:
        return Msg(SENTENCES[WRONG_ORGANIZER], sender=sender)
    if address and address == room.strip().casefold():
        return Msg(ORGANIZER_ROOM, sender=sender)
    if "@" in address:
        same = not sender or address == sender.strip().casefold()
    else:
        same = not sender_name.strip() or named.casefold() == sender_name.strip().casefold()
    if same:
        return None
    return Msg(ORGANIZER_OTHER, organizer=copy.organizer_email or named, sender=sender)


def compare(sent_subject: str, organizer: str, join_url: str, copy: Seen, *, room: str = "",
            sender: str = "") -> tuple[str, ...]:
    """What the room's copy of the test booking (sent private, with a join link, by
    ``sender`` named ``organizer``) lost."""
    found: list[str] = []
    if copy.subject.strip() != sent_subject:
        found.append(ORGANIZER_SUBJECT if _organizer_subject(
            Seen(copy.subject, organizer)) and organizer.strip() else SUBJECT_REMOVED)
    if join_url not in copy.body:
        found.append(BODY_REMOVED)
    if not copy.private:
        found.append(PRIVATE_SHOWN)
    if organizer_said(copy, room=room, sender=sender, sender_name=organizer) is not None:
        found.append(WRONG_ORGANIZER)
    return tuple(found)


def booking_item(name: str, email: str, answer: str, copy: Seen | None, *, subject: str,
                 organizer: str, join_url: str, code_prefix: str, sender: str = ""
                 ) -> SubResult:
    """One room's line of the test booking (``organizer``: the sender's name, ``sender``:
    its address — the service account or the signed-in administrator)."""
    said = Msg(ANSWERS.get(answer, ANSWERS[""]))
    if answer not in ("accepted", "tentative"):
        code = "declined" if answer == "declined" else "no_answer"
        return SubResult(name, Status.WARN, said, email, code=f"{code_prefix}.{code}")
    if copy is None:
        return SubResult(name, Status.WARN, Msg(N_("{answer}, but its calendar holds no copy"),
                                                answer=said), email,
                         code=f"{code_prefix}.no_copy")
    if found := compare(subject, organizer, join_url, copy, room=email, sender=sender):
        named = organizer_said(copy, room=email, sender=sender, sender_name=organizer)
        return SubResult(name, Status.WARN, Msg(N_("{answer}; its copy {findings}"),
                                                answer=said, findings=describe(
                                                    found, {WRONG_ORGANIZER: named}
                                                    if named else None)), email,
                         code=f"{code_prefix}.{found[0]}")
    return SubResult(name, Status.PASS, Msg(N_("{answer}; its copy keeps subject, organizer, "
                                               "body, join link and the private flag"),
                                            answer=said), email)


TEST_BOOKING = "test_booking"  # the confirmation that asks for one; "test_booking:ROOM"
# The checks about what the panels show: a room they flag is read by Cronofy all the same.
CHECKS = ("room_display", TEST_BOOKING)
SAMPLE = 3  # rooms a test booking goes to when none is chosen


def booking_rooms(confirmations: frozenset[str], rooms: Sequence[tuple[str, str]]
                  ) -> list[tuple[str, str]] | None:
    """The rooms (name, address) the person asked a test booking for; None: not asked.

    ``test_booking``: a sample (the first rooms); ``test_booking:ADDRESS``: that room
    (also one the room list does not hold: the answer will say so)."""
    chosen = [c.partition(":")[2].strip() for c in confirmations
              if c.startswith(TEST_BOOKING + ":")]
    if chosen:
        by_email = {email.lower(): (name, email) for name, email in rooms}
        return [by_email.get(c.lower(), (c, c)) for c in chosen if c]
    if TEST_BOOKING in confirmations:
        return list(rooms[:SAMPLE])
    return None


def not_requested(check_id: str, provider: str) -> CheckResult:
    return CheckResult(check_id, Status.SKIP, Msg(N_(
        "Not run: a test booking sends one meeting to a room and cancels it at once; it runs "
        "only when asked for (roomcal check {provider} --test-booking, or the step-1 "
        "screen's “Test booking…” button)."), provider=provider))


def request(room: str = "") -> str:
    """The confirmation that asks for a test booking: to ``room`` (an address), or a sample."""
    return f"{TEST_BOOKING}:{room}" if room.strip() else TEST_BOOKING


def cancelled(check_id: str, code_prefix: str) -> CheckResult:
    """A test booking cancelled before the rooms answered: nothing to say about them."""
    return CheckResult(check_id, Status.SKIP, Msg(N_(
        "Cancelled before the rooms answered; the meeting was cancelled too, nothing stays "
        "in their calendars.")), code=f"{code_prefix}.cancelled")


class _InFlight:
    """Test bookings sent and not yet cancelled, in this process: quitting waits for them
    (a check's thread is abandoned when its run ends; its ``finally`` must still run)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    @contextmanager
    def booking(self) -> Iterator[None]:
        with self._idle:
            self._count += 1
        try:
            yield
        finally:
            with self._idle:
                self._count -= 1
                self._idle.notify_all()

    def wait(self, timeout: float) -> bool:
        """True once no test booking is left to cancel (False: still one after ``timeout``)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


IN_FLIGHT = _InFlight()


def changes(command: str) -> list[str]:
    """The lines of a fix (``set_calendar_processing``'s) that change a room's settings."""
    return [line for line in command.splitlines() if line.startswith("Set-CalendarProcessing")]


def panel_problems(results: Mapping[str, CheckResult]) -> list[tuple[str, Text]]:
    """The rooms (name, what their panel shows wrongly) ``room_display`` and the test booking
    found, each room once (the test booking's word first: it proves what the room keeps)."""
    seen: dict[str, tuple[str, Text]] = {}
    for check_id in (TEST_BOOKING, "room_display"):  # the test booking's word first
        result = results.get(check_id)
        for item in result.items if result is not None else ():
            if item.status == Status.WARN and found_in(item.detail):
                seen.setdefault((item.key or item.name).lower(), (item.name, item.detail))
    return list(seen.values())


def booking_slot() -> tuple[datetime, datetime]:
    """Two days ahead, on the hour, 15 minutes: inside every usual booking window."""
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(minutes=15)


def booking_result(check_id: str, code_prefix: str, items: Sequence[SubResult], *,
                   command: Callable[[list[tuple[str, list[str]]]], str] | None,
                   remedy: Text, unanswered: Text | None = None) -> CheckResult:
    """The test booking's result: a pass only where a room answered and its copy kept all;
    ``unanswered``: what to do about a room that declined or did not answer (default:
    Exchange's booking assistant)."""
    lost = [i for i in items if i.status == Status.WARN and found_in(i.detail)]
    silent = [i for i in items if i.status == Status.WARN and not found_in(i.detail)]
    names = ", ".join(i.name for i in [*lost, *silent][:MAX_NAMED])
    if lost:
        per_room = [(i.key, found_in(i.detail)) for i in lost]
        first = next(f for f in FINDINGS if any(f in found for _key, found in per_room))
        settable = [(key, found) for key, found in per_room
                    if any(f in PARAMETERS for f in found)]
        if any(WRONG_ORGANIZER in found for _key, found in per_room):
            organizer = Msg(ORGANIZER_REMEDY)
            remedy = Msg(N_("{remedy} {organizer}"), remedy=remedy, organizer=organizer) \
                if settable else organizer
        return CheckResult(check_id, Status.WARN, Plural(
            "The test booking proves {count} room's panel would not show what was booked: "
            "{rooms}", "The test booking proves {count} rooms' panels would not show what was "
            "booked: {rooms}", len(lost), count=len(lost), rooms=names), remedy,
            command=command(settable) if command and settable else "", items=tuple(items),
            code=f"{code_prefix}.{first}")
    if silent:
        return CheckResult(check_id, Status.WARN, Plural(
            "{count} room did not accept the test booking: {rooms}",
            "{count} rooms did not accept the test booking: {rooms}",
            len(silent), count=len(silent), rooms=names), unanswered or Msg(N_(
                "A room that declines or does not answer books nothing from the panel's "
                "calendar either: check its booking window, who may book it "
                "(BookInPolicy) and that its booking assistant runs (AutomateProcessing "
                "AutoAccept).")), items=tuple(items),
            code=silent[0].code or f"{code_prefix}.no_answer")
    return CheckResult(check_id, Status.PASS, Plural(
        "Test booking: {count} room accepted and keeps what was booked; the meeting was "
        "cancelled.", "Test booking: {count} rooms accepted and keep what was booked; the "
        "meeting was cancelled.", len(items), count=len(items)), items=tuple(items))
