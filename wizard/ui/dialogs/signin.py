"""Sign in somewhere else: the URL in full (copyable), ssh -L, paste-back, device code."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from wizard.core import redact
from wizard.core.i18n import N_, _
from wizard.core.interaction import SignInRequest, ssh_hint
from wizard.core.model import Msg, Text, render
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain, styled
from wizard.ui.widgets.note import Note
from wizard.ui.widgets.qr_code import QrCode
from wizard.ui.widgets.steady_input import SteadyInput

# Lines of the dialog around its QR code: title, message, link, label, buttons, borders.
QR_SURROUND = 16


class SignInModal(WizardModal[None]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="signin.cancel"),
        Binding("ctrl+y", "copy_url", N_("Copy link"), id="signin.copy"),
    ]

    def __init__(
        self,
        request: SignInRequest,
        pasted: queue.Queue[str],
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.request = request
        self.pasted = pasted
        self.on_cancel = on_cancel

    @property
    def demo(self) -> bool:
        return getattr(self.app, "demo", False)

    def compose_dialog(self) -> ComposeResult:
        request = self.request
        # Title and buttons stay in view; the body scrolls (Google's link alone is nine
        # lines at 80 columns, and the focused button used to scroll the title away).
        # The code where it helps: a terminal tall enough to show all of it (a dialog
        # taller than its usual 23 lines); else the link alone, as text.
        qr = QrCode(request.url, id="qr") if request.qr else None
        fits = qr is not None and qr.rows and \
            len(qr.rows) + QR_SURROUND <= self.app.size.height
        self._qr = qr if fits else None
        with Vertical(classes="modal with-qr" if fits else "modal"):
            # Who is signed in to says the request (its maker: a provider, the link).
            yield Static(styled((_("Sign in: {service}").format(
                service=render(request.title) or request.service), "bold")),
                id="sign-in-title")
            with VerticalScroll(classes="modal-body"):
                yield from self._compose_body()
            yield Note(id="note", classes="error-line", collapse=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="cancel", compact=True)
                yield Button(_("Copy link"), id="copy", compact=True)
                if self.demo:
                    yield Button(_("Sign in with the sandbox (demo)"), id="sandbox",
                                 variant="primary", compact=True)

    def _compose_body(self) -> ComposeResult:
        request = self.request
        if message := render(request.message):
            yield Static(plain(message))
        if request.user_code:
            yield Static(plain(_("Open this page in any browser and enter the code:")))
            yield Static(plain(request.url), classes="url")
            yield Static(styled((request.user_code, "bold reverse")), classes="code")
        else:
            yield Static(plain(_("Open this link in a browser (ctrl+y copies it):")))
            yield Static(plain(request.url), classes="url", id="url")
            if self._qr is not None:
                yield Static(plain(_("Or scan it with a phone:")), id="qr-label")
                yield self._qr
        if request.port:
            yield Static(plain(_("Browser on another machine? Forward the port first:")))
            yield Static(plain(ssh_hint(request.port)), classes="url")
        if request.accepts_paste:
            yield Static(plain(_("Or paste the browser's final address (http://127.0.0.1…) "
                                 "here and press Enter:")))
            yield SteadyInput(placeholder="http://127.0.0.1:…", id="paste", password=False,
                              compact=True)

    def on_mount(self) -> None:
        if self.demo:
            self.query_one("#sandbox", Button).focus()
        elif self.request.accepts_paste:
            self.query_one("#paste", Input).focus()

    def show_note(self, text: Text) -> None:
        self.query_one("#note", Note).show(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            redact.register(value)
            self.pasted.put(value)
            event.input.value = ""
            self.show_note(Msg(N_("Checking the pasted address…")))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_copy_url()

    @on(Button.Pressed, "#sandbox")
    def _sandbox_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        event.button.disabled = True
        self.show_note(Msg(N_("The sandbox signs the demo administrator in…")))
        self._sandbox_browser()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _sandbox_browser(self) -> None:
        demo = self.wizard.setup.demo
        assert demo is not None  # the button exists in the demo only
        try:
            demo.approve(self.request)
        except Exception as exc:
            self.app.call_from_thread(
                self.show_note,
                Msg(N_("The sandbox could not complete the sign-in ({kind})."),
                    kind=type(exc).__name__),
            )

    def action_copy_url(self) -> None:
        self.app.copy_to_clipboard(self.request.url)
        self.notify(_("Copied to the clipboard (if your terminal allows it)."))

    def action_cancel(self) -> None:
        if self.on_cancel is not None:
            self.on_cancel()
        self.close()


def cancel_event_callback(event: threading.Event) -> Callable[[], None]:
    return event.set
