"""What the room panel will show (issue 22): room_display and the opt-in test booking.

Against the sandbox's rooms, which behave like Exchange's resource booking
assistant per scenario (wizard/sandbox/room_calendars.py), through the real
clients (exchangelib, httpx against Graph) and the CLI as an admin runs it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from ui_support import make_setup, sandbox
from wizard.cli import main
from wizard.commands.common import CliInteraction
from wizard.core.model import Status
from wizard.core.room_display import TEST_BOOKING, Seen, compare, findings
from wizard.sandbox import room_calendars


def _checks(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict]]:
    code = main(["--lang", "en", "check", *argv, "--json"])
    return code, {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


@pytest.mark.parametrize("provider", ["exchange", "microsoft365"])
def test_exchange_defaults_are_named_per_room_with_the_fix(
        provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, checks = _checks(capsys, provider, "--scenario", "room-defaults")
    display = checks["room_display"]
    assert code == 0  # advice, not a prerequisite of step 1
    assert display["status"] == "warn"
    assert display["code"] == f"{provider}.room_display.organizer_subject"
    assert {i["code"] for i in display["items"]} == {f"{provider}.room_display.organizer_subject"}
    assert "Raum Alster" in display["detail"]
    lines = display["command"].splitlines()
    reads = [n for n, line in enumerate(lines) if line.startswith("Get-CalendarProcessing")]
    writes = [n for n, line in enumerate(lines) if line.startswith("Set-CalendarProcessing")]
    assert reads and writes and max(reads) < min(writes)  # today's values first (rollback)
    assert "Set-CalendarProcessing -Identity 'alster@demo.example.com' -DeleteSubject $false " \
           "-AddOrganizerToSubject $false -DeleteComments $false" in lines
    # The room's copy cannot show a dropped private flag: only the test booking proves it.
    assert "RemovePrivateProperty $false" not in display["command"]
    assert "-ProcessExternalMeetingMessages $true" in display["command"]


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_rooms_without_meetings_are_not_evaluated_never_passed(
        provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    _code, checks = _checks(capsys, provider, "--scenario", "room-unused")
    display = checks["room_display"]
    assert display["status"] == "warn" and display["code"].endswith(".not_evaluated")
    assert {i["status"] for i in display["items"]} == {"skip"}


def test_the_test_booking_is_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    _code, checks = _checks(capsys, "exchange", "--scenario", "room-defaults")
    assert checks["test_booking"]["status"] == "skip"
    assert "--test-booking" in checks["test_booking"]["detail"]


@pytest.mark.parametrize("provider", ["exchange", "microsoft365"])
def test_the_test_booking_proves_what_the_room_keeps(
        provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    _code, checks = _checks(capsys, provider, "--scenario", "room-defaults", "--test-booking",
                            "alster@demo.example.com")
    booking = checks["test_booking"]
    assert booking["status"] == "warn"
    (item,) = booking["items"]
    assert item["key"] == "alster@demo.example.com"
    assert item["detail"].startswith("accepted; its copy shows the organizer's name")
    assert "drops the private flag" in item["detail"]
    assert "-RemovePrivateProperty $false" in booking["command"]

    _code, checks = _checks(capsys, provider, "--scenario", "healthy", "--test-booking")
    booking = checks["test_booking"]
    assert booking["status"] == "pass", booking
    assert len(booking["items"]) == 3  # a sample of the rooms


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_a_declining_room_is_named(provider: str, capsys: pytest.CaptureFixture[str]) -> None:
    _code, checks = _checks(capsys, provider, "--scenario", "room-defaults", "--test-booking",
                            "rhein@demo.example.com")
    booking = checks["test_booking"]
    assert booking["status"] == "warn"
    assert booking["code"] == f"{provider}.test_booking.declined"
    assert "Fokusraum Rhein" in booking["detail"]


def _run_booking(box: object, provider: str, room: str, cancel: threading.Event) -> dict:
    setup = make_setup(box, provider=provider)  # type: ignore[arg-type]

    async def run() -> dict:
        results = {}
        async for result in setup.run_checks(
                CliInteraction(box), record=False, cancel=cancel,  # type: ignore[arg-type]
                confirmations=frozenset({f"{TEST_BOOKING}:{room}"})):
            if result.status.done:
                results[result.check_id] = result
        return results

    return asyncio.run(run())


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_nothing_stays_behind_also_when_interrupted(provider: str) -> None:
    """A room that never answers: the run is cancelled while it waits; the meeting is
    cancelled all the same."""
    with sandbox("healthy") as box:
        calendars = box._google_calendars if provider == "google" \
            else room_calendars.start(box)  # type: ignore[attr-defined]
        calendars.section["no_answer"] = ["elbe@demo.example.com"]
        cancel = threading.Event()
        done = threading.Event()

        def interrupt() -> None:
            while not calendars.bookings and not done.is_set():
                done.wait(0.05)
            cancel.set()

        watcher = threading.Thread(target=interrupt)
        watcher.start()
        try:
            _run_booking(box, provider, "elbe@demo.example.com", cancel)
        finally:
            done.set()
            watcher.join()
        for _ in range(100):  # the check's thread cancels in its finally
            if calendars.cancelled:
                break
            threading.Event().wait(0.1)
        assert len(calendars.cancelled) == 1
        assert calendars.open_bookings() == []
        assert not any(m.uid in calendars.cancelled
                       for m in calendars.meetings("elbe@demo.example.com"))


def test_findings_from_a_rooms_copies() -> None:
    rewritten = [Seen("Anna Schmidt", "Anna Schmidt", "", online=True),
                 Seen("Jonas Weber Weekly", "Jonas Weber")]
    assert findings(rewritten) == ("organizer_subject", "body_removed")
    kept = [Seen("Sprint Review", "Anna Schmidt", "Join: https://x.example/j", online=True),
            Seen("Anna Schmidt", "Anna Schmidt")]  # one meeting titled with a name: no finding
    assert findings(kept) == ()
    assert findings([Seen("", "Anna Schmidt"), Seen("", "")]) == ("subject_removed",)
    sent = "roomcal test booking 1"
    assert compare(sent, "svc", "https://j/1", Seen(sent, "svc", "see https://j/1", True,
                                                    private=True)) == ()
    assert compare(sent, "svc", "https://j/1", Seen("svc", "svc", "", True)) == (
        "organizer_subject", "body_removed", "private_shown")
    assert Status.SKIP.done


def _scenario(tmp_path: Path, room_calendars: str) -> str:
    path = tmp_path / "rooms.toml"
    path.write_text("[rooms]\ncount = 6\n\n[room_calendars]\n" + room_calendars + "\n"
                    "[exchange]\n\n[microsoft365]\n\n[google]\n\n[cronofy]\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_a_copy_that_does_not_name_who_booked_it_is_a_finding(
        provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A room whose copy names the room itself as organizer (something other than the
    booking assistant re-created it): its panel shows the room as organizer."""
    scenario = _scenario(tmp_path, 'organizer_room = ["alster@demo.example.com"]\n'
                                   'organizer_missing = ["elbe@demo.example.com"]\n')
    _code, checks = _checks(capsys, provider, "--scenario", scenario, "--test-booking")
    booking = checks["test_booking"]
    items = {i["key"]: i for i in booking["items"]}
    alster, elbe = items["alster@demo.example.com"], items["elbe@demo.example.com"]
    assert alster["code"] == elbe["code"] == f"{provider}.test_booking.wrong_organizer"
    assert "names the room itself as the organizer, not who booked it" in alster["detail"]
    assert "names no organizer, not who booked it" in elbe["detail"]
    sender = "@demo.example.com" if provider == "exchange" else "admin@demo.example.com"
    assert sender in alster["detail"]
    assert booking["status"] == "warn" and booking["code"].endswith(".wrong_organizer")
    assert "something other than the invitation" in booking["remedy"]
    # No Set-CalendarProcessing parameter changes what writes into the room's calendar.
    assert "Set-CalendarProcessing" not in booking.get("command", "")
    (other,) = [i for k, i in items.items() if k not in ("alster@demo.example.com",
                                                          "elbe@demo.example.com")]
    assert other["status"] == "pass", other


