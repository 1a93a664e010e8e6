"""What the room panel will show (issue 22): room_display and the opt-in test booking.

Against the sandbox's rooms, which behave like Exchange's resource booking
assistant per scenario (wizard/sandbox/room_calendars.py), through the real
clients (exchangelib, httpx against Graph) and the CLI as an admin runs it.
"""

from __future__ import annotations

import asyncio
import json
import threading

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


@pytest.mark.parametrize("provider", ["exchange", "microsoft365"])
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


@pytest.mark.parametrize("provider", ["exchange", "microsoft365"])
def test_nothing_stays_behind_also_when_interrupted(provider: str) -> None:
    """A room that never answers: the run is cancelled while it waits; the meeting is
    cancelled all the same."""
    with sandbox("healthy") as box:
        calendars = room_calendars.start(box)
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
