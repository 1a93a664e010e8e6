"""The Textual application: screens per step, the session, the language switch."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import events
from textual.app import App
from textual.screen import Screen

from wizard.core import crash, i18n
from wizard.core.flow import Step
from wizard.core.i18n import _
from wizard.core.model import render
from wizard.ui import carry, themes
from wizard.ui.carry import refocus
from wizard.ui.global_keys import app_keys
from wizard.ui.memory import freeze_garbage_collector
from wizard.ui.navigation import Navigator
from wizard.ui.text import translate_bindings
from wizard.ui.typeahead import Typeahead

if TYPE_CHECKING:
    from wizard.app import Setup
    from wizard.app.answers import Answers
    from wizard.app.view import SessionView
    from wizard.ui.screens.base import StepScreen
    from wizard.ui.unattended import Unattended

STYLES = Path(__file__).resolve().parents[1] / "styles" / "wizard.tcss"
MIN_SIZE = (80, 24)


SCREENS = {
    Step.WELCOME: ("wizard.ui.screens.welcome", "WelcomeScreen"),
    Step.PREPARE: ("wizard.ui.screens.prepare", "PrepareScreen"),
    Step.CONNECT: ("wizard.ui.screens.connect", "ConnectScreen"),
    Step.CONNECTED: ("wizard.ui.screens.connected", "ConnectedScreen"),
    Step.ASSIGN: ("wizard.ui.screens.assign", "AssignScreen"),
}


def screen_for(step: Step) -> Screen[None]:
    """A new screen for ``step``; its module is imported on first use (start-up time)."""
    module, name = SCREENS[step]
    screen: Screen[None] = getattr(importlib.import_module(module), name)()
    return screen


class WizardApp(App[int]):
    CSS_PATH = [STYLES]  # absolute: works from any cwd
    TITLE = "roomcal"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = app_keys()

    def __init__(self, setup: Setup, *, language: str | None = None,
                 answers: Answers | None = None) -> None:
        self.setup = setup
        self.answers = answers
        # The screens follow an unattended run of the steps' controllers, when the answers
        # file says unattended (wizard.app.unattended, wizard.ui.unattended).
        self.unattended: Unattended | None = None
        setup.save_in_background()  # saves never freeze the screen
        lang = language or self.session.profile.language or i18n.from_environment()
        i18n.set_language(lang)
        super().__init__()
        self.navigator = Navigator(self, on_error=self._handle_exception)
        # Each key acts on what the one before left (typed ahead, or one packet over SSH).
        self.typeahead = Typeahead(self, self.navigator)
        # The focused widget's id per screen while the terminal is too small (hidden).
        self._hidden_focus: dict[Screen[Any], str | None] = {}
        # Step 2 runs in worker threads; its changes to the session land on this loop.
        setup.on_main = self.call_from_thread
        setup.keep_event_loop_free()  # large tenants' per-room checks in a worker process
        themes.register(self)
        # NO_COLOR is honoured by Textual itself (no colours, styles kept).
        translate_bindings(self)
        if keymap := setup.settings.keymap:  # ROOMCAL_KEYMAP, read at start
            self.set_keymap(dict(keymap))

    @property
    def session(self) -> SessionView:
        """The session, to read: the steps' controllers (``setup.welcome`` …) change it."""
        return self.setup.state

    def take_resume(self) -> tuple[Step, str] | tuple[()]:
        """Where a stored profile resumed — for the first screen only (then: ())."""
        return self.setup.take_resume() or ()

    @property
    def demo(self) -> bool:
        return self.setup.demo is not None

    @property
    def driven(self) -> bool:
        """An unattended run goes on: the screens start no work of their own."""
        return self.unattended is not None and self.unattended.running

    def step_screen(self) -> StepScreen:
        """The step's screen, under any sub-screen or modal."""
        from wizard.ui.screens.base import StepScreen

        screen = self.screen_stack[1]
        assert isinstance(screen, StepScreen)
        return screen

    def shows(self, step: Step) -> bool:
        """Whether the step screen (under any sub-screen or modal) is ``step``'s."""
        stack = self.screen_stack
        return len(stack) > 1 and type(stack[1]).__name__ == SCREENS[step][1]

    def on_unmount(self) -> None:
        if self.unattended is not None:
            self.unattended.cancel()
        self.navigator.stop()
        # A test booking still waiting is cancelled before the process ends (cli.run does
        # not wait for check threads): nothing may stay in a room's calendar.
        self.setup.prepare.cancel_test_booking()
        self.setup.flush()  # the last background save lands before we exit

    def on_mount(self) -> None:
        self.setup.set_language(i18n.current_language())
        self.navigator.start()
        chosen = self.session.profile.theme  # the colours of the last run (ctrl+t)
        if themes.known(chosen) and chosen != self.theme:
            self.theme = chosen
        step = self.session.step
        self.navigator.replace(lambda: screen_for(step))
        for warning in self.session.warnings:
            self.notify(render(warning), severity="warning", timeout=12, markup=False)
        if self.setup.secrets.warning is not None and not self.demo:
            self.notify(render(self.setup.secrets.warning), severity="warning", markup=False)
        self.call_after_refresh(freeze_garbage_collector)
        if self.setup.demo is not None:
            # A moment after the first paint: its keys and servers (a quarter of a second
            # of CPU on a thread, sharing the GIL) must not slow the first frames either.
            # Whatever needs the sandbox sooner starts it then (DemoEnvironment.wait).
            self.set_timer(0.25, self.setup.demo.begin)
        if self.answers is not None and self.answers.unattended:
            from wizard.ui.unattended import Unattended

            self.unattended = Unattended(self, self.answers)
            self.unattended.start()

    async def action_quit(self) -> None:
        # An unattended run ends with 0 only if it reached the connected screen.
        self.exit(return_code=self.unattended.exit_code if self.unattended is not None else 0)

    def goto(self, step: Step, *, origin: Screen[Any] | None = None) -> None:
        """Show a step's screen; sub-screens and modals of the old step are closed.

        ``origin``: the screen whose background work asks; if the person has left
        it meanwhile, they stay where they are.
        """
        self.navigator.replace(lambda: screen_for(step), origin=origin,
                               before=lambda: self.setup.set_step(step))

    def action_toggle_keys(self) -> None:
        """F1 / ?: every key of the current screen; pressed again, the list closes."""
        from wizard.ui.dialogs.keys import KeysModal

        if isinstance(self.screen, KeysModal):
            self.screen.close()
        else:
            self.navigator.open(KeysModal(self.screen), origin=self.screen)

    def action_switch_language(self) -> None:
        # A stack-wide change: in turn with every other change of the screens. Keys typed
        # after ctrl+l wait for it (wizard.ui.typeahead): they go to the new widgets,
        # where the cursor is again, not to the old ones being removed.
        self.navigator.run(self._retranslate)

    async def on_event(self, event: events.Event) -> None:
        if (isinstance(event, events.Key) and not event.is_forwarded
                and not await self.typeahead.take(event)):
            return  # held behind a change of the screens; handed on after it
        await super().on_event(event)

    async def _retranslate(self) -> None:
        lang = i18n.set_language(i18n.next_language(i18n.current_language()))
        self.setup.set_language(lang)
        translate_bindings(self)
        focused = self.focused
        # The texts are translated when composed: every screen and dialog is composed
        # again, and what lives only in its widgets is carried over (wizard.ui.carry).
        for screen in self.screen_stack:
            if isinstance(screen.sub_title, str) and hasattr(screen, "STEP"):
                screen.sub_title = screen.STEP.heading  # the Header follows the language
            if hasattr(screen, "on_language_changed"):
                screen.on_language_changed()
                continue
            kept = carry.keep(screen, focused)
            translate_bindings(screen)
            await screen.recompose()
            if hasattr(screen, "after_recompose"):
                screen.after_recompose()
            carry.restore(screen, kept)
        self.notify(_("Language: English") if lang == "en" else _("Language: German"),
                    timeout=2)

    def action_cycle_theme(self) -> None:
        """ctrl+t: default → high contrast → the terminal's colours; kept in the profile."""
        self.theme = themes.next_theme(self.theme)
        self.setup.set_theme(self.theme)
        self.notify(_("Colours: {name}").format(name=_(themes.NAMES[self.theme])), timeout=2)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's crash report is a traceback with local variables: secrets on screen.

        The person sees one scrubbed sentence and the log's path; the traceback
        goes to the log, scrubbed and without locals (wizard.core.crash).
        """
        self._return_code = crash.EXIT_CODE
        if self._exception is None:  # Pilot re-raises it for the tests
            self._exception = error
            self._exception_event.set()
        if getattr(self, "_crashed", False):
            return
        self._crashed = True
        sentence = crash.record(error, self.setup.settings.log_file)
        self.bell()
        self._exit_renderables.append(RichText(sentence))
        self._close_messages_no_wait()

    def apply_size_class(self, screen: Screen[Any]) -> None:
        """Too small: hide the step and say so; big enough again: focus where it was."""
        width, height = screen.size if screen.size.area else self.size
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        if too_small == screen.has_class("-too-small"):
            return
        if too_small and self.focused is not None and self.focused.screen is screen:
            self._hidden_focus[screen] = self.focused.id
        screen.set_class(too_small, "-too-small")
        if not too_small and (widget_id := self._hidden_focus.pop(screen, None)):
            screen.call_after_refresh(refocus, screen, widget_id)
