"""The sandbox Graph's calendar events: what ``room_display`` and the test booking send.

``GET /users/{room}/calendarView`` (a room's copies, as its calendar processing left
them: ``wizard/sandbox/room_calendars.py``), ``POST /me/events`` (the signed-in
admin books rooms; each answers like Exchange Online's resource booking assistant),
``GET /me/events/{id}`` (the rooms' answers), ``POST /me/events/{id}/cancel``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote

from wizard.sandbox.room_calendars import Meeting, RoomCalendars
from wizard.sandbox.server import Request, Response, Router


class Guarded(Protocol):
    """The service's guard: a refusal (token, throttling, faults) or None."""

    state: Any

    def _guard(self, request: Request) -> Response | None: ...

GRAPH_ANSWERS = {"accepted": "accepted", "declined": "declined",
                 "tentative": "tentativelyAccepted", "": "none"}


def _when(value: datetime) -> dict[str, str]:
    return {"dateTime": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
            "timeZone": "UTC"}


def _parse(value: Any) -> datetime | None:
    text = value.get("dateTime") if isinstance(value, dict) else value
    if not text:
        return None
    parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def event(meeting: Meeting, calendars: RoomCalendars, *, organizer_copy: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": meeting.id, "iCalUId": meeting.uid, "subject": meeting.subject,
        "body": {"contentType": "text", "content": meeting.body},
        "sensitivity": "private" if meeting.private else "normal",
        "isOnlineMeeting": meeting.online, "start": _when(meeting.start),
        "end": _when(meeting.end)}
    if meeting.organizer_email:  # a copy re-created without one names no organizer
        data["organizer"] = {"emailAddress": {"name": meeting.organizer_name,
                                              "address": meeting.organizer_email}}
    if organizer_copy:
        data["attendees"] = [{"type": "resource", "emailAddress": {"address": room},
                              "status": {"response": GRAPH_ANSWERS[calendars.answer(
                                  meeting.uid, room)]}} for room in meeting.rooms]
    return data


def add_routes(router: Router, graph: Guarded, calendars: RoomCalendars, admin: str,
               admin_name: str) -> None:
    """Graph's calendar routes on ``router``; ``graph._guard`` answers tokens and faults."""

    def calendar_view(request: Request) -> Response:
        if (denied := graph._guard(request)) is not None:
            return denied
        user = unquote(request.match["user"]) if request.match else ""
        if user in graph.state.section.get("calendar_denied", []):
            return Response.json({"error": {"code": "ErrorAccessDenied",
                                            "message": "Access is denied."}}, 403)
        start, end = _parse(request.arg("startDateTime")), _parse(request.arg("endDateTime"))
        held = calendars.meetings(user, start, end)
        top = int(request.arg("$top", "0") or 0)
        return Response.json({"value": [event(m, calendars, organizer_copy=False)
                                        for m in (held[:top] if top else held)]})

    def create(request: Request) -> Response:
        if (denied := graph._guard(request)) is not None:
            return denied
        body = request.json() or {}
        rooms = tuple(str(a.get("emailAddress", {}).get("address", "")).lower()
                      for a in body.get("attendees", []))
        start = _parse(body.get("start")) or datetime.now(UTC)
        end = _parse(body.get("end")) or start + timedelta(minutes=15)
        content = str((body.get("body") or {}).get("content", ""))
        meeting = calendars.book(Meeting(
            "", f"uid-{secrets.token_hex(8)}", str(body.get("subject", "")), admin_name, admin,
            content, start, end, body.get("sensitivity") == "private", "://" in content, rooms))
        return Response.json(event(meeting, calendars, organizer_copy=True), 201)

    def _mine(request: Request) -> Meeting | None:
        wanted = unquote(request.match["id"]) if request.match else ""
        found = calendars.find(wanted)
        return found if found is not None and found.uid in calendars.bookings else None

    def get(request: Request) -> Response:
        if (denied := graph._guard(request)) is not None:
            return denied
        if (meeting := _mine(request)) is None:
            return Response.json({"error": {"code": "ErrorItemNotFound"}}, 404)
        return Response.json(event(meeting, calendars, organizer_copy=True))

    def cancel(request: Request) -> Response:
        if (denied := graph._guard(request)) is not None:
            return denied
        if (meeting := _mine(request)) is None:
            return Response.json({"error": {"code": "ErrorItemNotFound"}}, 404)
        calendars.cancel(meeting.uid)
        return Response(202, "", content_type="text/plain")

    router.add("GET", r"/v1.0/users/(?P<user>[^/]+)/calendarView", calendar_view)
    router.add("POST", "/v1.0/me/events", create)
    router.add("GET", r"/v1.0/me/events/(?P<id>[^/]+)", get)
    router.add("POST", r"/v1.0/me/events/(?P<id>[^/]+)/cancel", cancel)
