"""Step 2 done: "The calendar service is connected", and what exactly was connected."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Button, Static

from wizard import providers
from wizard.core.flow import Step
from wizard.core.i18n import _, ngettext
from wizard.core.model import Status, render
from wizard.core.progress import grouped
from wizard.core.text import fill
from wizard.ui.failures import failure_text
from wizard.ui.screens.base import StepScreen
from wizard.ui.screens.connect import region_label
from wizard.ui.text import plain, styled
from wizard.ui.widgets.check_item import SYMBOLS
from wizard.ui.widgets.room_panels import room_panels


class ConnectedScreen(StepScreen):
    STEP = Step.CONNECTED

    def compose_body(self) -> ComposeResult:
        connection = self.session.profile.connection
        yield Static(plain(_("The calendar service is connected")), classes="big", id="banner")
        if connection is None:
            return
        try:
            info = providers.get(connection.provider)
            provider, proof = _(info.title), info.plugin().step2_proof
        except providers.UnknownProviderError:
            provider, proof = connection.provider, ""
        rows = [
            (_("Calendar service"), provider),
            (_("Account"), connection.account),
            (_("Cronofy data centre"), region_label(connection.region)),
            (_("Room calendars"), grouped(connection.rooms)),
        ]
        # As wide as the longest label in this language, and two spaces more.
        width = max(len(label) for label, _value in rows) + 2
        for label, value in rows:
            yield Static(styled((label.ljust(width), "bold"), value))
        yield from self._what_is_proven(connection.provider, connection.rooms, proof)
        yield Static(plain(_("Next: assign the room calendars to your conference rooms.")),
                     classes="intro")
        yield Static(plain(""), id="connected-error", classes="error-line")

    def _what_is_proven(self, service: str, rooms: int, proof: str) -> ComposeResult:
        """What step 2 proved (the link's results) beside what step 1 left open (its results):
        every sentence stands on a result, none concludes beyond it."""
        step1 = self.session.provider
        if service != step1:
            yield Static(plain(fill(_("Step 1 was checked for {checked}, not for this service: "
                                      "nothing of step 1 is confirmed by this link."),
                checked=_(providers.get(step1).title) if step1 else "-")),
                classes="notice", id="not-step1")
            return
        yield from self._step2_proved(service, rooms, proof)
        yield from self._step1_open()
        yield from room_panels(self.session.results)  # what the rooms' panels would show

    def _step2_proved(self, service: str, rooms: int, proof: str) -> ComposeResult:
        comparison = self.session.comparison
        missing_cronofy = list(getattr(comparison, "missing_in_cronofy", []))
        missing_step1 = list(getattr(comparison, "missing_in_step1", []))
        problems = self.session.room_problems()
        if rooms and proof:
            yield Static(plain(fill(_(proof), count=rooms)), classes="hint", id="proof")
        elif not rooms:
            # The service's likely reason, unless the comparison below gives it already.
            hint = "" if missing_cronofy else self.setup.missing_rooms_hint(service)
            yield Static(plain(" ".join(filter(None, (
                _("Cronofy signed in, but lists no room calendars."), _(hint) if hint else ""
            )))), classes="notice", id="proof")
        yield from self._cronofy_proved()
        if missing_cronofy:
            yield Static(plain(fill(_("Found in step 1 but not visible to Cronofy ({count}): "
                                      "{rooms}"), count=len(missing_cronofy),
                                                   rooms=", ".join(missing_cronofy[:5]))),
                         classes="notice", id="missing-in-cronofy")
        if missing_step1:
            yield Static(plain(fill(_("Visible to Cronofy but not found in step 1 ({count}): "
                                      "{rooms}"), count=len(missing_step1),
                                                   rooms=", ".join(missing_step1[:5]))),
                         classes="notice")
        if problems:
            named = [f"{name} ({render(what)})" for name, what in list(problems.values())[:4]]
            yield Static(plain(fill(ngettext(
                "Step 1 found problems with {count} room: {rooms}. Cronofy may not be able to "
                "read it.",
                "Step 1 found problems with {count} rooms: {rooms}. Cronofy may not be able to "
                "read them.", len(problems)),
                count=len(problems), rooms=", ".join(named))),
                classes="notice", id="step1-problems")
        for hint in getattr(comparison, "hints", [])[:3]:
            yield Static(plain(render(hint)), classes="hint")
        # "The same rooms" compares two lists: only when step 1 found rooms to compare.
        if comparison is not None and rooms and self.session.step1_rooms() and not (
                missing_cronofy or missing_step1 or problems):
            yield Static(plain(_("Cronofy sees exactly the rooms found in step 1.")),
                         classes="hint", id="same-rooms")

    def _cronofy_proved(self) -> ComposeResult:
        """What Cronofy proved of the rooms authorized so far (on the assign screen)."""
        done = [m for m in self.session.profile.mappings
                if m.authorization in ("authorized", "failed")]
        passed = sum(m.authorization == "authorized" for m in done)
        if done and passed == len(done):
            yield Static(plain(_(self.setup.proved())), classes="hint", id="cronofy-proved")
        elif done:
            yield Static(plain(fill(_("Cronofy proved {passed} of {total} authorized rooms; "
                                      "the assign screen says why the others failed."),
                                    passed=passed, total=len(done))),
                         classes="notice", id="cronofy-proved")

    def _step1_open(self) -> ComposeResult:
        """Step 1's open items as step 1 left them: a link proves none of them done."""
        lines = [f"{SYMBOLS[result.status] if result else SYMBOLS[Status.PENDING]} {_(title)}: "
                 + (render(result.detail) if result else _("not checked"))
                 for title, result in self.session.failures()]
        if lines:
            yield Static(plain("\n".join([_("Still open in step 1:"), *lines])),
                         classes="notice", id="step1-open")

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Disconnect"), id="disconnect", compact=True)
        yield Button(_("Assign rooms"), id="next", variant="primary", compact=True)

    def after_mount(self) -> None:
        # Not read in this session yet (a restart): none read is also an answer (a link
        # whose Cronofy lists no rooms must not re-read for ever).
        if self.session.profile.connection is not None and self.session.comparison is None:
            self.reload_worker()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload_worker(self) -> None:
        """After a restart the rooms are read back from Cronofy with the stored tokens."""
        if error := failure_text(self.setup.reload):
            self.app.call_from_thread(self._show_error, error)
            return
        # What Cronofy sees now, against step 1: the comparison is known only now.
        self.app.call_from_thread(self.wizard.navigator.recompose, self)

    def _show_error(self, text: str) -> None:
        self.query_one("#connected-error", Static).update(plain(text))

    @on(Button.Pressed, "#disconnect")
    def _disconnect_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        from wizard.ui.dialogs.confirm import ConfirmModal

        connection = self.session.profile.connection
        account = connection.account if connection is not None else "-"
        self.wizard.navigator.open(
            ConfirmModal(_("Disconnect?"),
                         _("The Cronofy link of {account} is revoked and its tokens are "
                           "removed: the meeting-room product stops reading the room "
                           "calendars until the service is linked again.").format(
                             account=account),
                         _("Disconnect")),
            self._disconnect_confirmed, origin=self)

    def _disconnect_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.disconnect_worker()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def disconnect_worker(self) -> None:
        if error := failure_text(self.setup.disconnect):
            self.app.call_from_thread(self._show_error, error)
            return
        self.app.call_from_thread(self.notify, _("Disconnected: the Cronofy link was revoked "
                                                 "and its tokens removed."))
        self.app.call_from_thread(self.wizard.goto, Step.CONNECT, origin=self)

    def action_next(self) -> None:
        self.wizard.goto(Step.ASSIGN)

    def action_back(self) -> None:
        self.wizard.goto(Step.CONNECT)
