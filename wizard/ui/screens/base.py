"""What every step screen shares: step indicator, body, Back/Next bar, footer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Static

from wizard.core.flow import Step, local_time, previous_step
from wizard.core.i18n import N_, _
from wizard.ui.text import plain, translate_bindings
from wizard.ui.widgets.footer import WizardFooter
from wizard.ui.widgets.step_indicator import StepIndicator

if TYPE_CHECKING:
    from wizard.app import Setup
    from wizard.app.view import SessionView
    from wizard.ui.app import WizardApp


class Body(VerticalScroll, can_focus=False):
    """The scrolling body: focus goes to the widgets in it, which scroll into view."""


class StepScreen(Screen[None]):
    STEP: Step = Step.WELCOME
    # Focus is placed by focus_start() once the screen is painted: focusing a
    # widget inside the scrolling body first costs a second layout pass.
    AUTO_FOCUS = None
    _resumed: tuple[Step, str] | tuple[()] | None  # None: not asked yet (_resume_note)
    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="nav.back"),
        Binding("ctrl+n", "next", N_("Next"), id="nav.next"),
    ]

    @property
    def wizard(self) -> WizardApp:
        # Textual types every widget's app as App[object]; this one is a WizardApp.
        return self.app  # type: ignore[return-value]

    @property
    def setup(self) -> Setup:
        return self.wizard.setup

    @property
    def session(self) -> SessionView:
        return self.wizard.session

    def compose(self) -> ComposeResult:
        translate_bindings(self)
        yield Header(show_clock=False, icon="")
        yield StepIndicator(self.STEP, self._unfinished_steps())
        with Body(id="body"):
            if note := self._resume_note():
                yield Static(plain(note), id="resume-note", classes="notice")
            yield from self.compose_body()
        with Horizontal(id="nav"):
            if previous_step(self.STEP) is not None:
                yield Button(_("Back"), id="back", compact=True)
            yield Static(classes="spacer")
            yield from self.compose_actions()
        yield Static(
            plain(_("The terminal is too small: please enlarge it to at least 80×24.")),
            id="too-small",
        )
        yield WizardFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def _unfinished_steps(self) -> frozenset[Step]:
        """Steps that are not done: step 1 while any of its items is open (the one rule)."""
        if self.session.provider is None or not self.session.open_items():
            return frozenset()
        return frozenset({Step.PREPARE})

    def _resume_note(self) -> str:
        """On the first screen of a resumed profile: where it resumed, and from when.

        The first screen takes the app's note (once); a language switch re-composes the
        screen and says it again in the new language.
        """
        if self._resumed is None:
            self._resumed = self.wizard.take_resume()
        if not self._resumed:
            return ""
        step, saved_at = self._resumed
        return _("Resumed where profile {name} left off: {step} (last saved {when}).").format(
            name=self.session.profile.name, step=step.heading, when=local_time(saved_at))

    def compose_actions(self) -> ComposeResult:
        yield from ()

    def __init__(self) -> None:
        super().__init__()
        # Set before the Header mounts: it reads them then, and watches later changes.
        self.title = "roomcal"
        self.sub_title = self.STEP.heading
        self._resumed = None
        # Set once the first paint has placed the focus (an unattended run's stop, focused
        # after it, is not moved by it): wizard.ui.unattended waits for it.
        self.painted = asyncio.Event()

    def on_mount(self) -> None:
        self.wizard.apply_size_class(self)
        self.after_compose()
        self.after_mount()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        # Focus first, then start work that may push modals: a modal returns focus
        # to what was focused when it opened, so the order must not be left to chance.
        self.focus_start()
        if (run := self.wizard.unattended) is not None:
            run.focus_stop(self)  # a stop that came before this paint keeps the focus
        self.after_paint()
        self.painted.set()

    def after_paint(self) -> None:
        pass

    def on_resize(self, event: Resize) -> None:
        self.wizard.apply_size_class(self)

    def after_compose(self) -> None:
        """Bring new widgets up to date: after the first mount and after every re-compose."""

    def after_mount(self) -> None:
        """Once per visit (work to start, dialogs to open): never again after a re-compose."""

    def after_recompose(self) -> None:
        """After a language switch: the widgets are new, the state is the session's."""
        self.after_compose()
        self.focus_start()

    def focus_start(self) -> None:
        """Put the cursor where the user most likely acts first."""
        primary = [b for b in self.query(Button) if b.variant == "primary" and not b.disabled
                   and b.display]
        if primary:
            primary[-1].focus()

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab from the body reaches the step's primary action first, then the other buttons.

        Textual orders the bar left to right, so "Back" came first: a tick that enabled
        "Next" (Google's Marketplace confirmation) was followed by Tab onto "Back".
        """
        chain = super().focus_chain
        bar = [w for w in chain if isinstance(w, Button) and w.parent is not None
               and w.parent.id == "nav"]
        primary = [b for b in bar if b.variant == "primary"]
        if not primary or bar[0] is primary[-1]:
            return chain
        start = chain.index(bar[0])
        rest = [w for w in chain[start:] if w is not primary[-1]]
        return [*chain[:start], primary[-1], *rest]

    # Textual runs these for subclasses too (handlers run along the MRO): a subclass
    # handles only its own buttons.
    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_next()

    def action_back(self) -> None:
        previous = previous_step(self.STEP)
        if previous is not None:
            self.wizard.goto(previous)

    def action_next(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            # Shown only where there is a Next button; dimmed while it is disabled.
            buttons = self.query("#next")
            if not buttons:
                return False
            return None if buttons.first(Button).disabled else True
        if action == "back":
            return previous_step(self.STEP) is not None
        return True

    def set_enabled(self, selector: str, enabled: bool) -> None:
        for widget in self.query(selector):
            if isinstance(widget, Widget):
                widget.disabled = not enabled
