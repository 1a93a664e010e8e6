"""The enrollment token for the roomcal relay, asked for when step 2 needs it and neither
the environment (ROOMCAL_RELAY_TOKEN) nor the keyring holds one.

A password field: what is typed never shows, and the dialog is gone once it is kept.
Dismissed with the token, or None when cancelled.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from wizard.core.i18n import N_, _
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain, styled
from wizard.ui.widgets.steady_input import SteadyInput


class RelayTokenModal(WizardModal[str]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="relay-token.cancel")]

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((_("Enrollment token for the roomcal relay"), "bold")))
            yield Static(plain(_("Your meeting-room vendor gives you this token (they create "
                                 "it with “roomcal relay enroll ORG”); roomcal keeps it in "
                                 "the keyring.")))
            yield SteadyInput(password=True, id="relay-token", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="token-cancel", compact=True)
                yield Button(_("Keep"), id="token-keep", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#relay-token", Input).focus()

    @on(Button.Pressed, "#token-keep")
    @on(Input.Submitted, "#relay-token")
    def _keep(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        field = self.query_one("#relay-token", Input)
        token = field.value.strip()
        if not token:
            field.focus()
            return
        self.close(token)

    @on(Button.Pressed, "#token-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(None)

    def action_cancel(self) -> None:
        self.close(None)
