"""The export dialog: the full target path and JSON/CSV/both (a FileDialog; Tab reaches
the format list: arrows, Enter)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from wizard.core import export
from wizard.core.export import ExportFormat
from wizard.core.i18n import N_, _
from wizard.core.model import RoomMapping
from wizard.ui.dialogs.file_dialog import FileDialog
from wizard.ui.text import plain, styled
from wizard.ui.widgets.choice_list import ChoiceList
from wizard.ui.widgets.note import Note
from wizard.ui.widgets.steady_input import SteadyInput


class ExportModal(FileDialog):
    """Dismissed with the paths written, or None when cancelled."""

    PREFIX = "export"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="export.cancel"),
    ]

    def __init__(self, mappings: Sequence[RoomMapping], default: Path) -> None:
        super().__init__(default)
        self.mappings = list(mappings)
        self.format = ExportFormat.BOTH

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((_("Export the room assignments"), "bold")))
            yield Static(plain(_("File (full path):")), classes="export-label")
            yield SteadyInput(self.path_text, id="export-path", compact=True)
            yield Static(plain(_("Format:")), classes="export-label")
            yield ChoiceList([(ExportFormat.BOTH, _("JSON and CSV")),
                              (ExportFormat.JSON, "JSON"), (ExportFormat.CSV, "CSV")],
                             self.format, id="export-format")
            yield Static(plain(""), id="export-targets", classes="hint")
            yield Note(id="export-error", classes="error-line", collapse=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="export-cancel", compact=True)
                yield Button(_("Export"), id="export-write", variant="primary", compact=True)

    REPLACE = N_("This export would replace:\n{paths}\nOverwrite with the current "
                 "assignments?")

    def targets(self) -> list[Path]:
        return export.targets(self.path_text, self.format)

    def write_files(self, paths: list[Path], *, replace: bool) -> list[Path]:
        return export.write(self.mappings, paths, replace=replace)

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        if event.choice_list.id != "export-format":
            return
        self.format = ExportFormat(event.value)
        if self.format != ExportFormat.BOTH and self.path_text.strip():
            # One file: the input shows exactly that file, ending included.
            field = self.query_one("#export-path", Input)
            field.value = str(export.targets(self.path_text, self.format)[0])
            field.cursor_position = len(field.value)
        self.show_targets()
