"""The hand-off dialog: where to write step 1's hand-off to IT, and a report beside it.

A FileDialog, like the export dialog; Tab reaches the two toggles (a diagnostic
report for support; anonymized).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Static

from wizard.app import handoff
from wizard.core.i18n import N_, _
from wizard.ui.dialogs.file_dialog import FileDialog
from wizard.ui.text import plain, styled
from wizard.ui.widgets.note import Note
from wizard.ui.widgets.steady_input import SteadyInput
from wizard.ui.widgets.toggle import Toggle


class HandoffModal(FileDialog):
    """Dismissed with the paths written, or None when cancelled."""

    PREFIX = "handoff"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="handoff.cancel"),
    ]

    def __init__(self, default: Path) -> None:
        super().__init__(default)
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
            yield Note(id="handoff-error", classes="error-line", collapse=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="handoff-cancel", compact=True)
                yield Button(_("Write"), id="handoff-write", variant="primary", compact=True)

    def targets(self) -> list[Path]:
        return handoff.targets(self.path_text, report=self.report)

    def write_files(self, paths: list[Path], *, replace: bool) -> list[Path]:
        # The same files: the application layer derives them from the path as typed.
        return self.wizard.setup.write_handoff(
            self.path_text, report=self.report, anonymized=self.anonymized, replace=replace)

    def show_targets(self) -> None:
        self.query_one("#handoff-anonymize", Checkbox).display = self.report
        super().show_targets()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "handoff-report":
            self.report = event.value
        elif event.checkbox.id == "handoff-anonymize":
            self.anonymized = event.value
        self.show_targets()
