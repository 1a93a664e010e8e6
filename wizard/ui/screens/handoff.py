"""The hand-off dialog: where to write step 1's hand-off to IT, and a report beside it.

Like the export dialog: the full path has the focus (Enter writes), Tab reaches
the two toggles (a diagnostic report for support; anonymized) and the buttons,
Escape cancels, an existing file is replaced only after a question, and the
dialog stays open on a problem with the one sentence that says what to change.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Static

from wizard.app import handoff
from wizard.core import export
from wizard.core.export import ExportError
from wizard.core.i18n import N_, _
from wizard.ui.screens.confirm import ConfirmModal
from wizard.ui.screens.export import error_sentence, targets_text
from wizard.ui.screens.modal import WizardModal
from wizard.ui.text import plain, styled
from wizard.ui.widgets.steady_input import SteadyInput
from wizard.ui.widgets.toggle import Toggle


class HandoffModal(WizardModal[list[Path] | None]):
    """Dismissed with the paths written, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="handoff.cancel"),
    ]

    def __init__(self, default: Path) -> None:
        super().__init__()
        # The dialog's state lives here, not in its widgets: ctrl+l recomposes them.
        self.path_text = str(default)
        self.report = False
        self.anonymized = False  # opt-in, as --anonymize

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((_("Hand step 1 to IT"), "bold")))
            yield Static(plain(_("A Markdown file for whoever administers the calendar service: "
                                 "what was found, and one fix for all of it. No password or "
                                 "token is in it.")), classes="hint")
            yield Static(plain(_("File (full path):")), classes="handoff-label")
            yield SteadyInput(self.path_text, id="handoff-path", compact=True)
            yield Toggle(_("Also write a diagnostic report for support beside it"),
                         value=self.report, id="handoff-report", compact=True)
            yield Toggle(_("Anonymize the report (pseudonyms for addresses, hosts and "
                           "rooms)"), value=self.anonymized, id="handoff-anonymize",
                         compact=True)
            yield Static(plain(""), id="handoff-targets", classes="hint")
            yield Static(plain(""), id="handoff-error", classes="error-line")
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="handoff-cancel", compact=True)
                yield Button(_("Write"), id="handoff-write", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.after_recompose()

    def after_recompose(self) -> None:
        self._show_targets()
        self._error("")
        self.query_one("#handoff-path", Input).focus()

    def _targets(self) -> list[Path]:
        return handoff.targets(self.path_text, report=self.report)

    def _show_targets(self) -> None:
        self.query_one("#handoff-anonymize", Checkbox).display = self.report
        try:
            paths = self._targets()
        except ValueError:
            paths = []
        self.query_one("#handoff-targets", Static).update(plain(targets_text(paths)))

    def _error(self, text: str) -> None:
        error = self.query_one("#handoff-error", Static)
        error.update(plain(text))
        error.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "handoff-path":
            self.path_text = event.value
            self._error("")
            self._show_targets()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "handoff-path":
            event.stop()
            self.action_write()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "handoff-report":
            self.report = event.value
        elif event.checkbox.id == "handoff-anonymize":
            self.anonymized = event.value
        self._show_targets()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "handoff-write":
            self.action_write()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.close(None)

    # -- writing ----------------------------------------------------------------------------
    def action_write(self) -> None:
        try:
            paths = self._targets()
        except ValueError:
            self._error(_("Type the full path of the file to write."))
            return
        if folder := export.folders(paths):
            self._error(_("{path} is a folder: end the path with a file name.").format(
                path=str(folder[0])))
            return
        if taken := export.existing(paths):
            text = _("This would replace:\n{paths}\nOverwrite?").format(
                paths="\n".join(f"  {p}" for p in taken))
            self.wizard.navigator.open(ConfirmModal(_("Overwrite?"), text, _("Overwrite")),
                                       self._overwrite_answered, origin=self)
            return
        self._write(replace=False)

    def _overwrite_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self._write(replace=True)
        else:
            self.query_one("#handoff-path", Input).focus()  # another name, or cancel

    def _write(self, *, replace: bool) -> None:
        try:
            written = self.wizard.setup.write_handoff(
                self.path_text, report=self.report, anonymized=self.anonymized,
                replace=replace)
        except ExportError as exc:
            self._error(error_sentence(exc))
            self._show_targets()
            return
        self.close(written)