def test_organizer_compared_with_the_sender() -> None:
    from wizard.core.room_display import organizer_said

    copy = Seen("x", "Admin", organizer_email="Admin@Example.com")
    assert organizer_said(copy, room="r@example.com", sender="admin@example.com",
                          sender_name="Admin") is None
    other = organizer_said(Seen("x", "Eve", organizer_email="eve@example.com"),
                           room="r@example.com", sender="admin@example.com", sender_name="Admin")
    assert other is not None and "names eve@example.com as the organizer" in str(other)
    # An X.500 address (no SMTP): compared by name.
    assert organizer_said(Seen("x", "Admin", organizer_email="/o=ORG/cn=admin"),
                          room="r@example.com", sender="admin@example.com",
                          sender_name="Admin") is None


@pytest.mark.parametrize("n", [1, 2])
def test_count_sentences_keep_their_plural_in_german_after_storage(n: int) -> None:
    """A stored result is worded again in the language it is read in, its counts too."""
    from wizard.core import i18n
    from wizard.core import room_display as rd
    from wizard.core.codec import decode_result, encode_result
    from wizard.core.model import Msg

    unread = [rd.room_item(f"Raum {i}", f"r{i}@x.example", [], "exchange.room_display")
              for i in range(n)]
    booked = [rd.booking_item(f"Raum {i}", f"r{i}@x.example", "accepted",
                              Seen("s", "A", "u", private=True, organizer_email="a@x.example"),
                              subject="s", organizer="A", join_url="u", sender="a@x.example",
                              code_prefix="exchange.test_booking") for i in range(n)]
    results = [rd.summarize("room_display", "exchange.room_display", unread, command=None,
                            remedy="", unproven=""),
               rd.booking_result("test_booking", "exchange.test_booking", booked, command=None,
                                 remedy=Msg("r"))]
    stored = [decode_result(json.loads(json.dumps(encode_result(r)))) for r in results]
    rooms = ", ".join(f"Raum {i}" for i in range(n))
    i18n.set_language("de")
    try:
        texts = [str(r.detail) for r in stored]
        item = str(stored[0].items[0].detail)
    finally:
        i18n.set_language("en")
    if n == 1:
        assert texts == [
            f"Für 1 Raum nicht bewertet (keine Besprechungen in den letzten 30 Tagen): {rooms}",
            "Testbuchung: 1 Raum hat angenommen und behält, was gebucht wurde; die Besprechung "
            "wurde abgesagt."]
    else:
        assert texts == [
            f"Für 2 Räume nicht bewertet (keine Besprechungen in den letzten 30 Tagen): {rooms}",
            "Testbuchung: 2 Räume haben angenommen und behalten, was gebucht wurde; die "
            "Besprechung wurde abgesagt."]
    assert item == "nicht bewertet: keine Besprechungen in den letzten 30 Tagen"


