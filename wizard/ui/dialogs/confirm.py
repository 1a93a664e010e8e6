"""Ask before doing something the user might regret (yes/no)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from wizard.core.i18n import N_, _
from wizard.core.model import Text, render
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain, styled


class ConfirmModal(WizardModal[bool]):
    BINDINGS = [Binding("escape", "no", N_("Cancel"), id="confirm.cancel")]

    def __init__(self, title: Text, text: Text, confirm_label: Text) -> None:
        """Msg objects, not translated strings: ctrl+l re-composes the dialog."""
        super().__init__()
        self.title_text = title
        self.text = text
        self.confirm_label = confirm_label

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((render(self.title_text), "bold")))
            yield Static(plain(self.text))
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="confirm-no", variant="primary", compact=True)
                yield Button(render(self.confirm_label), id="confirm-yes", variant="error",
                             compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(False)

    def action_no(self) -> None:
        self.close(False)
