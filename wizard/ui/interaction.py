"""The TUI side of a sign-in: a modal with the URL, the ssh hint and a paste field."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wizard.core.interaction import SignInRequest
from wizard.core.model import Text

if TYPE_CHECKING:
    from textual.screen import Screen

    from wizard.ui.app import WizardApp
    from wizard.ui.dialogs.signin import SignInModal


class TuiInteraction:
    """Called from worker threads; the modal opens and closes through the app's navigator.

    ``origin`` is the screen whose work signs in: if the person has left it, no
    modal opens for a sign-in nobody waits for.
    """

    def __init__(self, app: WizardApp, cancel_callback: Callable[[], None] | None = None,
                 origin: Screen[Any] | None = None) -> None:
        self.app = app
        self.pasted: queue.Queue[str] = queue.Queue()
        self.on_cancel = cancel_callback
        self.origin = origin
        self._modal: SignInModal | None = None

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        from wizard.ui.dialogs.signin import SignInModal

        self.pasted = queue.Queue()
        self._modal = SignInModal(request, self.pasted, on_cancel=self.on_cancel)
        self.app.call_from_thread(self.app.navigator.open, self._modal, origin=self.origin)
        return self.pasted

    def end_sign_in(self) -> None:
        modal, self._modal = self._modal, None
        if modal is not None:  # exactly this sign-in's modal, whatever is on top now
            self.app.call_from_thread(self.app.navigator.close, modal)

    def notify(self, text: Text) -> None:
        self.app.call_from_thread(self._note, str(text))

    def _note(self, text: str) -> None:
        modal = self._modal
        if modal is not None and modal is self.app.screen:
            modal.show_note(text)
        else:
            self.app.notify(text, markup=False)
