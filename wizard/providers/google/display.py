"""Google Workspace: what each room's panel will show, read from the resource calendars.

``room_display``: each conference room's calendar (Calendar API v3, the events of
the last 30 days, with the ``calendar.readonly`` permission the sign-in asks for):
subject, organizer, description and conference link, visibility; findings as
``wizard.core.room_display`` defines them. Google's resource calendars keep what
was booked, so a finding here comes from how the meetings were booked (or a
calendar shared as free/busy only). The Calendar API lives on www.googleapis.com;
an overridden Google API address (a proxy, the sandbox) serves it too.

``test_booking`` (opt-in: ``roomcal check google --test-booking [ROOM]``, or the
step-1 screen's button) needs write access to the administrator's calendar, which
the sign-in does not ask for: only then does roomcal ask Google for
``calendar.events`` (incremental consent, ``include_granted_scopes``; online
access: no refresh token, nothing stored). The administrator's event
(``events.insert`` with ``sendUpdates=none``: nobody is mailed) has the rooms as
resource attendees; each room's answer is its attendee ``responseStatus``. The
room's copy is read from its calendar (by ``iCalUID``) and compared, and the
event is deleted in a ``finally`` — also when the run is cancelled.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from wizard.core import room_display as rd
from wizard.core.fanout import fan_out
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import CheckContext, CheckResult, CheckSpec, Msg, Status, SubResult
from wizard.core.sample import spread

SENDER = N_("the signed-in administrator")
PREFIX = "google.room_display"
BOOKING_PREFIX = "google.test_booking"
CONCURRENCY = 8
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
# Asked for only when a test booking is (incremental consent): create and delete events.
WRITE_SCOPE = "https://www.googleapis.com/auth/calendar.events"
SIGN_IN_TIMEOUT = 15 * 60  # as the sign-in's (wizard/providers/google/checks.py)
ADMIN_SDK = "https://admin.googleapis.com"
CALENDAR_API = "https://www.googleapis.com"
REPLAYED_CODES = tuple(f"{PREFIX}.{code}" for code in (*rd.FINDINGS, rd.NOT_EVALUATED))
# The test booking's codes a report replays (the rooms' answers, the copy's organizer).
BOOKING_CODES = tuple(f"{BOOKING_PREFIX}.{code}"
                      for code in ("declined", "no_answer", rd.WRONG_ORGANIZER))


def _rooms(ctx: CheckContext) -> list[tuple[str, str]]:
    result = ctx.shared.get("google.rooms", [])
    return [(str(name), str(email)) for name, email in result]


def _calendar_api(ctx: CheckContext) -> str:
    base = ctx.endpoints.google_api_url
    return (CALENDAR_API if base.rstrip("/") == ADMIN_SDK else base) + "/calendar/v3"


def _seen(event: dict[str, Any]) -> rd.Seen:
    organizer = event.get("organizer") or {}
    link = str(event.get("hangoutLink") or "")
    return rd.Seen(subject=str(event.get("summary") or ""),
                   organizer=str(organizer.get("displayName") or ""),
                   body=" ".join(x for x in (str(event.get("description") or ""), link) if x),
                   online=bool(link or event.get("conferenceData")),
                   private=event.get("visibility") in ("private", "confidential"),
                   organizer_email=str(organizer.get("email") or ""))


def read_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): what its calendar shows (fan-out: by name, plain values)."""
    from wizard.core.retry import Backoff, send_retrying
    from wizard.providers.google.checks import http

    name, email = room
    now = datetime.now(UTC)
    url = f"{_calendar_api(ctx)}/calendars/{quote(email, safe='')}/events"
    params = {"timeMin": (now - timedelta(days=rd.RECENT_DAYS)).isoformat(),
              "timeMax": now.isoformat(), "singleEvents": "true", "orderBy": "startTime",
              "maxResults": str(rd.MAX_MEETINGS)}
    headers = {"Authorization": f"Bearer {ctx.shared.get('google.token', '')}"}
    client = http(ctx)
    response = send_retrying(lambda: client.get(url, params=params, headers=headers),
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
    every = _rooms(ctx)
    rooms = spread(every, ctx.settings.room_sample)  # a large tenant: an even sample
    items: list[SubResult] = []
    fan_out(ctx, read_room, rooms, concurrency=CONCURRENCY, on_result=items.append,
            shared={"google.token": ctx.shared.get("google.token")})
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    items.sort(key=lambda i: order.get(i.key, 0))
    return rd.summarize("room_display", PREFIX, items, command=None, remedy=Msg(REMEDY),
                        unproven=Msg(UNPROVEN), total=len(every))


def _write_access(ctx: CheckContext) -> str | None:
    """An access token that may write events: Google's incremental consent for
    ``calendar.events`` on top of what the sign-in granted. Online access: Google issues
    no refresh token, so nothing that can write is kept; None: the person unticked it."""
    from google_auth_oauthlib.flow import Flow

    from wizard.connect.oauth_loopback import RedirectServer
    from wizard.core import redact
    from wizard.providers.google.checks import _client_config

    flow = Flow.from_client_config(_client_config(ctx), scopes=[WRITE_SCOPE],
                                   autogenerate_code_verifier=True)
    state = secrets.token_urlsafe(24)
    with RedirectServer(port=int(ctx.values.get("port") or 0), state=state) as server:
        flow.redirect_uri = server.redirect_uri
        hint = str(ctx.shared.get("google.email") or ctx.values.get("admin_email") or "")
        url, _state = flow.authorization_url(
            state=state, access_type="online", include_granted_scopes="true",
            prompt="consent", **({"login_hint": hint} if hint else {}))
        pasted = ctx.interaction.begin_sign_in(SignInRequest(
            service="google", url=url, port=server.port,
            title=Msg(N_("Google (test booking)")),
            message=Msg(N_("Allow roomcal to create and delete events in the administrator's "
                           "calendar, for this test booking only: roomcal books one meeting "
                           "and deletes it at once, and keeps no access."))))
        try:
            redirect = server.wait(pasted=pasted, cancel=ctx.cancel, timeout=SIGN_IN_TIMEOUT,
                                   interaction=ctx.interaction)
        finally:
            ctx.interaction.end_sign_in()
    redact.register(redirect.code)
    try:
        token = flow.fetch_token(code=redirect.code, verify=ctx.endpoints.ca_bundle or True)
    except Warning as changed:  # oauthlib: "Scope has changed" (the granted ones added)
        token = changed.token  # type: ignore[attr-defined]
    redact.register(token.get("access_token"))
    redact.register(token.get("refresh_token"))
    granted = token.get("scope")
    have = set(granted.split() if isinstance(granted, str) else granted or [WRITE_SCOPE])
    return str(token["access_token"]) if WRITE_SCOPE in have else None


def _send(ctx: CheckContext, token: str, method: str, path: str, body: Any = None,
          **params: str) -> Any:
    from wizard.core.retry import Backoff, send_retrying
    from wizard.providers.google.checks import http

    client = http(ctx)
    headers = {"Authorization": f"Bearer {token}"}
    return send_retrying(lambda: client.request(method, f"{_calendar_api(ctx)}{path}",
                                                params=params, json=body, headers=headers),
                         Backoff(ctx.cancel))


GOOGLE_ANSWERS = {"accepted": "accepted", "declined": "declined", "tentative": "tentative"}
BOOKING_REMEDY = N_("Book meetings with their title in the subject and the conference link in "
                    "the event; a room's calendar that does not keep them was changed by "
                    "something else that writes into it.")
UNANSWERED = N_("A room that declines books nothing from the panel either: check that it was "
                "free at that time and who may book it (Admin console → Buildings and "
                "resources → the resource's booking permissions).")


def check_test_booking(ctx: CheckContext) -> CheckResult:
    wanted = rd.booking_rooms(ctx.confirmations, _rooms(ctx))
    if wanted is None:
        return rd.not_requested("test_booking", "google")

    write = _write_access(ctx)
    if write is None:
        return CheckResult("test_booking", Status.WARN, Msg(N_(
            "Not run: the sign-in did not allow roomcal to create events (calendar.events).")),
            Msg(N_("Ask for the test booking again and leave “View and edit events on all "
                   "your calendars” ticked on Google's consent screen.")),
            code=f"{BOOKING_PREFIX}.not_granted")
    with rd.IN_FLIGHT.booking():  # quitting waits for the deletion below
        return _book(ctx, wanted, write)


def _book(ctx: CheckContext, wanted: list[tuple[str, str]], write: str) -> CheckResult:
    from wizard.providers.google.checks import _failure

    read = str(ctx.shared.get("google.token", ""))
    token = secrets.token_hex(4)
    subject = rd.MARKER.format(token=token)
    join_url = rd.JOIN_URL.format(token=token)
    start, end = rd.booking_slot()
    created = _send(ctx, write, "POST", "/calendars/primary/events", {
        "summary": subject, "description": rd.test_body(token), "visibility": "private",
        "start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()},
        "attendees": [{"email": email, "resource": True} for _name, email in wanted]},
        sendUpdates="none")
    if created.status_code >= 400:
        return _failure("test_booking", created)
    event = created.json()
    event_path = f"/calendars/primary/events/{quote(str(event['id']), safe='')}"
    sent_by = event.get("organizer") or {}
    sender = str(sent_by.get("email") or ctx.shared.get("google.email") or "")
    organizer = str(sent_by.get("displayName") or "")
    answers: dict[str, str] = {}
    try:
        deadline = time.monotonic() + rd.ANSWER_WAIT
        while not ctx.cancel.is_set() and time.monotonic() < deadline:
            fresh = _send(ctx, read, "GET", event_path)
            if fresh.status_code < 400:
                for attendee in fresh.json().get("attendees", []):
                    kind = GOOGLE_ANSWERS.get(str(attendee.get("responseStatus")))
                    if kind:
                        answers[str(attendee.get("email", "")).lower()] = kind
            if len(answers) >= len(wanted):
                break
            ctx.cancel.wait(0.5)
        if ctx.cancel.is_set():  # the finally deletes the event
            return rd.cancelled("test_booking", BOOKING_PREFIX)
        items = []
        for name, email in wanted:
            answer = answers.get(email.lower(), "")
            copy = None
            if answer in ("accepted", "tentative"):
                held = _send(ctx, read, "GET", f"/calendars/{quote(email, safe='')}/events",
                             iCalUID=str(event.get("iCalUID", "")))
                copies = [e for e in held.json().get("items", [])
                          if e.get("iCalUID") == event.get("iCalUID")] \
                    if held.status_code == 200 else []
                copy = _seen(copies[0]) if copies else None
            items.append(rd.booking_item(name, email, answer, copy, subject=subject,
                                         organizer=organizer, join_url=join_url,
                                         code_prefix=BOOKING_PREFIX, sender=sender))
    finally:  # deleted so nothing stays behind, also when interrupted; nobody is mailed
        _send(ctx, write, "DELETE", event_path, sendUpdates="none")
    return rd.booking_result("test_booking", BOOKING_PREFIX, items, command=None,
                             remedy=Msg(BOOKING_REMEDY), unanswered=Msg(UNANSWERED))


CHECKS = (
    CheckSpec("room_display", N_("Room panels show what was booked"), check_room_display,
              needs=("rooms",), timeout=600, required=False,
              help=N_("What the panel beside the door shows is the room calendar's events.")),
    CheckSpec("test_booking", N_("Test booking (opt-in)"), check_test_booking,
              needs=("room_display",), required=False,
              timeout=SIGN_IN_TIMEOUT + rd.ANSWER_WAIT + 60),
)
