"""One owner of the screen stack: changes that race are applied in turn, never on a torn screen.

Regression cases found by the monkey (tests/test_monkey.py) and by a guide
clicking fast through the German demo, each a sequence of keys and clicks a
person can make with no pause in between.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scenes import settle

from ui_support import make_app, sandbox
from wizard.core.flow import Step
from wizard.ui.dialogs.signin import SignInModal
from wizard.ui.screens.connected import ConnectedScreen

UI = Path(__file__).resolve().parents[1] / "wizard" / "ui"
STACK_CHANGES = {"push_screen", "pop_screen", "switch_screen", "dismiss", "pop_until_active"}


async def _wait_for(pilot, kind: type, showing: str, attempts: int = 400) -> None:
    """Until the screen is a ``kind`` and shows ``showing``: a screen is current before
    its widgets are composed (on a busy machine, long enough to click into nothing)."""
    for _ in range(attempts):
        if isinstance(pilot.app.screen, kind) and pilot.app.screen.query(showing):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} with {showing} did not appear: {pilot.app.screen}")


async def test_cancel_then_escape_closes_the_sign_in_once() -> None:
    """Cancel clicked, escape pressed before the modal was gone: it was dismissed twice
    (InvalidStateError: its result was set twice)."""
    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _wait_for(pilot, SignInModal, "#cancel")
            await pilot.click("#cancel")
            await pilot.press("escape")
            await settle(pilot, sign_in=False)
            assert app.is_running
            assert not isinstance(app.screen, SignInModal)


async def test_sign_in_finishing_while_the_person_cancels() -> None:
    """The sandbox completes the sign-in (the check closes its modal) while the person
    presses escape on the same modal."""
    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _wait_for(pilot, SignInModal, "#sandbox")
            await pilot.click("#sandbox")
            for _ in range(20):
                await pilot.press("escape")
            await settle(pilot, sign_in=False)
            assert app.is_running


@pytest.mark.slow
async def test_link_finishing_while_the_person_clicks_on() -> None:
    """Google, the whole of step 2 clicked through without waiting: the link finished and
    the wizard moved to "connected" while keys still arrived (crashed 2 of 3 runs with
    NoMatches('HeaderTitle'))."""
    with sandbox("healthy") as box:
        app = make_app(box, provider="google", step=Step.CONNECT, language="de")
        app.session.set_confirmation("cronofy_app", True)
        async with app.run_test(size=(80, 24)) as pilot:
            for selector in ("#connect", "#reminder-continue", "#terms-connect", "#link",
                             "#terms-link", "#sign-in", "#sandbox"):
                for _ in range(200):
                    found = app.screen.query(selector)
                    if found and not found.first().disabled and found.first().region.area:
                        break
                    await pilot.pause(0.01)
                await pilot.click(selector)
            # Keys keep arriving while the link finishes and the wizard moves on. Until it
            # has finished only keys that cannot cancel it (escape, or enter on "Cancel",
            # would: a person's choice, not a race); then all of them.
            for _ in range(300):
                if app.session.profile.connection is not None:
                    break
                await pilot.press(("tab", "ctrl+l")[_ % 2])
            assert app.session.profile.connection is not None
            for key in ("tab", "enter", "escape", "ctrl+l", "enter", "tab", "enter") * 6:
                await pilot.press(key)
            await settle(pilot)
            # Where the storm ends is its own business (it may reach "Disconnect" or "Start
            # over" and, after a Tab, their confirmation): the wizard must still be there.
            assert app.is_running


async def test_the_connected_screen_after_a_fast_link_is_whole() -> None:
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.CONNECT, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            for selector in ("#connect", "#reminder-continue", "#terms-connect", "#link",
                             "#terms-link", "#sign-in", "#sandbox"):
                for _ in range(200):
                    found = app.screen.query(selector)
                    if found and not found.first().disabled and found.first().region.area:
                        break
                    await pilot.pause(0.01)
                await pilot.click(selector)
            await settle(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            assert "Verbunden" in app.screen.sub_title


def test_only_the_navigator_changes_the_screen_stack() -> None:
    """A second place that pushes, pops, switches or dismisses brings the races back."""
    offenders = []
    for path in UI.rglob("*.py"):
        if path.name == "navigation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in STACK_CHANGES:
                offenders.append(f"{path.relative_to(UI)}:{node.lineno}: {node.attr}")
    assert offenders == []
