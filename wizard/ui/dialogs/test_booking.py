"""Before a test booking is sent: what it does, from whom, to which room (issue 22).

Nothing is sent until "Send test booking" is pressed; Cancel and Esc send nothing.
Dismissed with the room's address ("" : a sample of the rooms), or None.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Select, Static

from wizard.core import room_display
from wizard.core.i18n import N_, _
from wizard.core.text import fill, one_line
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.text import plain, styled

SAMPLE = ""  # the Select's value for "a sample of the rooms"


class BookingTestModal(WizardModal[str]):
    DEFAULT_CSS = """
    BookingTestModal .booking-room {
        height: auto;
        margin-top: 1;
    }
    BookingTestModal .booking-room Static {
        width: auto;
        padding: 0 1 0 0;
    }
    BookingTestModal .booking-room Select {
        width: 1fr;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="test_booking.cancel")]

    def __init__(self, sender: str, rooms: list[tuple[str, str]], room: str = SAMPLE) -> None:
        """``sender``: who sends it, translated; ``rooms``: (name, address) to choose from."""
        super().__init__()
        self.sender = sender
        self.rooms = rooms
        self.room = room  # the choice so far: kept when ctrl+l re-composes the dialog

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal", id="test-booking-dialog"):
            yield Static(styled((_("Send a test booking?"), "bold")))
            yield Static(plain(fill(_(
                "roomcal sends one private meeting from {sender} to the room chosen below: "
                "subject “{subject}”, a join link in its body, in two days for 15 minutes."),
                sender=self.sender, subject=room_display.MARKER.format(token="…"))),
                id="test-booking-what")
            yield Static(plain(_(
                "It waits up to a minute for the room's answer, reads the room's copy and "
                "compares it with what was sent, then cancels the meeting so nothing stays "
                "behind — also if you cancel or quit while it waits.")),
                id="test-booking-after")
            with Horizontal(classes="booking-room"):
                yield Static(plain(_("Room:")))
                yield Select(self._choices(), value=self.room, allow_blank=False,
                             id="test-booking-room", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="test-booking-no", compact=True)
                yield Button(_("Send test booking"), id="test-booking-yes", variant="primary",
                             compact=True)

    def _choices(self) -> list[tuple[str, str]]:
        sample = [name for name, _email in self.rooms[:room_display.SAMPLE]]
        first = fill(_("A sample: {rooms}"), rooms=", ".join(sample)) if sample else \
            _("A sample of the rooms")
        # A room's name is the server's: one line, or it could forge a line of the list.
        return [(one_line(first), SAMPLE), *((one_line(f"{name} — {email}"), email)
                                            for name, email in self.rooms)]

    def on_mount(self) -> None:
        self.query_one("#test-booking-room", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.room = event.value

    @on(Button.Pressed, "#test-booking-yes")
    def _send(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(self.room)

    @on(Button.Pressed, "#test-booking-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(None)

    def action_cancel(self) -> None:
        self.close(None)
