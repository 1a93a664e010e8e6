"""Every screen of the wizard as a reproducible scene, driven through the demo.

Used by ``scripts/export_screenshots.py`` (SVGs for the README) and by the
snapshot tests, so both show exactly what a person walking the demo sees.
Each scene starts the sandbox on fixed ports (repeatable URLs), builds the
app at the right step, and drives it with the Pilot — the same clicks and
keys a guide would use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.pilot import Pilot

from wizard.core.flow import Step
from wizard.core.interaction import SignInRequest
from wizard.core.model import Provider

if TYPE_CHECKING:
    from wizard.core.session import Session
    from wizard.sandbox import Sandbox

PORT_BASE = 47310
Drive = Callable[[Pilot], Awaitable[None]]


async def settle(pilot: Pilot, *, sign_in: bool = True) -> None:
    """Wait for screen changes and every worker (checks, sign-ins) to finish.

    ``sign_in``: when a check or the link waits for a sign-in, press the demo's
    "Sign in with the sandbox" button, as a guide would (Enter).
    """
    from wizard.ui.screens.signin import SignInModal

    app = pilot.app
    quiet_rounds = 0
    # Poll rather than block on the workers: a check may be waiting for a sign-in
    # that only this loop completes.
    for _round in range(1200):
        await pilot.pause()
        if sign_in and isinstance(app.screen, SignInModal):
            button = app.screen.query("#sandbox")
            if button and not button.first().disabled:
                await pilot.click("#sandbox")
            await pilot.pause(0.05)
            continue
        navigator = getattr(app, "navigator", None)
        busy = any(not w.is_finished for w in app.workers) or (
            navigator is not None and not navigator.idle)
        quiet_rounds = 0 if busy else quiet_rounds + 1
        if quiet_rounds >= 3:
            break
        if busy:
            await pilot.pause(0.05)
    await pilot.pause()


async def _nothing(pilot: Pilot) -> None:
    await settle(pilot)


async def _start_over(pilot: Pilot) -> None:
    """The question before a profile is cleared (ConfirmModal)."""
    await settle(pilot)
    await pilot.click("#reset")
    await settle(pilot)


async def _confirm_google_app(pilot: Pilot) -> None:
    from textual.widgets import Checkbox

    await settle(pilot)
    pilot.app.screen.query_one("#confirm-cronofy_app", Checkbox).focus()
    await pilot.press("space")  # the terms toggle, by keyboard as over SSH
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


async def _step1_done(pilot: Pilot) -> None:
    """Step 1 checked against the sandbox, then on to step 2 — as a person would."""
    await settle(pilot)
    await pilot.click("#next")
    await settle(pilot)


async def _open_reminder(pilot: Pilot) -> None:
    await _step1_done(pilot)
    await pilot.click("#connect")
    await settle(pilot)


async def _after_reminder(pilot: Pilot) -> None:
    await _open_reminder(pilot)
    await pilot.click("#reminder-continue")
    await settle(pilot)


async def _link_screen(pilot: Pilot) -> None:
    await _after_reminder(pilot)
    await pilot.click("#terms-connect")
    await pilot.click("#link")
    await settle(pilot)


async def _region_menu(pilot: Pilot) -> None:
    """The data-centre list open (Select's menu, with Textual's own key hints)."""
    await _link_screen(pilot)
    await pilot.click("#region")
    await settle(pilot)


async def _link_resume(pilot: Pilot) -> None:
    """Back on the link screen after a link was cut short three minutes ago."""
    import time

    pilot.app.session.update(pending_link={  # type: ignore[attr-defined]
        "state": "STATE", "port": 8751, "region": "de",
        "redirect_uri": "http://127.0.0.1:8751/", "started": time.time() - 180})
    await _link_screen(pilot)


async def _sign_in_modal(pilot: Pilot) -> None:
    from wizard.ui.screens.signin import SignInModal

    await _link_screen(pilot)
    request = SignInRequest(
        service="cronofy",
        url="https://app-de.cronofy.com/enterprise_connect/oauth/authorize?response_type=code"
        "&client_id=demo&redirect_uri=http%3A%2F%2F127.0.0.1%3A8751%2F&state=STATE",
        port=8751,
    )
    import queue

    pilot.app.navigator.open(SignInModal(request, queue.Queue()))  # type: ignore[attr-defined]
    await settle(pilot, sign_in=False)


async def _connected(pilot: Pilot) -> None:
    await _link_screen(pilot)
    await pilot.click("#terms-link")
    await pilot.click("#sign-in")
    for _attempt in range(600):  # not settle(): the link worker waits for this sign-in
        await pilot.pause(0.05)
        if pilot.app.screen.query("#sandbox"):
            break
    await pilot.click("#sandbox")
    await settle(pilot)


async def _assign(pilot: Pilot) -> None:
    await _connected(pilot)
    await pilot.click("#next")
    await settle(pilot)


async def _export_dialog(pilot: Pilot) -> None:
    await _assign(pilot)
    await pilot.press("ctrl+e")  # the table has the focus
    await settle(pilot)


@dataclass(frozen=True)
class Scene:
    name: str
    provider: Provider | None
    step: Step
    drive: Drive = _nothing
    scenario: str = "healthy"
    size: tuple[int, int] = (80, 24)
    notes: dict[str, str] = field(default_factory=dict)
    # Environment while the scene runs: e.g. a fixed HOME, shown in full by the export dialog.
    env: dict[str, str] = field(default_factory=dict)
    theme: str = ""  # the colours (wizard.ui.themes, ctrl+t); "": the default

    def session(self, profile: str, sandbox: Sandbox) -> Session:
        """A session at this scene's start: provider, step and colours as a person left them."""
        from wizard.core.session import Session

        session = Session(profile, sandbox=sandbox)
        if self.provider is not None:
            session.choose_provider(self.provider)
        session.set_step(self.step)
        if self.theme:
            session.update(theme=self.theme)
        return session


