"""Dialogs: closed through the app's navigator, with their own footer and the app's keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from textual.app import ComposeResult
from textual.screen import ModalScreen

from wizard.ui.global_keys import app_keys
from wizard.ui.text import translate_bindings
from wizard.ui.widgets.footer import WizardFooter

if TYPE_CHECKING:
    from wizard.ui.app import WizardApp

ResultType = TypeVar("ResultType")


class WizardModal(ModalScreen[ResultType], Generic[ResultType]):
    """A dialog. Subclasses compose their box in ``compose_dialog``.

    Its footer is its own — the screen below would offer keys that do not apply
    here — and ctrl+l, ctrl+q work while it is open (wizard.ui.global_keys).
    """

    BINDINGS = app_keys(forward=True)

    @property
    def wizard(self) -> WizardApp:
        # Textual types every widget's app as App[object]; this one is a WizardApp.
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        translate_bindings(self)  # again on every re-compose: ctrl+l switched the language
        yield from self.compose_dialog()
        yield WizardFooter()

    def compose_dialog(self) -> ComposeResult:
        yield from ()

    def close(self, result: ResultType | None = None) -> None:
        """Close this modal with ``result``: once, however often it is asked."""
        self.wizard.navigator.close(self, result)
