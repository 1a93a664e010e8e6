"""Step 2 done: "The calendar service is connected", and what exactly was connected."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Button, Static

from wizard.core.flow import Step
from wizard.core.i18n import N_, _
from wizard.core.model import Provider, render
from wizard.ui.screens.base import StepScreen
from wizard.ui.screens.connect import region_label
from wizard.ui.text import plain, styled

# What Cronofy reading the room calendars proves about step 1, from its side.
PROOF = {
    Provider.EXCHANGE.value: N_("Cronofy reads the room calendars: impersonation works from "
                                "Cronofy's side too."),
    Provider.MICROSOFT365.value: N_("Cronofy reads the room calendars: admin consent is in "
                                    "place."),
    Provider.GOOGLE.value: N_("Cronofy lists the rooms: the Cronofy app is installed (step 1's "
                              "confirmation is proven)."),
}


class ConnectedScreen(StepScreen):
    STEP = Step.CONNECTED

    def compose_body(self) -> ComposeResult:
        connection = self.session.profile.connection
        yield Static(plain(_("The calendar service is connected")), classes="big", id="banner")
        if connection is None:
            return
        try:
            provider = Provider(connection.provider).title
        except ValueError:
            provider = connection.provider
        rows = [
            (_("Calendar service"), provider),
            (_("Account"), connection.account),
            (_("Cronofy data centre"), region_label(connection.region)),
            (_("Room calendars"), str(connection.rooms)),
        ]
        # As wide as the longest label in this language, and two spaces more.
        width = max(len(label) for label, _value in rows) + 2
        for label, value in rows:
            yield Static(styled((label.ljust(width), "bold"), value))
        if connection.rooms and (proof := PROOF.get(connection.provider)):
            yield Static(plain(_(proof)), classes="hint", id="proof")
        comparison = self.session.comparison
        if comparison is not None:
            yield from self._comparison(comparison)
        yield Static(plain(_("Next: assign the room calendars to your conference rooms.")),
                     classes="intro")
        yield Static(plain(""), id="connected-error", classes="error-line")

    def _comparison(self, comparison: object) -> ComposeResult:
        missing_cronofy = list(getattr(comparison, "missing_in_cronofy", []))
        missing_step1 = list(getattr(comparison, "missing_in_step1", []))
        if not missing_cronofy and not missing_step1:
            yield Static(plain(_("Cronofy sees exactly the rooms found in step 1.")),
                         classes="hint")
            return
        if missing_cronofy:
            yield Static(plain(_("Found in step 1 but not visible to Cronofy ({count}): "
                                 "{rooms}").format(count=len(missing_cronofy),
                                                   rooms=", ".join(missing_cronofy[:5]))),
                         classes="notice")
        if missing_step1:
            yield Static(plain(_("Visible to Cronofy but not found in step 1 ({count}): "
                                 "{rooms}").format(count=len(missing_step1),
                                                   rooms=", ".join(missing_step1[:5]))),
                         classes="notice")
        for hint in getattr(comparison, "hints", [])[:3]:
            yield Static(plain(render(hint)), classes="hint")

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Disconnect"), id="disconnect", compact=True)
        yield Button(_("Assign rooms"), id="next", variant="primary", compact=True)

    def after_mount(self) -> None:
        if self.session.profile.connection is not None and not self.session.resources:
            self.reload_worker()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload_worker(self) -> None:
        """After a restart the rooms are read back from Cronofy with the stored tokens."""
        from wizard.ui.linking import failure_text, reload

        if error := failure_text(reload, self.wizard):
            self.app.call_from_thread(self._show_error, error)

    def _show_error(self, text: str) -> None:
        self.query_one("#connected-error", Static).update(plain(text))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "disconnect":
            event.stop()
            self.disconnect_worker()
            return

    @work(thread=True, exclusive=True, exit_on_error=False)
    def disconnect_worker(self) -> None:
        from wizard.ui.linking import disconnect, failure_text

        if error := failure_text(disconnect, self.wizard):
            self.app.call_from_thread(self._show_error, error)
            return
        self.app.call_from_thread(self.notify, _("Disconnected: the Cronofy link was revoked "
                                                 "and its tokens removed."))
        self.app.call_from_thread(self.wizard.goto, Step.CONNECT, origin=self)

    def action_next(self) -> None:
        self.wizard.goto(Step.ASSIGN)

    def action_back(self) -> None:
        self.wizard.goto(Step.CONNECT)