SCENES = (
    Scene("01-welcome", None, Step.WELCOME),
    Scene("01-welcome-start-over", Provider.EXCHANGE, Step.WELCOME, _start_over),
    Scene("02-prepare-exchange", Provider.EXCHANGE, Step.PREPARE),
    Scene("03-prepare-exchange-impersonation-denied", Provider.EXCHANGE, Step.PREPARE,
          scenario="impersonation-denied"),
    Scene("04-prepare-microsoft365", Provider.MICROSOFT365, Step.PREPARE),
    Scene("05-prepare-google", Provider.GOOGLE, Step.PREPARE, _confirm_google_app),
    Scene("06-connect", Provider.EXCHANGE, Step.PREPARE, _step1_done),
    Scene("07-connect-reminder", Provider.EXCHANGE, Step.PREPARE, _open_reminder),
    Scene("08-connect-terms", Provider.EXCHANGE, Step.PREPARE, _after_reminder),
    Scene("09-link", Provider.EXCHANGE, Step.PREPARE, _link_screen),
    Scene("09-link-region-menu", Provider.EXCHANGE, Step.PREPARE, _region_menu),
    Scene("09-link-resume", Provider.EXCHANGE, Step.PREPARE, _link_resume),
    Scene("10-sign-in", Provider.EXCHANGE, Step.PREPARE, _sign_in_modal),
    Scene("11-connected", Provider.EXCHANGE, Step.PREPARE, _connected),
    Scene("12-assign", Provider.EXCHANGE, Step.PREPARE, _assign),
    Scene("12-assign-export", Provider.EXCHANGE, Step.PREPARE, _export_dialog,
          env={"HOME": "/home/admin"}),
    Scene("13-too-small", None, Step.WELCOME, size=(60, 20)),
    # On a projector (ctrl+t): black on white, and the terminal's own colours.
    Scene("14-high-contrast", Provider.GOOGLE, Step.PREPARE, _confirm_google_app,
          theme="roomcal-high-contrast"),
    Scene("15-terminal-colours", Provider.EXCHANGE, Step.PREPARE, _first_failure,
          scenario="impersonation-denied", theme="roomcal-terminal"),
)
