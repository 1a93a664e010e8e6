"""The sandbox Google's Calendar API: the resource calendars' events and the test booking.

``GET /calendar/v3/calendars/{room}/events``: the room's meetings
(``wizard/sandbox/room_calendars.py``) as Google keeps them — a resource calendar
stores what was booked, so the Exchange settings of a scenario do not apply here
(the organizer knobs, ``decline`` and ``no_answer`` do). The test booking:
``POST /calendar/v3/calendars/primary/events`` (the signed-in admin's event with
rooms as resource attendees; each answers like a Google room — it accepts unless
it is booked, in the attendee's ``responseStatus``), ``GET …/primary/events/{id}``
and ``DELETE …/primary/events/{id}``. Writing needs the ``calendar.events`` scope
(incremental consent), reading any calendar scope: a token without answers 403
``insufficientPermissions``, as Google does.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote

from wizard.sandbox.room_calendars import SETTINGS, Meeting, RoomCalendars
from wizard.sandbox.server import Request, Response, Router

READ_SCOPES = frozenset({"https://www.googleapis.com/auth/calendar.readonly",
                         "https://www.googleapis.com/auth/calendar.events",
                         "https://www.googleapis.com/auth/calendar"})
WRITE_SCOPES = frozenset({"https://www.googleapis.com/auth/calendar.events",
                          "https://www.googleapis.com/auth/calendar"})
ANSWERS = {"accepted": "accepted", "declined": "declined", "tentative": "tentative",
           "": "needsAction"}


class Guarded(Protocol):
    """The service's guard: a refusal (token, throttling, faults) or None."""

    state: Any

    def _guard(self, request: Request, *, directory: bool = ...) -> Response | None: ...


def calendars_for(sandbox: Any) -> RoomCalendars:
    """Google's own view of the world's rooms: booked as they are, never rewritten (kept
    on the sandbox: a test asserts no test booking stays behind)."""
    section = {**sandbox.scenario.section("room_calendars"), **dict.fromkeys(SETTINGS, False)}
    calendars = RoomCalendars(sandbox.scenario.rooms, section)
    sandbox._google_calendars = calendars
    return calendars


def requested_scope(state: Any, request: Request) -> str:
    """The scope a sign-in asks for; with ``include_granted_scopes=true`` also what the
    admin granted this client before (Google's incremental authorization)."""
    asked = request.arg("scope").split()
    if request.arg("include_granted_scopes") == "true":
        asked += sorted(set(state.granted) - set(asked))
    return " ".join(asked)


def _when(value: datetime) -> dict[str, str]:
    return {"dateTime": value.astimezone(UTC).isoformat().replace("+00:00", "Z")}


def _event(meeting: Meeting, calendars: RoomCalendars | None = None) -> dict[str, Any]:
    """An event as Google shows it; with ``calendars``: the organizer's, with the rooms'
    answers."""
    link = meeting.body.rsplit("Join the meeting: ", 1)[-1] if meeting.online else ""
    data: dict[str, Any] = {
        "kind": "calendar#event", "id": meeting.id, "iCalUID": meeting.uid,
        "summary": meeting.subject, "description": meeting.body,
        "visibility": "private" if meeting.private else "default",
        "start": _when(meeting.start), "end": _when(meeting.end)}
    if meeting.organizer_email:  # a copy re-created without one names no organizer
        data["organizer"] = {"email": meeting.organizer_email,
                             "displayName": meeting.organizer_name}
    if link and calendars is None:  # a seeded meeting booked with Meet
        data["hangoutLink"] = link
    if calendars is not None:
        data["organizer"]["self"] = True
        data["attendees"] = [{"email": room, "resource": True,
                              "responseStatus": ANSWERS[calendars.answer(meeting.uid, room)]}
                             for room in meeting.rooms]
    return data


def _parse(value: Any) -> datetime | None:
    text = value.get("dateTime") if isinstance(value, dict) else value
    if not text:
        return None
    parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _insufficient() -> Response:
    return Response.json({"error": {"code": 403, "message": "Request had insufficient "
                                    "authentication scopes.", "status": "PERMISSION_DENIED",
                                    "errors": [{"reason": "insufficientPermissions",
                                                "domain": "global"}]}}, 403)


def add_routes(router: Router, google: Guarded, calendars: RoomCalendars, admin: str = "",
               admin_name: str = "") -> None:
    def scoped(request: Request, wanted: frozenset[str]) -> Response | None:
        if (denied := google._guard(request)) is not None:
            return denied
        token = request.header("authorization").removeprefix("Bearer ").strip()
        if not wanted & set(str(google.state.scopes.get(token, "")).split()):
            return _insufficient()
        return None

    def events(request: Request) -> Response:
        if (denied := scoped(request, READ_SCOPES)) is not None:
            return denied
        room = unquote(request.match["room"]) if request.match else ""
        if not calendars.known(room):
            return Response.json({"error": {"code": 404, "message": "Not Found"}}, 404)
        held = calendars.meetings(room, _parse(request.arg("timeMin")),
                                  _parse(request.arg("timeMax")))
        if uid := request.arg("iCalUID"):
            held = [m for m in held if m.uid == uid]
        top = int(request.arg("maxResults", "250") or 250)
        return Response.json({"kind": "calendar#events", "items": [_event(m)
                                                                   for m in held[:top]]})

    def insert(request: Request) -> Response:
        if (denied := scoped(request, WRITE_SCOPES)) is not None:
            return denied
        body = request.json() or {}
        rooms = tuple(str(a.get("email", "")).lower() for a in body.get("attendees", [])
                      if a.get("resource"))
        start = _parse(body.get("start")) or datetime.now(UTC)
        end = _parse(body.get("end")) or start + timedelta(minutes=15)
        description = str(body.get("description", ""))
        meeting = calendars.book(Meeting(
            "", f"{secrets.token_hex(8)}@google.com", str(body.get("summary", "")), admin_name,
            admin, description, start, end, body.get("visibility") in ("private", "confidential"),
            "://" in description, rooms))
        return Response.json(_event(meeting, calendars))

    def _mine(request: Request) -> Meeting | None:
        wanted = unquote(request.match["id"]) if request.match else ""
        found = calendars.find(wanted)
        return found if found is not None and found.uid in calendars.bookings else None

    def get(request: Request) -> Response:
        if (denied := scoped(request, READ_SCOPES)) is not None:
            return denied
        if (meeting := _mine(request)) is None:
            return Response.json({"error": {"code": 404, "message": "Not Found"}}, 404)
        return Response.json(_event(meeting, calendars))

    def delete(request: Request) -> Response:
        if (denied := scoped(request, WRITE_SCOPES)) is not None:
            return denied
        if (meeting := _mine(request)) is None:
            return Response.json({"error": {"code": 410, "message": "Resource has been "
                                            "deleted"}}, 410)
        calendars.cancel(meeting.uid)
        return Response(204, "", content_type="text/plain")

    router.add("POST", "/calendar/v3/calendars/primary/events", insert)
    router.add("GET", r"/calendar/v3/calendars/primary/events/(?P<id>[^/]+)", get)
    router.add("DELETE", r"/calendar/v3/calendars/primary/events/(?P<id>[^/]+)", delete)
    router.add("GET", r"/calendar/v3/calendars/(?P<room>[^/]+)/events", events)
