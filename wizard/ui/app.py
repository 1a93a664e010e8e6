"""The Textual application: screens per step, the session, the language switch."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text as RichText
from textual.app import App
from textual.screen import Screen

from wizard.core import crash, i18n
from wizard.core.flow import Step
from wizard.core.i18n import _
from wizard.core.model import render
from wizard.core.session import Session
from wizard.ui import themes
from wizard.ui.keys import app_keys
from wizard.ui.memory import freeze_garbage_collector
from wizard.ui.navigation import Navigator
from wizard.ui.text import translate_bindings

if TYPE_CHECKING:
    from wizard.sandbox import Sandbox

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
    return getattr(importlib.import_module(module), name)()


def parse_keymap(text: str) -> dict[str, str]:
    """``ROOMCAL_KEYMAP="nav.next=ctrl+right,prepare.recheck=f5"`` → binding id → keys."""
    keymap = {}
    for item in text.split(","):
        binding_id, _sep, keys = item.partition("=")
        if binding_id.strip() and keys.strip():
            keymap[binding_id.strip()] = keys.strip()
    return keymap


class WizardApp(App[int]):
    CSS_PATH: ClassVar[list[str | Path]] = [STYLES]  # absolute: works from any cwd
    TITLE = "roomcal"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = app_keys()

    def __init__(
        self,
        *,
        profile_name: str = "default",
        language: str | None = None,
        sandbox: Sandbox | None = None,
        session: Session | None = None,
    ) -> None:
        self.session = session or Session(profile_name, sandbox=sandbox)
        self.session.store.background = True  # saves never freeze the screen
        lang = language or self.session.profile.language or i18n.from_environment()
        i18n.set_language(lang)
        super().__init__()
        self.navigator = Navigator(self, on_error=self._handle_exception)
        themes.register(self)
        # NO_COLOR is honoured by Textual itself (no colours, styles kept).
        translate_bindings(self)
        if keymap := parse_keymap(os.environ.get("ROOMCAL_KEYMAP", "")):
            self.set_keymap(keymap)

    @property
    def demo(self) -> bool:
        return self.session.sandbox is not None

    def on_unmount(self) -> None:
        self.navigator.stop()
        self.session.store.flush()  # the last background save lands before we exit

    def on_mount(self) -> None:
        if self.session.profile.language != i18n.current_language():
            self.session.update(language=i18n.current_language())
        self.navigator.start()
        chosen = self.session.profile.theme  # the colours of the last run (ctrl+t)
        if themes.known(chosen) and chosen != self.theme:
            self.theme = chosen
        step = self.session.step
        self.navigator.replace(lambda: screen_for(step))
        for warning in self.session.warnings:
            self.notify(render(warning), severity="warning", timeout=12, markup=False)
        if self.session.secrets.warning is not None and not self.demo:
            self.notify(render(self.session.secrets.warning), severity="warning", markup=False)
        self.call_after_refresh(freeze_garbage_collector)


    def goto(self, step: Step, *, origin: Screen[object] | None = None) -> None:
        """Show a step's screen; sub-screens and modals of the old step are closed.

        ``origin``: the screen whose background work asks; if the person has left
        it meanwhile, they stay where they are.
        """
        self.navigator.replace(lambda: screen_for(step), origin=origin,
                               before=lambda: self.session.set_step(step))

    def action_switch_language(self) -> None:
        # A stack-wide change: in turn with every other change of the screens.
        self.navigator.run(self._switch_language)

    async def _switch_language(self) -> None:
        lang = i18n.set_language(i18n.next_language(i18n.current_language()))
        self.session.update(language=lang)
        translate_bindings(self)
        # State lives in the session, so re-composing loses nothing the user typed.
        for screen in self.screen_stack:
            if isinstance(screen.sub_title, str) and hasattr(screen, "STEP"):
                screen.sub_title = screen.STEP.title  # the Header follows the language
            if hasattr(screen, "on_language_changed"):
                screen.on_language_changed()
            else:
                translate_bindings(screen)
                await screen.recompose()
                if hasattr(screen, "after_recompose"):
                    screen.after_recompose()
        self.notify(_("Language: English") if lang == "en" else _("Language: German"),
                    timeout=2)

    def action_cycle_theme(self) -> None:
        """ctrl+t: default → high contrast → the terminal's colours; kept in the profile."""
        self.theme = themes.next_theme(self.theme)
        self.session.update(theme=self.theme)
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
        sentence = crash.record(error)
        self.bell()
        self._exit_renderables.append(RichText(sentence))
        self._close_messages_no_wait()

    def apply_size_class(self, screen: Screen[object]) -> None:
        width, height = screen.size if screen.size.area else self.size
        screen.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-too-small")
