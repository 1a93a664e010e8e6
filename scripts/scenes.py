"""Every screen of the wizard as a reproducible scene, driven through the demo.

Used by ``scripts/export_screenshots.py`` (SVGs for the README) and by the
snapshot tests, so both show exactly what a person walking the demo sees.
Each scene starts the sandbox on fixed ports (repeatable URLs), builds the
app at the right step, and drives it with the Pilot — the same clicks and
keys a guide would use.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from textual.app import App
from textual.pilot import Pilot

from wizard.core.flow import Step
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import Msg

if TYPE_CHECKING:
    from wizard.app import Setup
    from wizard.sandbox import Sandbox

PORT_BASE = 47310
PORT_WAIT = 90.0  # seconds for another run to give the ports back (under the tests' 120 s timeout)
Drive = Callable[[Pilot], Awaitable[None]]


@contextmanager
def fixed_port_sandbox(scenario: str, port_base: int) -> Iterator[Sandbox]:
    """The sandbox on ports ``port_base`` and up, once no other run on this machine uses them.

    The ports are fixed so the URLs in snapshots and screenshots repeat; so two runs
    (pytest-xdist workers, another checkout's suite, the screenshot export) must take
    turns: a lock file per port base says whose turn it is, and a port still held by
    some other program is waited for rather than failing the scene.
    """
    path = Path(tempfile.gettempdir()) / f"roomcal-ports-{port_base}.lock"
    deadline = time.monotonic() + PORT_WAIT
    with path.open("a") as lock:
        while True:
            box = _start_when_free(lock, scenario, port_base)
            if box is not None:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"ports {port_base}+ stayed busy for {PORT_WAIT:g} s")
            time.sleep(0.1)
        try:
            yield box
        finally:
            box.stop()  # before the lock is released with the file


def _start_when_free(lock: IO[str], scenario: str, port_base: int) -> Sandbox | None:
    """The started sandbox, holding the lock; None (lock released) when it is not our turn."""
    from wizard.sandbox import Sandbox

    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return None
    try:
        # A run that knows no lock (an older checkout) may still take a port meanwhile.
        return Sandbox(scenario, port_base=port_base).start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
    fcntl.flock(lock, fcntl.LOCK_UN)
    return None


def _pressed_look(app: App[object]) -> bool:
    """A button just pressed keeps its pressed look for 0.2 s (Textual's "-active"): a
    picture taken before that ends depends on how busy the machine is."""
    from textual.widgets import Button

    return any(button.has_class("-active")
               for screen in app.screen_stack for button in screen.query(Button))


async def settle(pilot: Pilot, *, sign_in: bool = True) -> None:
    """Wait for screen changes and every worker (checks, sign-ins) to finish.

    ``sign_in``: when a check or the link waits for a sign-in, press the demo's
    "Sign in with the sandbox" button, as a guide would (Enter).
    """
    from wizard.ui.dialogs.signin import SignInModal

    app = pilot.app

    def busy() -> bool:
        navigator = getattr(app, "navigator", None)
        return any(not w.is_finished for w in app.workers) or (
            navigator is not None and not navigator.idle)

    quiet_rounds = 0
    # Poll rather than block on the workers: a check may be waiting for a sign-in
    # that only this loop completes.
    for _round in range(1200):
        if sign_in and isinstance(app.screen, SignInModal):
            await pilot.pause()
            button = app.screen.query("#sandbox")
            if button and not button.first().disabled:
                await pilot.click("#sandbox")
            await pilot.pause(0.05)
            continue
        if busy():
            # Just time while the work runs. A pause waits for every widget's queue —
            # 107 of them on step 1, ~10 ms of CPU each time — and is kept for the
            # rounds that decide whether all is quiet.
            quiet_rounds = 0
            await asyncio.sleep(0.05)
            continue
        await pilot.pause()
        quiet_rounds = 0 if busy() else quiet_rounds + 1
        if quiet_rounds >= 3:
            break


async def steady(pilot: Pilot) -> None:
    """Before a picture is taken (snapshots, screenshots): every look that ends by itself
    has ended, and what is under a dialog is drawn as it is now."""
    app = pilot.app
    for _round in range(100):
        if not _pressed_look(app):
            break
        await pilot.pause(0.05)
    if app.screen.is_modal:
        # The screen under a dialog is drawn from what its widgets last rendered; on a busy
        # machine that was before their last change of look (a focused button's edge
        # differed by one colour). Drawn again, the picture is the settled one.
        for screen in app.screen_stack[:-1]:
            for widget in screen.query("*"):
                widget.refresh()
    await pilot.pause()


async def _nothing(pilot: Pilot) -> None:
    await settle(pilot)


async def _press_button(pilot: Pilot, selector: str) -> None:
    """Tab's work done in one go, then Enter — as over SSH. A click would leave the mouse
    over the button, and whether it still looks hovered under the dialog that opens
    depends on timing (the picture differed by one colour under load)."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.press("enter")
    await settle(pilot)


async def _start_over(pilot: Pilot) -> None:
    """The question before a profile is cleared (ConfirmModal)."""
    await settle(pilot)
    await _press_button(pilot, "#reset")


async def _confirm_google_app(pilot: Pilot) -> None:
    from textual.widgets import Checkbox

    await settle(pilot)
    pilot.app.screen.query_one("#confirm-cronofy_app", Checkbox).focus()
    await pilot.press("space")  # the terms toggle, by keyboard as over SSH
    await settle(pilot)
    # The re-check collapses the item (pending, then pass): whether a frame was painted
    # in between decides where the scroll is clamped. Rest at the end, where the
    # checkbox is — the same picture however busy the machine.
    pilot.app.screen.query_one("#body").scroll_end(animate=False)
    await settle(pilot)


async def _handoff_dialog(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+o")  # hand step 1 to IT
    await settle(pilot)


async def _first_failure(pilot: Pilot) -> None:
    """Tab to the first failed item of the checklist: its fix and PowerShell in view."""
    from wizard.core.model import Status
    from wizard.ui.widgets.check_item import CheckItem

    await settle(pilot)
    for _stop in range(40):
        focused = pilot.app.focused
        if isinstance(focused, CheckItem) and focused.result.status == Status.FAIL:
            break
        await pilot.press("tab")
        await pilot.pause()
    await settle(pilot)


async def click(pilot: Pilot, selector: str) -> None:
    """Click ``selector`` once it is shown and enabled, scrolled into view first as a person
    would (a failed check scrolls the form up to show its fix)."""
    for _ in range(400):
        found = pilot.app.screen.query(selector)
        if found and not found.first().disabled and found.first().region.area:
            found.first().scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            await pilot.click(selector)
            return
        await asyncio.sleep(0.02)  # not pause(): see settle()
    raise AssertionError(f"{selector} never clickable on {pilot.app.screen}")


async def step1_done(pilot: Pilot) -> None:
    """Step 1 checked against the sandbox, then on to step 2 — as a person would (on step
    2's first screen already: nothing to do)."""
    from wizard.ui.screens.prepare import PrepareScreen

    await settle(pilot)
    if not isinstance(pilot.app.screen, PrepareScreen):
        return
    # Next once the checklist is complete, as a person waits for it: on a busy machine
    # settle() can find everything quiet before the checks have even started.
    for _attempt in range(600):
        if pilot.app.session.gate().open:  # type: ignore[attr-defined]
            break
        await settle(pilot)
        await pilot.pause(0.05)
    await pilot.click("#next")
    await settle(pilot)


async def _test_booking_dialog(pilot: Pilot) -> None:
    """Step 1's "Test booking…": the dialog that says what it will send, before it does."""
    await settle(pilot)
    await _press_button(pilot, "#test-booking")


async def _test_booked(pilot: Pilot) -> None:
    """A test booking to Raum Alster, sent and cancelled: the row names what its copy lost."""
    from wizard.ui.widgets.check_item import CheckItem

    await _test_booking_dialog(pilot)
    await pilot.press("enter", "down", "enter")  # the room list: Raum Alster
    await _press_button(pilot, "#test-booking-yes")
    for _attempt in range(600):  # settle() may find it quiet before the run has begun
        rows = list(pilot.app.screen.query("#check-test_booking").results(CheckItem))
        if rows and rows[0].result.status.done:
            break
        await settle(pilot)
    await settle(pilot)


async def _open_reminder(pilot: Pilot) -> None:
    await step1_done(pilot)
    await _press_button(pilot, "#connect")


async def after_reminder(pilot: Pilot) -> None:
    """Step 2's first screen, the reminder read: the terms toggle in front of Link."""
    await _open_reminder(pilot)
    await pilot.click("#reminder-continue")
    await settle(pilot)


async def link_screen(pilot: Pilot) -> None:
    """The Enterprise Connect page: its gate held on the way (Link waits for the terms)."""
    await after_reminder(pilot)
    assert pilot.app.screen.query_one("#link").disabled, "Link before the terms"
    await pilot.click("#terms-connect")
    await pilot.click("#link")
    await settle(pilot)


async def signed_in(pilot: Pilot) -> None:
    """From the link page to "connected": the terms again, Sign in, the sandbox's sign-in."""
    assert pilot.app.screen.query_one("#sign-in").disabled, "Sign in before the terms"
    await pilot.click("#terms-link")
    await pilot.click("#sign-in")
    for _attempt in range(600):  # not settle(): the link worker waits for this sign-in
        await pilot.pause(0.05)
        if pilot.app.screen.query("#sandbox"):
            break
    await pilot.click("#sandbox")
    await settle(pilot)


async def _region_menu(pilot: Pilot) -> None:
    """The data-centre list open (Select's menu, with Textual's own key hints)."""
    await link_screen(pilot)
    await pilot.click("#region")
    await settle(pilot)


async def _sign_in_modal(pilot: Pilot) -> None:
    from wizard.ui.dialogs.signin import SignInModal

    await link_screen(pilot)
    request = SignInRequest(  # as step 2's link asks it: the relay's redirect, any device
        service="cronofy",
        url="https://app-de.cronofy.com/enterprise_connect/oauth/authorize?response_type=code"
        "&client_id=demo&redirect_uri=https%3A%2F%2Frelay.example.com%2Fec%2Fredirect"
        "&state=lnk_LINK.STATE",
        title=Msg(N_("Cronofy Enterprise Connect")),
        accepts_paste=False, qr=True,
    )
    import queue

    pilot.app.navigator.open(SignInModal(request, queue.Queue()))  # type: ignore[attr-defined]
    await settle(pilot, sign_in=False)


async def connected(pilot: Pilot, *,
                    before_sign_in: Callable[[Pilot], Awaitable[None]] | None = None) -> None:
    """From step 1 (or step 2's first screen) to "connected", as a person clicks;
    ``before_sign_in``: what they do on the link page first (another service, say)."""
    from wizard.ui.screens.connected import ConnectedScreen

    await link_screen(pilot)
    if before_sign_in is not None:
        await before_sign_in(pilot)
    await signed_in(pilot)
    assert isinstance(pilot.app.screen, ConnectedScreen), pilot.app.screen


async def assign(pilot: Pilot) -> None:
    await connected(pilot)
    await pilot.click("#next")
    await settle(pilot)


async def _export_dialog(pilot: Pilot) -> None:
    await assign(pilot)
    await pilot.press("ctrl+e")  # the table has the focus
    await settle(pilot)


@dataclass(frozen=True)
class Scene:
    name: str
    provider: str | None
    step: Step
    drive: Drive = _nothing
    scenario: str = "healthy"
    size: tuple[int, int] = (80, 24)
    notes: dict[str, str] = field(default_factory=dict)
    # Environment while the scene runs: e.g. a fixed HOME, shown in full by the export dialog.
    env: dict[str, str] = field(default_factory=dict)
    theme: str = ""  # the colours (wizard.ui.themes, ctrl+t); "": the default
    # The picture shows a sandbox address (the EWS URL in the form): its sandbox must listen
    # on fixed ports (fixed_port_sandbox), so these scenes take turns. The others run on
    # random ports, side by side.
    shows_address: bool = False

    def setup(self, profile: str, sandbox: Sandbox) -> Setup:
        """A setup at this scene's start: provider, step and colours as a person left them."""
        from wizard.app import Setup
        from wizard.core.settings import Settings

        setup = Setup(profile, demo=sandbox, settings=Settings.from_env())
        session = setup.session
        if self.provider is not None:
            session.choose_provider(self.provider)
        session.set_step(self.step)
        if self.theme:
            setup.set_theme(self.theme)
        return setup


SCENES = (
    Scene("01-welcome", None, Step.WELCOME),
    Scene("01-welcome-start-over", "exchange", Step.WELCOME, _start_over),
    Scene("02-prepare-exchange", "exchange", Step.PREPARE, shows_address=True),
    Scene("03-prepare-exchange-impersonation-denied", "exchange", Step.PREPARE,
          scenario="impersonation-denied"),
    Scene("03-prepare-exchange-handoff", "exchange", Step.PREPARE, _handoff_dialog,
          env={"HOME": "/home/admin"}),
    Scene("03-prepare-exchange-test-booking", "exchange", Step.PREPARE, _test_booking_dialog),
    Scene("03-prepare-exchange-test-booked", "exchange", Step.PREPARE, _test_booked,
          scenario="room-defaults"),
    Scene("04-prepare-microsoft365", "microsoft365", Step.PREPARE),
    Scene("05-prepare-google", "google", Step.PREPARE, _confirm_google_app),
    Scene("06-connect", "exchange", Step.PREPARE, step1_done),
    Scene("07-connect-reminder", "exchange", Step.PREPARE, _open_reminder),
    Scene("08-connect-terms", "exchange", Step.PREPARE, after_reminder),
    Scene("09-link", "exchange", Step.PREPARE, link_screen),
    Scene("09-link-region-menu", "exchange", Step.PREPARE, _region_menu),
    Scene("10-sign-in", "exchange", Step.PREPARE, _sign_in_modal),
    Scene("11-connected", "exchange", Step.PREPARE, connected),
    Scene("11-connected-room-defaults", "exchange", Step.PREPARE, connected,
          scenario="room-defaults"),
    Scene("12-assign", "exchange", Step.PREPARE, assign),
    Scene("12-assign-export", "exchange", Step.PREPARE, _export_dialog,
          env={"HOME": "/home/admin"}),
    Scene("13-too-small", None, Step.WELCOME, size=(60, 20)),
    # On a projector (ctrl+t): black on white, and the terminal's own colours.
    Scene("14-high-contrast", "google", Step.PREPARE, _confirm_google_app,
          theme="roomcal-high-contrast"),
    Scene("15-terminal-colours", "exchange", Step.PREPARE, _first_failure,
          scenario="impersonation-denied", theme="roomcal-terminal"),
)
