"""What the sandbox's rooms do with a meeting: the room mailbox's calendar processing.

One world for every service (Exchange's EWS, Microsoft Graph, Google Calendar):
each renders these rooms' calendars in its own wire format. A room behaves like
Exchange's resource booking assistant — it answers an invitation within a second
and stores its own copy, rewritten by its settings — or like a fixed room (it
keeps what was booked). The rooms' calendars hold a few recent meetings, seeded
per scenario, for the ``room_display`` check to read.

Scenario keys (``[room_calendars]``, top level):

* ``processing``: ``"configured"`` (default: the rooms keep subject, body and the
  private flag, as a room display needs) or ``"defaults"`` (Exchange's defaults:
  ``AddOrganizerToSubject``, ``DeleteSubject``, ``DeleteComments``,
  ``RemovePrivateProperty`` all true)
* ``add_organizer_to_subject``, ``delete_subject``, ``delete_comments``,
  ``remove_private_property``: ``true``/``false``, or a list of room addresses
  (wins over ``processing``)
* ``process_external``: invitations from outside the organisation are answered
  (default ``false``: ignored, as ``ProcessExternalMeetingMessages`` is by default)
* ``decline``: room addresses that decline every invitation (a booking window or a
  conflict); ``no_answer``: room addresses that never answer (no booking assistant)
* ``recent_meetings``: meetings seeded per room (default 3; 0: none — "not evaluated");
  ``no_meetings``: room addresses whose calendars hold none
* ``answer_delay_ms``: how long a room takes to answer (default 300)
* ``organizer_room``: room addresses whose copy of a booking names the room itself as
  the organizer; ``organizer_missing``: whose copy names no organizer (something other
  than the booking assistant re-created it: an inbox rule, a booking add-on)
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.sandbox.rooms import DOMAIN, Room

SETTINGS = ("add_organizer_to_subject", "delete_subject", "delete_comments",
            "remove_private_property")
JOIN_URL = "https://teams.example.com/l/meetup-join/sandbox-{n}"
# Who booked the seeded meetings (a colleague of the organisation).
ORGANIZERS = (("Anna Schmidt", f"anna.schmidt@{DOMAIN}"),
              ("Jonas Weber", f"jonas.weber@{DOMAIN}"))
SEEDED = (  # subject, body with a join link?, private?
    ("Sprint Review", True, False),
    ("Kundentermin Nordwind", True, True),
    ("Weekly", False, False),
)


@dataclass(frozen=True)
class Meeting:
    """A meeting as one calendar holds it (the organizer's, or a room's copy)."""

    id: str
    uid: str
    subject: str
    organizer_name: str
    organizer_email: str
    body: str
    start: datetime
    end: datetime
    private: bool = False
    online: bool = False  # an online meeting (Teams): it had a join link in its body
    rooms: tuple[str, ...] = ()


@dataclass
class Booking:
    meeting: Meeting
    answers: dict[str, str] = field(default_factory=dict)  # room -> accepted/declined/…
    cancelled: bool = False


@dataclass
class RoomCalendars:
    rooms: list[Room]
    section: dict[str, Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    bookings: dict[str, Booking] = field(default_factory=dict)  # uid -> booking
    copies: dict[str, dict[str, Meeting]] = field(default_factory=dict)  # room -> uid -> copy
    cancelled: list[str] = field(default_factory=list)  # uids cancelled (nothing stays)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        count = int(self.section.get("recent_meetings", len(SEEDED)))
        for i, room in enumerate(self.rooms[:500]):  # many rooms: the first 500 have meetings
            for n in range(0 if self._listed("no_meetings", room.email) else count):
                subject, has_body, private = SEEDED[n % len(SEEDED)]
                name, email = ORGANIZERS[(i + n) % len(ORGANIZERS)]
                start = now - timedelta(days=n + 1, hours=i % 5)
                join = JOIN_URL.format(n=f"{i}-{n}")
                body = f"Agenda: {subject}\nJoin the meeting: {join}" if has_body else ""
                original = Meeting(self._id(), f"seed-{i}-{n}", subject, name, email, body,
                                   start, start + timedelta(minutes=30), private, has_body,
                                   (room.email,))
                self.copies.setdefault(room.email.lower(), {})[original.uid] = \
                    self.processed(room.email, original)

    def _id(self) -> str:
        return f"mtg-{next(self._ids):06d}"

    def _setting(self, name: str, room: str) -> bool:
        value = self.section.get(name)
        if isinstance(value, list):
            return room.lower() in {str(v).lower() for v in value}
        if value is not None:
            return bool(value)
        return bool(self.section.get("processing", "configured") == "defaults")

    def _listed(self, name: str, room: str) -> bool:
        return room.lower() in {str(v).lower() for v in self.section.get(name, [])}

    def processed(self, room: str, meeting: Meeting) -> Meeting:
        """The room's copy: what its calendar processing leaves of the meeting."""
        subject = meeting.subject
        if self._setting("delete_subject", room):
            subject = ""
        if self._setting("add_organizer_to_subject", room):
            subject = f"{meeting.organizer_name} {subject}".strip()
        room_copy = next((r for r in self.rooms if r.email.lower() == room.lower()), None)
        if self._listed("organizer_room", room) and room_copy is not None:
            meeting = replace(meeting, organizer_name=room_copy.name,
                              organizer_email=room_copy.email)
        elif self._listed("organizer_missing", room):
            meeting = replace(meeting, organizer_name="", organizer_email="")
        return replace(meeting, id=self._id(), subject=subject,
                       body="" if self._setting("delete_comments", room) else meeting.body,
                       private=meeting.private and not self._setting(
                           "remove_private_property", room))

    def known(self, room: str) -> bool:
        return room.lower() in {r.email.lower() for r in self.rooms}

    def meetings(self, room: str, start: datetime | None = None,
                 end: datetime | None = None) -> list[Meeting]:
        """The room's calendar between start and end (overlapping), by start."""
        with self.lock:
            held = list(self.copies.get(room.lower(), {}).values())
        return sorted((m for m in held if (start is None or m.end > start)
                       and (end is None or m.start < end)), key=lambda m: m.start)

    def find(self, meeting_id: str) -> Meeting | None:
        """A room's copy or an organizer's meeting by its id."""
        with self.lock:
            for copies in self.copies.values():
                for copy in copies.values():
                    if copy.id == meeting_id:
                        return copy
            for booking in self.bookings.values():
                if booking.meeting.id == meeting_id:
                    return booking.meeting
        return None

    def book(self, meeting: Meeting, *, external: bool = False) -> Meeting:
        """An invitation to ``meeting.rooms``: each room answers after a moment."""
        meeting = replace(meeting, id=self._id())
        booking = Booking(meeting)
        with self.lock:
            self.bookings[meeting.uid] = booking
        delay = float(self.section.get("answer_delay_ms", 300)) / 1000
        for room in meeting.rooms:
            timer = threading.Timer(delay, self._answer, (booking, room, external))
            timer.daemon = True
            timer.start()
        return meeting

    def _answer(self, booking: Booking, room: str, external: bool) -> None:
        if not self.known(room) or self._listed("no_answer", room) or (
                external and not self.section.get("process_external", False)):
            return  # no booking assistant, or an external invitation ignored: no answer
        with self.lock:
            if booking.cancelled:
                return
            if self._listed("decline", room):
                booking.answers[room.lower()] = "declined"
                return
            booking.answers[room.lower()] = "accepted"
            self.copies.setdefault(room.lower(), {})[booking.meeting.uid] = \
                self.processed(room, booking.meeting)

    def answer(self, uid: str, room: str) -> str:
        """accepted, declined, tentative, or "" (no answer yet)."""
        with self.lock:
            booking = self.bookings.get(uid)
            return booking.answers.get(room.lower(), "") if booking else ""

    def cancel(self, uid: str) -> bool:
        """The organizer cancels: every room's copy goes, nothing stays behind."""
        with self.lock:
            booking = self.bookings.pop(uid, None)
            if booking is None:
                return False
            booking.cancelled = True
            self.cancelled.append(uid)
            for copies in self.copies.values():
                copies.pop(uid, None)
        return True

    def open_bookings(self) -> list[str]:
        """Test bookings not cancelled (a test asserts there are none left)."""
        with self.lock:
            return list(self.bookings)


