"""A dialog that writes files to a full path the person types (export, hand-off).

Keyboard first: the path has the focus (Enter writes), Tab reaches the
dialog's own choices and the buttons, Escape cancels. The files about to be
written are listed as the path is typed; an existing file is replaced only after
a question; the dialog stays open on a problem, with the one sentence that says
what to change. Subclasses compose the box (ids ``{PREFIX}-path``,
``-targets``, ``-error``, ``-write``), say which files a path means and write them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.widgets import Button, Input, Static

from wizard.core import export
from wizard.core.export import ExportError
from wizard.core.i18n import N_, _
from wizard.core.model import Msg
from wizard.ui.dialogs.confirm import ConfirmModal
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain
from wizard.ui.widgets.note import Note


class FileDialog(WizardModal[list[Path] | None]):
    """Dismissed with the paths written, or None when cancelled."""

    PREFIX: ClassVar[str]  # of the widgets' ids
    REPLACE: ClassVar[str] = N_("This would replace:\n{paths}\nOverwrite?")  # msgid

    def __init__(self, default: Path) -> None:
        super().__init__()
        # The dialog's state lives here, not in its widgets: ctrl+l recomposes them.
        self.path_text = str(default)

    def targets(self) -> list[Path]:
        """The files the typed path means; ValueError when it means none."""
        raise NotImplementedError

    def write_files(self, paths: list[Path], *, replace: bool) -> list[Path]:
        """Write ``paths`` (ExportError names what failed); the paths written."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.after_recompose()

    def after_recompose(self) -> None:
        self.show_targets()
        self.query_one(f"#{self.PREFIX}-path", Input).focus()

    def show_targets(self) -> None:
        try:
            paths = self.targets()
        except ValueError:
            paths = []
        self.query_one(f"#{self.PREFIX}-targets", Static).update(plain(targets_text(paths)))

    def _error(self, text: str) -> None:
        self.query_one(f"#{self.PREFIX}-error", Note).show(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == f"{self.PREFIX}-path":
            self.path_text = event.value
            self._error("")
            self.show_targets()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"{self.PREFIX}-path":
            event.stop()
            self.action_write()

    @on(Button.Pressed, "#export-write, #handoff-write")
    def _write_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_write()

    @on(Button.Pressed, "#export-cancel, #handoff-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.close(None)

    # -- writing ----------------------------------------------------------------------------
    def action_write(self) -> None:
        try:
            paths = self.targets()
        except ValueError:
            self._error(_("Type the full path of the file to write."))
            return
        if folder := export.folders(paths):
            self._error(_("{path} is a folder: end the path with a file name.").format(
                path=str(folder[0])))
            return
        if taken := export.existing(paths):
            text = Msg(self.REPLACE, paths="\n".join(f"  {p}" for p in taken))
            self.wizard.navigator.open(ConfirmModal(Msg(N_("Overwrite?")), text,
                                                    Msg(N_("Overwrite"))),
                                       partial(self._overwrite_answered, paths), origin=self)
            return
        self._write(paths, replace=False)

    def _overwrite_answered(self, paths: list[Path], confirmed: bool | None) -> None:
        if confirmed:
            self._write(paths, replace=True)
        else:
            self.query_one(f"#{self.PREFIX}-path", Input).focus()  # another name, or cancel

    def _write(self, paths: list[Path], *, replace: bool) -> None:
        try:
            written = self.write_files(paths, replace=replace)
        except ExportError as exc:
            self._error(error_sentence(exc))
            self.show_targets()
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
