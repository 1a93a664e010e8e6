"""Unattended runs: the real screens, driven the way a person drives them.

An answers file with ``unattended = true`` (wizard.app.answers) starts this. A few times a
second it looks at the screen on top and does there what a person would — only through that
screen's own buttons and toggles (``Button.press()``, a toggle's own action), so every gate
holds and the navigator stays the one owner of the screen stack. It waits for step 1's run,
ticks the confirmations and terms the file accepts, presses Next, Connect, Continue, Link
and Sign in — in the demo also "Sign in with the sandbox"; outside it a person signs in
in their browser as usual — and ends on the connected screen.

What blocks a person blocks it: it stops at the first failed check, a value the form
refuses, terms the file does not accept or a link that failed, with that thing focused and
in view, and does nothing more — the person takes over or quits. The app's exit code says
how it went: 0 once the connected screen was reached, else 1.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Static

from wizard.core.i18n import N_, _
from wizard.core.model import CheckSpec, Msg, Status, render
from wizard.ui.dialogs.reminder import ReminderModal
from wizard.ui.dialogs.signin import SignInModal
from wizard.ui.screens.connect import ConnectScreen, LinkScreen
from wizard.ui.screens.connected import ConnectedScreen
from wizard.ui.screens.prepare import PrepareScreen
from wizard.ui.screens.welcome import WelcomeScreen
from wizard.ui.widgets.check_item import CheckItem
from wizard.ui.widgets.field_row import FieldRow

if TYPE_CHECKING:
    from textual.timer import Timer

    from wizard.app.answers import Answers
    from wizard.ui.app import WizardApp

TICK = 0.1  # seconds between looks at the screen on top
EXIT_CONNECTED = 0
EXIT_STOPPED = 1  # stopped, or quit before the end: like `roomcal check`'s failed check


class Autopilot:
    def __init__(self, app: WizardApp, answers: Answers) -> None:
        self.app = app
        self.answers = answers
        self.finished = False  # the connected screen was reached
        self.stopped = False  # something blocked: shown, and left to the person
        # The buttons pressed on each screen: each once, as its press lands a moment later.
        self._pressed: weakref.WeakKeyDictionary[Screen[Any], set[str]] = \
            weakref.WeakKeyDictionary()
        self._timer: Timer | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CONNECTED if self.finished else EXIT_STOPPED

    def start(self) -> None:
        self.app.notify(_("Unattended: the answers in {path} run the setup, screen by "
                          "screen.").format(path=self.answers.path), timeout=4, markup=False)
        self._timer = self.app.set_interval(TICK, self._tick)

    def _tick(self) -> None:
        if self.finished or self.stopped or not self.app.navigator.idle:
            return
        screen = self.app.screen
        try:
            self._act(screen)
        except NoMatches:  # a screen still being composed (or re-composed: ctrl+l)
            return

    def _act(self, screen: Screen[Any]) -> None:
        if isinstance(screen, SignInModal):
            if self.app.demo:  # outside the demo the person signs in, in their browser
                self._press(screen, "#sandbox")
        elif isinstance(screen, ReminderModal):
            self._press(screen, "#reminder-continue")
        elif isinstance(screen, PrepareScreen):
            self._prepare(screen)
        elif isinstance(screen, ConnectScreen):
            self._connect(screen)
        elif isinstance(screen, LinkScreen):
            self._link(screen)
        elif isinstance(screen, ConnectedScreen):
            self._finish()
        elif isinstance(screen, WelcomeScreen):
            self._press(screen, "#next")

    # -- the screens -------------------------------------------------------------------------
    def _prepare(self, screen: PrepareScreen) -> None:
        session = screen.session
        plugin = session.plugin()
        if self._running(screen, "checks"):
            return
        if any(spec.id not in session.results for spec in plugin.checks):
            # No run yet — or none can start: the form refuses a value.
            if (row := _refused_field(screen)) is not None:
                self._stop(row.query_one(f"#field-{row.field.key}"), Msg(N_(
                    "Unattended run stopped: \"{field}\" needs a valid value."),
                    field=_(row.field.label)))
            return
        if screen.setup.stale_inputs() != []:
            return  # the results are not this run's yet
        open_ids = session.open_items()
        if not open_ids:
            self._press(screen, "#next")
            return
        spec = plugin.spec(open_ids[0])
        item = screen.query_one(f"#check-{spec.id}", CheckItem)
        if not self._confirm(spec, item):
            self._stop(item, Msg(N_("Unattended run stopped at \"{check}\" ({status}): fix it "
                                    "and re-check, or go on by hand."),
                                 check=_(spec.title), status=item.result.status.label))

    def _confirm(self, spec: CheckSpec, item: CheckItem) -> bool:
        """Tick a confirmation the file gives (Google's Marketplace install); True while that
        is under way, False when there is nothing to confirm."""
        if spec.confirmation is None or spec.id not in self.answers.confirm:
            return False
        if item.result.status in (Status.FAIL, Status.SKIP):
            return False  # a confirmation would not mend that
        if spec.id in self.app.session.profile.confirmations:
            return False  # confirmed and checked again, and still open
        toggle = item.query_one(Checkbox)
        if not toggle.value:
            toggle.action_toggle_button()
        return True

    def _connect(self, screen: ConnectScreen) -> None:
        connect = screen.query_one("#connect", Button)
        if connect.display:
            self._press(screen, "#connect")  # then the reminder (or wait for it)
            return
        terms = screen.query_one("#terms-connect", Checkbox)
        if not terms.value:
            self._accept(terms)
            return
        self._press(screen, "#link")

    def _link(self, screen: LinkScreen) -> None:
        terms = screen.query_one("#terms-link", Checkbox)
        if not terms.value:
            self._accept(terms)
            return
        if "#sign-in" not in self._pressed.get(screen, ()):
            self._press(screen, "#sign-in")
            return
        if self._running(screen, "link"):
            return  # signing in (in the demo the sandbox; else the person's browser)
        # The screen says why a link failed. No sentence (yet): the press has not landed,
        # or the link succeeded and the connected screen is on its way.
        if error := str(screen.query_one("#link-error", Static).render()).strip():
            self._stop(screen.query_one("#sign-in", Button), Msg(N_(
                "Unattended run stopped: the link failed ({error})"), error=error))

    def _accept(self, terms: Checkbox) -> None:
        if self.answers.accept_terms:
            terms.action_toggle_button()
        else:
            self._stop(terms, Msg(N_("Unattended run stopped at the terms: the answers file "
                                     "does not accept them (accept_terms under [connect]).")))

    def _finish(self) -> None:
        self.finished = True
        self._stop_timer()
        self.app.notify(_("Unattended run complete: the calendar service is connected."),
                        timeout=10, markup=False)

    # -- doing and stopping ------------------------------------------------------------------
    def _press(self, screen: Screen[Any], selector: str) -> bool:
        """Press a button of this screen as a click would, once, if it can be pressed now."""
        pressed = self._pressed.setdefault(screen, set())
        if selector in pressed:
            return False
        for button in screen.query(selector).results(Button):
            if button.display and not button.disabled:
                pressed.add(selector)
                button.press()
                return True
        return False

    def _running(self, screen: Screen[Any], group: str) -> bool:
        return any(worker.node is screen and worker.group == group and not worker.is_finished
                   for worker in self.app.workers)

    def _stop(self, widget: Widget, sentence: Msg) -> None:
        self.stopped = True
        self._stop_timer()
        widget.focus(scroll_visible=False)
        # At once: a second animated scroll, begun while the screen's own is under way,
        # ended somewhere between the two.
        widget.scroll_visible(top=True, animate=False)
        self.app.notify(render(sentence), severity="warning", timeout=10, markup=False)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()


def _refused_field(screen: PrepareScreen) -> FieldRow | None:
    for row in screen.query(FieldRow):
        if any(error.display for error in row.query(".field-error")):
            return row
    return None
