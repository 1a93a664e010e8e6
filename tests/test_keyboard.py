"""The keyboard never traps: a guided session with Tab, Space, Enter and the arrows.

Every test presses keys (and clicks) as a person does at 80×24.
"""

from __future__ import annotations

import pytest
from scenes import settle
from textual.widgets import DataTable, Input, Static

from ui_support import make_app, sandbox, type_at_once, walk_to_assign, walk_to_connected
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.ui.screens.assign import AssignScreen
from wizard.ui.screens.connect import ConnectScreen, LinkScreen
from wizard.ui.screens.prepare import PrepareScreen


def _focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_tab_after_ticking_the_terms_reaches_the_button_it_enabled() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # "Verbinden" has the focus
            await settle(pilot)
            await pilot.press("enter")  # the reminder's "Weiter"
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert _focused_id(app) == "terms-connect"
            # Quickly, or in one packet over SSH: the toggle's Changed, which enables Link,
            # was still on its way to the screen when Tab came, and Tab skipped Link.
            await type_at_once(pilot, "space", "tab")
            assert _focused_id(app) == "link"  # not "Zurück"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, LinkScreen)
            assert _focused_id(app) == "terms-link"
            await type_at_once(pilot, "space", "tab")
            assert _focused_id(app) == "sign-in"  # "Anmelden"


async def test_keys_typed_while_a_screen_opens_go_where_it_puts_the_cursor(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Link, then the terms and Tab typed straight after it: the link page places its
    cursor on its terms once drawn; the keys typed meanwhile wait for that.

    On a loaded machine (six test workers on two cores, a busy jump host) the app is left
    waiting longer than a key may wait behind a busy screen: that time is not counted as
    waited. Each reading of the type-ahead's clock here is a second later."""
    import itertools

    from wizard.ui import typeahead

    seconds = itertools.count()
    monkeypatch.setattr(typeahead, "monotonic", lambda: float(next(seconds)))
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await type_at_once(pilot, "enter")  # "Connect"
            await settle(pilot)
            await type_at_once(pilot, "enter", "space", "tab")  # the reminder; the terms
            await settle(pilot)
            assert _focused_id(app) == "link"
            await type_at_once(pilot, "enter", "space", "tab")
            await settle(pilot)
            assert isinstance(app.screen, LinkScreen)
            assert app.setup.connect.gate.terms_link
            assert _focused_id(app) == "sign-in"


async def test_focus_stays_after_ctrl_l_and_a_resize() -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#field-username")
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert _focused_id(app) == "field-username"
            await pilot.resize_terminal(60, 18)  # too small: the step is hidden
            await pilot.pause()
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            await pilot.pause()
            assert _focused_id(app) == "field-username"
            await pilot.press("end", "x")  # typing goes where it went before
            assert app.screen.query_one("#field-username", Input).value.endswith("x")


async def test_blocked_step_1_says_why_and_the_arrows_move_between_rows() -> None:
    with sandbox("impersonation-denied", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.session.results["impersonation"].status == Status.FAIL
            # After the run the first failure is focused and in view.
            assert _focused_id(app) == "check-impersonation"
            item = app.screen.query_one("#check-impersonation")
            assert item.region.intersection(app.screen.region).area
            await pilot.press("ctrl+n")  # blocked: stays, and says why
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)
            reason = str(app.screen.query_one("#gate-reason", Static).render())
            assert "Continue anyway" in reason, reason
            await pilot.press("up")  # the row cursor moves, not just the page
            assert _focused_id(app) == "check-rooms"
            await pilot.press("down")
            assert _focused_id(app) == "check-impersonation"
            for _row in range(20):  # down the rows after it, past the last one …
                if not _focused_id(app).startswith(("check-", "test-booking")):
                    break
                await pilot.press("down")
            assert _focused_id(app) == "continue-anyway"  # … on to "Continue anyway"


async def test_keys_typed_at_once_follow_the_row_cursor() -> None:
    """Down then Enter, quickly (one packet over SSH): the row moved to opens — not the one
    the cursor left, which Enter closed while the focus was still on its way."""
    with sandbox("impersonation-denied", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert _focused_id(app) == "check-impersonation"  # opened: it failed
            await type_at_once(pilot, "up", "enter")
            assert _focused_id(app) == "check-rooms"
            assert app.screen.query_one("#check-rooms").has_class("-expanded")
            assert app.screen.query_one("#check-impersonation").has_class("-expanded")


async def test_search_hands_over_to_the_list_with_enter_or_down() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_connected(pilot)  # step 2 as the demo walks it
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            await pilot.press("ctrl+f", *"Elbe", "enter")
            await pilot.pause()
            table = app.screen.query_one("#resources", DataTable)
            assert app.focused is table and table.row_count == 1
            await pilot.press("ctrl+f", *["backspace"] * 4, *"Alster", "down")
            await pilot.pause()
            assert app.focused is table and table.row_count == 1
            await pilot.press("down", "down")  # a row further, then ctrl+l: same row
            await pilot.press("ctrl+f", *["backspace"] * 6, "down")
            await pilot.pause()
            await pilot.press("down", "down")
            row = table.cursor_row
            await pilot.press("ctrl+l")
            await settle(pilot)
            table = app.screen.query_one("#resources", DataTable)
            assert app.focused is table and table.cursor_row == row


async def test_keys_typed_at_once_on_the_room_list_go_where_the_keys_before_sent_them() -> None:
    """ctrl+f, then the search typed straight after it; Enter on a row, then the room
    typed straight after it — as one packet over SSH: the keys bound further up (the
    screen's ctrl+f, the list's Enter) move the focus through the app's queue, behind the
    keys already there, which went to the list."""
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_assign(pilot)
            table = app.screen.query_one("#resources", DataTable)
            assert app.focused is table
            await type_at_once(pilot, "ctrl+f", *"Elbe")
            assert app.screen.query_one("#search", Input).value == "Elbe"
            await type_at_once(pilot, "enter", "enter", *"Elbe 2")
            assert app.focused is app.screen.query_one("#room", Input)
            assert app.screen.query_one("#room", Input).value == "Elbe 2"


async def test_a_wrong_password_in_the_demo_can_be_undone() -> None:
    from wizard.ui.screens.welcome import WelcomeScreen

    with sandbox("healthy", services=("exchange",)) as box:
        demo_password = box.secrets("exchange")["password"]
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            hint = app.screen.query_one("#demo-hint")
            assert not hint.display
            await pilot.click("#field-password")
            await pilot.press(*"oops", "tab")
            await pilot.click("#recheck")
            await settle(pilot)
            assert app.session.results["credentials"].status == Status.FAIL
            assert app.screen.query_one("#demo-hint").display  # says how to undo it
            await pilot.press("ctrl+d")
            await settle(pilot)
            field = app.screen.query_one("#field-password", Input)
            assert field.value == demo_password
            assert app.session.results["credentials"].status == Status.PASS
            assert not app.screen.query_one("#demo-hint").display
            # "Start over" forgets a typed password too.
            await pilot.click("#field-password")
            await pilot.press(*"again", "tab")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)
            await pilot.click("#reset")
            await settle(pilot)
            await pilot.click("#confirm-yes")
            await settle(pilot)
            await pilot.click("#provider", offset=(2, 2))  # Exchange Server, the third line
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)
            field = app.screen.query_one("#field-password", Input)
            assert field.value == demo_password


