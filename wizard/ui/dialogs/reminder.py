"""The help page's reminder before step 2: complete step 1 first."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from wizard.core.i18n import N_, _
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain, styled


class ReminderModal(WizardModal[bool]):
    """The help page's reminder: complete step 1 first (Weiter / Zurück)."""

    BINDINGS = [Binding("escape", "back", N_("Back"), id="reminder.back")]

    def __init__(self, failures: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.failures = failures  # (symbol, title, detail)

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((_("Reminder: complete step 1 first"), "bold")))
            yield Static(plain(_("Cronofy can only connect a calendar service whose "
                                 "preparation (step 1) is complete. Continue when you have "
                                 "gone through all of step 1.")))
            if self.failures:
                yield Static(plain(_("Still open in step 1:")), classes="section-title")
                lines = [f"{symbol} {title}" + (f": {detail}" if detail else "")
                         for symbol, title, detail in self.failures[:6]]
                yield Static(plain("\n".join(lines)), classes="error-line")
            with Horizontal(classes="buttons"):
                yield Button(_("Back"), id="reminder-back", compact=True)
                yield Button(_("Continue"), id="reminder-continue", variant="primary",
                             compact=True)

    def on_mount(self) -> None:
        self.query_one("#reminder-continue", Button).focus()

    @on(Button.Pressed, "#reminder-continue")
    def _continue_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(True)

    @on(Button.Pressed, "#reminder-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(False)

    def action_back(self) -> None:
        self.close(False)
