"""What the room panel will show, on the screens (issue 22): step 1's "Test booking…",
its dialog, the booking's row, and the connected screen's rooms whose panels would not
show what was booked.

Pilot presses keys as a person does, against the sandbox's rooms (wizard/sandbox/
room_calendars.py); what was sent and cancelled is read from the sandbox's world.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path

import pytest
from scenes import connected, settle
from screen_text import screen_lines
from textual.widgets import Button

from ui_support import make_app, make_setup, sandbox
from wizard.commands.common import CliInteraction
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.sandbox import room_calendars
from wizard.ui.dialogs.test_booking import BookingTestModal
from wizard.ui.screens.connected import ConnectedScreen
from wizard.ui.screens.prepare import PrepareScreen
from wizard.ui.widgets.check_item import CheckItem


def _shown(widget) -> str:  # type: ignore[no-untyped-def]
    """The text of a widget's Statics and command lines, also where scrolled out of view."""
    from textual.widgets import Static

    from wizard.ui.widgets.command_lines import CommandLines

    parts = [str(s.render()) for s in widget.query(Static) if s.display]
    parts += [c.command for c in widget.query(CommandLines)]
    return " ".join(" ".join(parts).split())


def _text(app) -> str:  # type: ignore[no-untyped-def]
    """What the screen shows, a dialog's frame left out."""
    return "\n".join(line.strip("│ ") for line in screen_lines(app.screen))