async def test_demo_values_right_after_typing_do_not_race_the_pending_recheck() -> None:
    """Typing starts a re-check a second later; ctrl+d within that second re-composes the
    form. The pending re-check must not run against the half-built form (NoMatches)."""
    from wizard.ui.screens.prepare import RECHECK_DELAY

    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#field-room_list")
            await pilot.press("end", "x", "tab")  # a changed value: a re-check is pending
            await pilot.press("ctrl+d")
            await pilot.pause(RECHECK_DELAY + 0.5)
            await settle(pilot)
            field = app.screen.query_one("#field-room_list", Input)
            assert field.value == box.values("exchange")["room_list"]
            assert app.session.results["rooms"].status == Status.PASS


async def test_outside_the_demo_ctrl_d_still_deletes_in_a_field() -> None:
    app = make_app(None, provider="exchange", step=Step.PREPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click("#field-room_list")
        await pilot.press("ctrl+a", "backspace", *"abc", "home", "ctrl+d")
        await pilot.pause()
        assert app.screen.query_one("#field-room_list", Input).value == "bc"


async def test_a_recheck_after_typing_never_takes_the_cursor() -> None:
    """Typing pauses, the re-check runs a second later and fails: the cursor stays in the
    field, and what is typed next (an "r" or "c" too) goes into it."""
    from wizard.ui.screens.prepare import RECHECK_DELAY

    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#field-room_list")
            await pilot.press("end", "x")
            await pilot.pause(RECHECK_DELAY + 0.2)  # typing paused: the re-check runs
            await settle(pilot)
            assert app.session.results["room_list"].status == Status.FAIL
            assert _focused_id(app) == "field-room_list"
            await pilot.press("r", "c")
            field = app.screen.query_one("#field-room_list", Input)
            assert field.value == box.values("exchange")["room_list"] + "xrc"


async def test_tab_after_ticking_the_google_app_reaches_next() -> None:
    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _stop in range(30):  # Tab to the tick, as a person does
                if _focused_id(app) == "confirm-cronofy_app":
                    break
                await pilot.press("tab")
            await pilot.press("space")
            await settle(pilot)  # the item turns ✓ and "Weiter" is enabled
            await pilot.press("tab")
            for _stop in range(10):  # the rows after it (API controls, room panels) …
                if not _focused_id(app).startswith(("check-", "confirm-", "test-booking")):
                    break
                await pilot.press("tab")
            assert _focused_id(app) == "next"  # … then "Weiter", not "Zurück"
            await pilot.press("tab")  # then the rest of the bar, "Zurück" first
            assert _focused_id(app) == "back"
