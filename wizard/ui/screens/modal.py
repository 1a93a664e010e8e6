"""Modals close through the app's navigator, never by dismissing themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from textual.screen import ModalScreen

if TYPE_CHECKING:
    from wizard.ui.app import WizardApp

ResultType = TypeVar("ResultType")


class WizardModal(ModalScreen[ResultType], Generic[ResultType]):
    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def close(self, result: ResultType | None = None) -> None:
        """Close this modal with ``result``: once, however often it is asked."""
        self.wizard.navigator.close(self, result)