WRITE = "https://www.googleapis.com/auth/calendar.events"


def test_google_asks_for_write_access_only_for_a_test_booking() -> None:
    """Incremental consent: the sign-in reads (calendar.readonly); only the test booking asks
    Google for calendar.events, on top of what was granted, without a refresh token (nothing
    that can write is kept). The resource answers in its attendee responseStatus, the room's
    copy keeps what was booked, and the event is deleted."""
    with sandbox("healthy") as box:
        state = box.services["google"].state  # type: ignore[attr-defined]
        calendars = box._google_calendars  # type: ignore[attr-defined]
        setup = make_setup(box, provider="google")

        async def run(confirmations: frozenset[str]) -> dict:
            results = {}
            async for result in setup.run_checks(
                    CliInteraction(box), record=False,  # type: ignore[arg-type]
                    confirmations=confirmations):
                if result.status.done:
                    results[result.check_id] = result
            return results

        plain = asyncio.run(run(frozenset({"cronofy_app"})))
        assert plain["room_display"].status == Status.PASS
        assert plain["test_booking"].status == Status.SKIP
        assert WRITE not in state.granted and not calendars.bookings
        assert not any(WRITE in scope for scope in state.scopes.values())

        booked = asyncio.run(run(frozenset({"cronofy_app",
                                            f"{TEST_BOOKING}:alster@demo.example.com"})))
        booking = booked["test_booking"]
        assert booking.status == Status.PASS, booking
        (item,) = booking.items
        assert str(item.detail).startswith("accepted; its copy keeps subject, organizer")
        assert WRITE in state.granted
        writers = [scope for scope in state.scopes.values() if WRITE in scope]
        assert writers and all("calendar.readonly" in scope for scope in writers)
        assert not any(WRITE in scope for scope in state.refresh.values())  # none kept
        assert calendars.open_bookings() == [] and len(calendars.cancelled) == 1


def test_google_test_booking_without_write_consent_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "withheld.toml"
    path.write_text(f'[rooms]\ncount = 3\n\n[google]\nwithheld_scopes = ["{WRITE}"]\n',
                    encoding="utf-8")
    _code, checks = _checks(capsys, "google", "--scenario", str(path), "--test-booking")
    booking = checks["test_booking"]
    assert booking["status"] == "warn" and booking["code"] == "google.test_booking.not_granted"
    assert "View and edit events" in booking["remedy"]
    assert checks["room_display"]["status"] == "pass"  # reading needs no write access


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_a_large_tenants_panels_are_read_from_a_sample_that_says_so(
        provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """5 000 rooms were 15 000 calendar reads on top of the permission checks: above
    ROOMCAL_ROOM_SAMPLE rooms the panels are read from an evenly spread sample, and the
    sentence says how many of how many; 0 reads every room."""
    path = tmp_path / "twelve.toml"
    path.write_text("[rooms]\ncount = 12\n\n[exchange]\n\n[microsoft365]\n\n[google]\n\n"
                    "[cronofy]\n", encoding="utf-8")
    monkeypatch.setenv("ROOMCAL_ROOM_SAMPLE", "5")
    _code, checks = _checks(capsys, provider, "--scenario", str(path))
    display = checks["room_display"]
    assert display["status"] == "pass", display
    assert len(display["items"]) == 5
    assert "5 of 12 rooms" in display["detail"] and "ROOMCAL_ROOM_SAMPLE" in display["detail"]
    assert checks["rooms"]["status"] == "pass"  # the rooms themselves: all twelve
    monkeypatch.setenv("ROOMCAL_ROOM_SAMPLE", "0")
    _code, checks = _checks(capsys, provider, "--scenario", str(path))
    assert len(checks["room_display"]["items"]) == 12
    assert "of 12" not in checks["room_display"]["detail"]


def test_a_sample_is_spread_over_the_whole_list_and_stable() -> None:
    from wizard.core.sample import spread

    rooms = [f"r{n}" for n in range(5000)]
    chosen = spread(rooms, 500)
    assert len(chosen) == 500 == len(set(chosen))
    assert chosen[0] == "r0" and chosen[-1] == "r4990"  # both ends of the list
    assert spread(rooms, 500) == chosen
    assert spread(rooms[:10], 500) == rooms[:10]
    assert spread(rooms[:10], 0) == rooms[:10]
