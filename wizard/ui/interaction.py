"""The TUI side of a sign-in: a modal with the URL, the ssh hint and a paste field."""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING

from wizard.core.interaction import SignInRequest
from wizard.core.model import Text

if TYPE_CHECKING:
    from wizard.ui.app import WizardApp


class TuiInteraction:
    """Called from worker threads; everything UI happens on the app's thread."""

    def __init__(self, app: WizardApp, cancel_callback: object = None) -> None:
        self.app = app
        self.pasted: queue.Queue[str] = queue.Queue()
        self.on_cancel = cancel_callback

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        from wizard.ui.screens.signin import SignInModal

        self.pasted = queue.Queue()
        modal = SignInModal(request, self.pasted, on_cancel=self.on_cancel)
        self.app.call_from_thread(self.app.push_screen, modal)
        return self.pasted

    def end_sign_in(self) -> None:
        self.app.call_from_thread(self._close)

    def _close(self) -> None:
        from wizard.ui.screens.signin import SignInModal

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, SignInModal):
                screen.dismiss()
                break

    def notify(self, text: Text) -> None:
        self.app.call_from_thread(self._note, str(text))

    def _note(self, text: str) -> None:
        from wizard.ui.screens.signin import SignInModal

        if isinstance(self.app.screen, SignInModal):
            self.app.screen.show_note(text)
        else:
            self.app.notify(text, markup=False)
