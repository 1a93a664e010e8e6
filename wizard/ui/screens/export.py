"""The export dialog: the full target path, JSON/CSV/both, and a question before replacing.

Keyboard first: the path has the focus (Enter exports), Tab reaches the format
list (arrows, Enter) and the buttons, Escape cancels. The dialog stays open on
a problem, with the one sentence that says what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from wizard.core import export
from wizard.core.export import ExportError, ExportFormat
from wizard.core.i18n import N_, _
from wizard.core.model import Msg, RoomMapping
from wizard.ui.screens.confirm import ConfirmModal
from wizard.ui.screens.modal import WizardModal
from wizard.ui.text import plain, styled
from wizard.ui.widgets.choice_list import ChoiceList
from wizard.ui.widgets.steady_input import SteadyInput


class ExportModal(WizardModal[list[Path] | None]):
    """Dismissed with the paths written, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="export.cancel"),
    ]

    def __init__(self, mappings: Sequence[RoomMapping], default: Path) -> None:
        super().__init__()
        self.mappings = list(mappings)
        # The dialog's state lives here, not in its widgets: ctrl+l recomposes them.
        self.path_text = str(default)
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
            yield Static(plain(""), id="export-error", classes="error-line")
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="export-cancel", compact=True)
                yield Button(_("Export"), id="export-write", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.after_recompose()

    def after_recompose(self) -> None:
        self._show_targets()
        self._error("")
        self.query_one("#export-path", Input).focus()

    # -- what will be written ---------------------------------------------------------------
    def _show_targets(self) -> None:
        try:
            paths = export.targets(self.path_text, self.format)
        except ValueError:
            paths = []
        self.query_one("#export-targets", Static).update(plain(targets_text(paths)))

    def _error(self, text: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(plain(text))
        error.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "export-path":
            self.path_text = event.value
            self._error("")
            self._show_targets()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "export-path":
            event.stop()
            self.action_export()

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        if event.choice_list.id != "export-format":
            return
        self.format = ExportFormat(event.value)
        if self.format != ExportFormat.BOTH and self.path_text.strip():
            # One file: the input shows exactly that file, ending included.
            field = self.query_one("#export-path", Input)
            field.value = str(export.targets(self.path_text, self.format)[0])
            field.cursor_position = len(field.value)
        self._show_targets()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-write":
            self.action_export()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.close(None)

    # -- writing ----------------------------------------------------------------------------
    def action_export(self) -> None:
        try:
            paths = export.targets(self.path_text, self.format)
        except ValueError:
            self._error(_("Type the full path of the file to write."))
            return
        if folder := export.folders(paths):
            self._error(_("{path} is a folder: end the path with a file name.").format(
                path=str(folder[0])))
            return
        if taken := export.existing(paths):
            text = Msg(N_("This export would replace:\n{paths}\nOverwrite with the current "
                          "assignments?"), paths="\n".join(f"  {p}" for p in taken))
            self.wizard.navigator.open(ConfirmModal(Msg(N_("Overwrite?")), text,
                                                    Msg(N_("Overwrite"))),
                                       partial(self._overwrite_answered, paths), origin=self)
            return
        self._write(paths, replace=False)

    def _overwrite_answered(self, paths: list[Path], confirmed: bool | None) -> None:
        if confirmed:
            self._write(paths, replace=True)
        else:
            self.query_one("#export-path", Input).focus()  # change the name, or cancel

    def _write(self, paths: list[Path], *, replace: bool) -> None:
        try:
            written = export.write(self.mappings, paths, replace=replace)
        except ExportError as exc:
            self._error(error_sentence(exc))
            self._show_targets()
            return
        self.close(written)


def targets_text(paths: Sequence[Path]) -> str:
    """The files a dialog will write, full paths, each marked when it exists already."""
    taken = set(export.existing(paths))
    return "\n".join([_("Will be written:")] + [
        f"  {path}" + (" " + _("(exists)") if path in taken else "") for path in paths])


def error_sentence(exc: ExportError) -> str:
    if exc.folder:
        return _("Cannot write into the folder {folder} ({reason}).").format(
            folder=str(exc.path), reason=exc.reason)
    sentence = _("Could not write {path} ({reason}).").format(
        path=str(exc.path), reason=exc.reason)
    if exc.written:
        sentence += " " + _("Already written: {paths}").format(
            paths=", ".join(str(p) for p in exc.written))
    return sentence