def start(sandbox: Any) -> RoomCalendars:
    """The world's room calendars, once per sandbox (every service shares them)."""
    with _lock:
        found = getattr(sandbox, "_room_calendars", None)
        if found is None:
            found = RoomCalendars(sandbox.scenario.rooms,
                                  sandbox.scenario.section("room_calendars"))
            sandbox._room_calendars = found
        return found


_lock = threading.Lock()


# What replays a finding (wizard.core.room_display): the settings that produce it.
REPLAYED = {
    "organizer_subject": ("add_organizer_to_subject", "delete_subject"),
    "subject_removed": ("delete_subject",),
    "body_removed": ("delete_comments",),
    "private_shown": ("remove_private_property",),
    "wrong_organizer": ("organizer_room",),
}


def replay(check: Any, _inputs: Any) -> dict[str, Any]:
    """A ``room_display`` or ``test_booking`` result (any provider's) → ``[room_calendars]``:
    each room's findings become its settings, a room not evaluated has no meetings, a room
    that declined or did not answer does so again."""
    from wizard.core.room_display import found_in

    section: dict[str, list[str]] = {}
    for item in check.get("items", ()):
        key = str(item.get("key") or item.get("name"))
        code = str(item.get("code", ""))
        if item.get("status") == "warn":
            for finding in found_in(item.get("detail_msg")):
                for setting in REPLAYED.get(finding, ()):
                    section.setdefault(setting, []).append(key)
        if code.endswith(".not_evaluated"):
            section.setdefault("no_meetings", []).append(key)
        elif code.endswith(".declined"):
            section.setdefault("decline", []).append(key)
        elif code.endswith(".no_answer"):
            section.setdefault("no_answer", []).append(key)
    return {"room_calendars": section}
