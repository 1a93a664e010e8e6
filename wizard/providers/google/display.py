"""Google Workspace: what each room's panel will show, read from the resource calendars.

``room_display``: each conference room's calendar (Calendar API v3, the events of
the last 30 days, with the ``calendar.readonly`` permission the sign-in asks for):
subject, organizer, description and conference link, visibility; findings as
``wizard.core.room_display`` defines them. Google's resource calendars keep what
was booked, so a finding here comes from how the meetings were booked (or a
calendar shared as free/busy only). The Calendar API lives on www.googleapis.com;
an overridden Google API address (a proxy, the sandbox) serves it too.

The test booking needs write access to the administrator's calendar, which
roomcal does not ask Google for: it says so instead of booking.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from wizard.core import room_display as rd
from wizard.core.fanout import fan_out
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status, SubResult

PREFIX = "google.room_display"
CONCURRENCY = 8
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
ADMIN_SDK = "https://admin.googleapis.com"
CALENDAR_API = "https://www.googleapis.com"
REPLAYED_CODES = tuple(f"{PREFIX}.{code}" for code in (*rd.FINDINGS, rd.NOT_EVALUATED))


def _rooms(ctx: CheckContext) -> list[tuple[str, str]]:
    result = ctx.shared.get("google.rooms", [])
    return [(str(name), str(email)) for name, email in result]


def _seen(event: dict[str, Any]) -> rd.Seen:
    organizer = event.get("organizer") or {}
    link = str(event.get("hangoutLink") or "")
    return rd.Seen(subject=str(event.get("summary") or ""),
                   organizer=str(organizer.get("displayName") or ""),
                   body=" ".join(x for x in (str(event.get("description") or ""), link) if x),
                   online=bool(link or event.get("conferenceData")),
                   private=event.get("visibility") in ("private", "confidential"))


def read_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): what its calendar shows (fan-out: by name, plain values)."""
    import httpx

    from wizard.core.retry import Backoff, send_retrying
    from wizard.providers.google.checks import _verify

    name, email = room
    now = datetime.now(UTC)
    base = ctx.endpoints.google_api_url
    base = CALENDAR_API if base.rstrip("/") == ADMIN_SDK else base
    url = f"{base}/calendar/v3/calendars/{quote(email, safe='')}/events"
    params = {"timeMin": (now - timedelta(days=rd.RECENT_DAYS)).isoformat(),
              "timeMax": now.isoformat(), "singleEvents": "true", "orderBy": "startTime",
              "maxResults": str(rd.MAX_MEETINGS)}
    headers = {"Authorization": f"Bearer {ctx.shared.get('google.token', '')}"}
    response = send_retrying(lambda: httpx.get(url, params=params, headers=headers,
                                               verify=_verify(ctx), timeout=30),
                             Backoff(ctx.cancel))
    if response.status_code != 200:
        return SubResult(name, Status.SKIP, Msg(N_("not evaluated: HTTP {status}"),
                                                status=response.status_code), email,
                         code=f"{PREFIX}.{rd.NOT_EVALUATED}")
    events = response.json().get("items", [])
    return rd.room_item(name, email, [_seen(e) for e in events[:rd.MAX_MEETINGS]], PREFIX)


REMEDY = N_("Book meetings with their title in the subject and the conference link in the "
            "event; share the resource calendars with the meeting-room product's account with "
            "\"See all event details\" (Admin console → Buildings and resources).")
UNPROVEN = N_("Book one meeting in these rooms, then re-check.")


def check_room_display(ctx: CheckContext) -> CheckResult:
    rooms = _rooms(ctx)
    items: list[SubResult] = []
    fan_out(ctx, read_room, rooms, concurrency=CONCURRENCY, on_result=items.append,
            shared={"google.token": ctx.shared.get("google.token")})
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    items.sort(key=lambda i: order.get(i.key, 0))
    return rd.summarize("room_display", PREFIX, items, command=None, remedy=Msg(REMEDY),
                        unproven=Msg(UNPROVEN))


def check_test_booking(ctx: CheckContext) -> CheckResult:
    # Asked for or not: the opt-in's sentence would offer what Google cannot do here (the
    # step-1 screen offers no "Test booking…" for Google: its plugin names no sender).
    return CheckResult("test_booking", Status.SKIP, Msg(N_(
        "Not run: a test booking needs write access to the administrator's calendar, which "
        "roomcal does not ask Google for. Book one meeting in a room by hand and re-check: "
        "this list shows what its panel will show.")), code="google.test_booking_unavailable")


CHECKS = (
    CheckSpec("room_display", N_("Room panels show what was booked"), check_room_display,
              needs=("rooms",), timeout=600, required=False,
              help=N_("What the panel beside the door shows is the room calendar's events.")),
    CheckSpec("test_booking", N_("Test booking (opt-in)"), check_test_booking,
              needs=("room_display",), required=False),
)