async def _tab_to(pilot, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Tab until the cursor is on ``selector`` — as a person does, never focus()."""
    target = pilot.app.screen.query_one(selector)
    for _stop in range(60):
        if pilot.app.focused is target:
            return
        await pilot.press("tab")
        await pilot.pause()
    raise AssertionError(f"Tab never reached {selector}")


async def _open_dialog(pilot) -> BookingTestModal:  # type: ignore[no-untyped-def]
    await settle(pilot)
    assert isinstance(pilot.app.screen, PrepareScreen)
    await _tab_to(pilot, "#test-booking")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BookingTestModal)
    return pilot.app.screen


async def _until(pilot, done, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    # By the clock, not by a count of pauses: under load a pause takes longer than asked.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never came true")


def _booking_row(app) -> CheckItem:  # type: ignore[no-untyped-def]
    return app.screen.query_one("#check-test_booking", CheckItem)


async def test_the_dialog_says_what_happens_and_cancel_sends_nothing() -> None:
    with sandbox("healthy") as box:
        calendars = room_calendars.start(box)
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            said = " ".join(_text(app).split())
            assert "private meeting from the service account " \
                   "svc-cronofy@demo.example.com" in said, said
            assert "roomcal test booking" in said and "join link" in said
            assert "up to a minute for the room's answer" in said
            assert "cancels the meeting so nothing stays behind" in said
            assert "A sample: Raum Alster" in said  # the default choice
            assert "esc Cancel" in said  # the dialog's own footer
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is not dialog and isinstance(app.screen, PrepareScreen)
            # Also the Cancel button: still nothing sent.
            dialog = await _open_dialog(pilot)
            await _tab_to(pilot, "#test-booking-no")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is not dialog
            assert _booking_row(app).result.status == Status.SKIP  # not asked for
        assert calendars.bookings == {} and calendars.cancelled == []


@pytest.mark.parametrize("provider", ["exchange", "microsoft365"])
async def test_confirmed_a_sample_of_rooms_is_booked_and_each_room_answers(
        provider: str, tmp_path: Path) -> None:
    scenario = tmp_path / "slow-answers.toml"
    scenario.write_text("[rooms]\ncount = 6\n\n[room_calendars]\nanswer_delay_ms = 2000\n\n"
                        "[exchange]\n\n[microsoft365]\n\n[cronofy]\n", encoding="utf-8")
    with sandbox(str(scenario)) as box:
        calendars = room_calendars.start(box)
        app = make_app(box, provider=provider, step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_dialog(pilot)
            before = dict(app.session.results)
            await _tab_to(pilot, "#test-booking-yes")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, PrepareScreen)
            row = _booking_row(app)
            # The rooms answer after 2 s here: the wait is there to be seen.
            await _until(pilot, lambda: row.result.status == Status.CHECKING
                         and "waiting for the answers" in " ".join(_text(app).split()))
            assert str(app.screen.query_one("#test-booking", Button).label) == \
                "Cancel test booking"
            await _until(pilot, lambda: row.result.status.done)
            await settle(pilot)
            assert row.result.status == Status.PASS, row.result
            shown = _shown(row)
            for room in ("Raum Alster", "Raum Elbe"):
                assert f"✓ {room}: accepted; its copy keeps subject" in shown, shown
            # Only the booking ran (with the room list it books from): the rest stands.
            assert app.session.results["room_display"] is before["room_display"]
            assert str(app.screen.query_one("#test-booking", Button).label) == "Test booking…"
        assert len(calendars.cancelled) == 1 and calendars.open_bookings() == []


async def test_a_chosen_room_that_rewrites_its_copy_is_named_with_the_fix() -> None:
    with sandbox("room-defaults") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_dialog(pilot)
            await pilot.press("enter")  # the room list opens (the cursor is on it)
            await pilot.press("down", "enter")  # the first room: Raum Alster
            await _tab_to(pilot, "#test-booking-yes")
            await pilot.press("enter")
            row = _booking_row(app)
            await _until(pilot, lambda: row.result.status.done)
            assert row.result.status == Status.WARN
            (item,) = row.result.items
            assert item.key == "alster@demo.example.com"
            assert "Raum Alster: accepted; its copy shows the organizer's name" in _shown(row)
            assert "-RemovePrivateProperty $false" in row.result.command


async def _book_a_silent_room(pilot, calendars) -> None:  # type: ignore[no-untyped-def]
    """Elbe never answers: the booking waits for it (up to a minute)."""
    calendars.section["no_answer"] = ["elbe@demo.example.com"]
    await _open_dialog(pilot)
    await pilot.press("enter", "down", "down", "enter")  # Raum Elbe
    await _tab_to(pilot, "#test-booking-yes")
    await pilot.press("enter")
    await _until(pilot, lambda: bool(calendars.bookings))  # sent, waiting


async def test_quitting_while_it_waits_cancels_the_meeting() -> None:
    with sandbox("healthy") as box:
        calendars = room_calendars.start(box)
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _book_a_silent_room(pilot, calendars)
            (uid,) = calendars.bookings
            await pilot.press("ctrl+q")
        # The app ended only once the meeting was cancelled: no waiting here.
        assert calendars.open_bookings() == [] and calendars.cancelled == [uid]
        assert not any(m.uid == uid for m in calendars.meetings("elbe@demo.example.com"))


async def test_the_button_cancels_a_running_booking() -> None:
    with sandbox("healthy") as box:
        calendars = room_calendars.start(box)
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _book_a_silent_room(pilot, calendars)
            assert app.focused is app.screen.query_one("#test-booking")  # now "Cancel …"
            await pilot.press("enter")
            row = _booking_row(app)
            await _until(pilot, lambda: row.result.status.done, seconds=20)
            assert row.result.status == Status.SKIP
            assert row.result.code == "exchange.test_booking.cancelled"
            assert "nothing stays" in _shown(row)
            assert calendars.open_bookings() == [] and len(calendars.cancelled) == 1


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_the_connected_screen_names_rooms_whose_panel_is_wrong(lang: str) -> None:
    with sandbox("room-defaults") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, language=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await connected(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            section = app.screen.query_one("#room-panels")
            text = _shown(section)
            # Cronofy reads these rooms: what their panels show is no problem of the link's.
            assert not app.screen.query("#step1-problems")
            heading = {"en": "Room panels: 6 rooms would not show what was booked",
                       "de": "Raumanzeigen: 6 Räume würden nicht zeigen, was gebucht wurde"}
            assert heading[lang] in text, text
            assert "Raum Alster" in text and ("… and 1 more" in text or "… und 1 weitere" in text)
            assert "Set-CalendarProcessing -Identity 'alster@demo.example.com' " \
                   "-DeleteSubject $false" in text
            # Scrolled to as a person would (the body scrolls), it reads whole at 80×24.
            await _tab_to(pilot, "#next")
            app.screen.query_one("#body").scroll_end(animate=False)
            await pilot.pause()
            assert {"en": "ctrl+o", "de": "Strg+O"}[lang] in _text(app)


async def test_healthy_rooms_get_no_section_on_the_connected_screen() -> None:
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await connected(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            assert app.session.results["room_display"].status == Status.PASS
            assert not app.screen.query("#room-panels")


def test_winding_down_returns_only_once_the_meeting_is_cancelled() -> None:
    """What quitting relies on: the run is abandoned mid-booking (its check thread with it,
    and `roomcal` does not wait for check threads); the controller's wind-down returns
    only once the room's copy is gone."""
    with sandbox("healthy") as box:
        calendars = room_calendars.start(box)
        calendars.section["no_answer"] = ["elbe@demo.example.com"]
        setup = make_setup(box, provider="exchange")

        async def abandon_mid_booking() -> None:
            async def consume() -> None:
                async for _result in setup.prepare.test_booking(
                        CliInteraction(box), "elbe@demo.example.com", threading.Event()):
                    pass

            task = asyncio.create_task(consume())
            for _ in range(600):
                if calendars.bookings:
                    break
                await asyncio.sleep(0.05)
            assert calendars.bookings  # sent, waiting for the room that never answers
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        asyncio.run(abandon_mid_booking())
        assert setup.prepare.cancel_test_booking()
        assert calendars.open_bookings() == [] and len(calendars.cancelled) == 1
