"""The TUI's side of an unattended run: the screens follow what the steps' controllers do.

The run itself is wizard.app.unattended's: it calls the steps' controllers as a person's
screens would, and says what happened. Here each of those is shown: the step reached
becomes the navigator's screen, results land on the checklist, a changed gate is shown by
the screen that owns it, a stop is focused and scrolled into view with its sentence in a
notification. Nothing here presses a button or reads a sentence off a screen.

The app's exit code says how it went: 0 once the connected screen was reached, else 1.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual.css.query import NoMatches
from textual.screen import Screen

from wizard.app import unattended
from wizard.app.unattended import (
    Checked,
    ChecksStarted,
    Confirmed,
    Event,
    Finished,
    GateChanged,
    Linking,
    Reached,
    Stopped,
)
from wizard.core.i18n import _
from wizard.core.model import render
from wizard.ui.interaction import TuiInteraction

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.ui.app import WizardApp

EXIT_CONNECTED = 0
EXIT_STOPPED = 1  # stopped, or quit before the end: like `roomcal check`'s failed check


class Unattended:
    def __init__(self, app: WizardApp, answers: Answers) -> None:
        self.app = app
        self.answers = answers
        self.running = False  # the run goes on: the screens start nothing by themselves
        self.finished = False  # the connected screen was reached
        self.stopped: Stopped | None = None  # what blocked: shown, and left to the person
        self._cancel = threading.Event()

    @property
    def exit_code(self) -> int:
        return EXIT_CONNECTED if self.finished else EXIT_STOPPED

    def start(self) -> None:
        self.app.notify(_("Unattended: the answers in {path} run the setup, screen by "
                          "screen.").format(path=self.answers.path), timeout=4, markup=False)
        self.running = True
        self.app.run_worker(self._follow(), group="unattended", name="unattended")

    def cancel(self) -> None:
        self._cancel.set()

    async def _follow(self) -> None:
        interaction = TuiInteraction(self.app, cancel_callback=self._cancel.set)
        try:
            async for event in unattended.run(self.app.setup, self.answers, interaction,
                                              self._cancel):
                await self._show(event)
        finally:
            self.running = False

    async def _show(self, event: Event) -> None:
        from wizard.ui.screens.connect import ConnectScreen, LinkScreen
        from wizard.ui.screens.prepare import PrepareScreen

        app = self.app
        # The screen that shows it may be under a sign-in's dialog.
        screen = next((s for s in reversed(app.screen_stack)
                       if isinstance(s, PrepareScreen | ConnectScreen | LinkScreen)), app.screen)
        match event:
            case Reached(step):
                await app.navigator.applied()
                if not app.shows(step):
                    app.goto(step)
                    await app.navigator.applied()
                await app.step_screen().painted.wait()
            case ChecksStarted(only) if isinstance(screen, PrepareScreen):
                screen.show_checks_started(only)
            case Checked(result) if isinstance(screen, PrepareScreen):
                screen.show_result(result)
            case Confirmed(check_id) if isinstance(screen, PrepareScreen):
                screen.show_confirmed(check_id)
            case GateChanged() if isinstance(screen, ConnectScreen | LinkScreen):
                screen.follow_controller()
            case Linking(cancel):
                link = LinkScreen()
                app.navigator.open(link, origin=screen)
                await app.navigator.applied()
                await link.painted.wait()
                link.follow_link(cancel)
            case Stopped():
                # A sign-in's modal asked to close before the stop is closed first: the
                # stop is shown on the step's screen, not on a dialog about to go.
                await app.navigator.applied()
                self._stop(event)
            case Finished():
                self.finished = True
                app.notify(_("Unattended run complete: the calendar service is connected."),
                           timeout=10, markup=False)

    def _stop(self, stop: Stopped) -> None:
        """What blocks, focused and in view; why, in a notification."""
        from wizard.ui.screens.base import StepScreen
        from wizard.ui.screens.connect import LinkScreen
        from wizard.ui.screens.prepare import PrepareScreen

        self.stopped = stop
        # The step's own screen (or its link screen), under any dialog the person opened:
        # on resume Textual focuses the first widget of a screen whose focus is empty.
        screen = next((s for s in reversed(self.app.screen_stack)
                       if isinstance(s, StepScreen)), self.app.screen)
        if stop.error is not None and isinstance(screen, LinkScreen):
            screen.show_error(*stop.error)
        if stop.field and isinstance(screen, PrepareScreen):
            screen.show_form_problems()
        self.focus_stop(screen)
        self.app.notify(render(stop.sentence), severity="warning", timeout=10, markup=False)

    def focus_stop(self, screen: Screen[Any]) -> None:
        """What the run stopped at, focused and in view on ``screen``. Also called by a
        step screen after its first paint places its own focus: under load the stop can
        come before that paint, whose focus would otherwise win."""
        from wizard.ui.screens.connect import ConnectScreen, LinkScreen

        stop = self.stopped
        if stop is None:
            return
        if isinstance(screen, ConnectScreen | LinkScreen):
            # The gate as the controller holds it: the toggle to focus is shown only once
            # the reminder is acknowledged (a focus on a hidden widget is dropped).
            screen.follow_controller()
        selector = (f"#check-{stop.check}" if stop.check else f"#field-{stop.field}"
                    if stop.field else "#terms-connect" if stop.terms else "#sign-in")
        try:
            widget = screen.query_one(selector)
        except NoMatches:  # the person went elsewhere meanwhile: the sentence still says it
            return
        widget.focus(scroll_visible=False)
        # At once: a second animated scroll, begun while the screen's own is under way,
        # ended somewhere between the two.
        widget.scroll_visible(top=True, animate=False)
