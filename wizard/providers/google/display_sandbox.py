"""The sandbox Google's Calendar API: a resource calendar's events, for ``room_display``.

``GET /calendar/v3/calendars/{room}/events``: the room's meetings
(``wizard/sandbox/room_calendars.py``) as Google keeps them — a resource calendar
stores what was booked, so the Exchange settings of a scenario do not apply here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import unquote

from wizard.sandbox.room_calendars import SETTINGS, Meeting, RoomCalendars
from wizard.sandbox.server import Request, Response, Router


class Guarded(Protocol):
    """The service's guard: a refusal (token, throttling, faults) or None."""

    state: Any

    def _guard(self, request: Request, *, directory: bool = ...) -> Response | None: ...


def calendars_for(sandbox: Any) -> RoomCalendars:
    """Google's own view of the world's rooms: booked as they are, never rewritten."""
    section = {**sandbox.scenario.section("room_calendars"), **dict.fromkeys(SETTINGS, False)}
    return RoomCalendars(sandbox.scenario.rooms, section)


def _when(value: datetime) -> dict[str, str]:
    return {"dateTime": value.astimezone(UTC).isoformat().replace("+00:00", "Z")}


def _event(meeting: Meeting) -> dict[str, Any]:
    link = meeting.body.rsplit("Join the meeting: ", 1)[-1] if meeting.online else ""
    data: dict[str, Any] = {
        "kind": "calendar#event", "id": meeting.id, "iCalUID": meeting.uid,
        "summary": meeting.subject, "description": meeting.body,
        "organizer": {"email": meeting.organizer_email, "displayName": meeting.organizer_name},
        "visibility": "private" if meeting.private else "default",
        "start": _when(meeting.start), "end": _when(meeting.end)}
    if link:
        data["hangoutLink"] = link
    return data


def _parse(value: str) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_routes(router: Router, google: Guarded, calendars: RoomCalendars) -> None:
    def events(request: Request) -> Response:
        if (denied := google._guard(request)) is not None:
            return denied
        room = unquote(request.match["room"]) if request.match else ""
        if not calendars.known(room):
            return Response.json({"error": {"code": 404, "message": "Not Found"}}, 404)
        held = calendars.meetings(room, _parse(request.arg("timeMin")),
                                  _parse(request.arg("timeMax")))
        top = int(request.arg("maxResults", "250") or 250)
        return Response.json({"kind": "calendar#events", "items": [_event(m)
                                                                   for m in held[:top]]})

    router.add("GET", r"/calendar/v3/calendars/(?P<room>[^/]+)/events", events)
