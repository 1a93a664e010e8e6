"""Step 2: Connect → reminder → terms → Link → service, region, terms → sign in."""

from __future__ import annotations

import logging
import threading

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Button, Checkbox, Select, Static

from wizard import providers
from wizard.core.endpoints import REGIONS
from wizard.core.errors import describe
from wizard.core.flow import ConnectGate, Step, open_parts
from wizard.core.i18n import N_, _
from wizard.core.model import Connection, Status, Text, render
from wizard.core.text import fill
from wizard.ui.dialogs.relay_token import RelayTokenModal
from wizard.ui.dialogs.reminder import ReminderModal
from wizard.ui.interaction import TuiInteraction
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import plain
from wizard.ui.widgets.check_item import SYMBOLS
from wizard.ui.widgets.note import Note
from wizard.ui.widgets.toggle import Toggle

log = logging.getLogger(__name__)

TERMS = N_("I accept the terms of use and the privacy policy")
REGION_NAMES = {
    "us": N_("United States"),
    "uk": N_("United Kingdom"),
    "de": N_("Germany (EU)"),
    "au": N_("Australia"),
    "ca": N_("Canada"),
    "sg": N_("Singapore"),
}


# Nothing given yet: what a screen shows before it has read its controller's gate.
CLOSED = ConnectGate(reminder_acknowledged=False, terms_connect=False, terms_link=False)


def region_label(code: str) -> str:
    """"Deutschland (EU) – de": the data centre's name and the code its hosts carry."""
    name = REGION_NAMES.get(code)
    return f"{_(name)} – {code}" if name else code


class ConnectScreen(StepScreen):
    """The first half of step 2: Connect, the reminder, terms, Link."""

    STEP = Step.CONNECT
    # The controller's gate as this screen shows it; its widgets follow (watch_gate).
    # always_update: after a re-compose the same gate is shown on the new widgets.
    gate: var[ConnectGate] = var(CLOSED, always_update=True, init=False)

    def _gate(self) -> ConnectGate:
        return self.setup.connect.gate

    def follow_controller(self) -> None:
        """Show what the step's controller holds now (the person's doing, or a run's)."""
        self.gate = self._gate()

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_("Connect the calendar service through Cronofy")),
                     classes="section-title")
        yield Static(plain(_("Cronofy Enterprise Connect links your calendar service to the "
                             "meeting-room product. You sign in once as an administrator (or "
                             "with the service account); Cronofy then reads the room "
                             "calendars.")), classes="intro")
        failures = self._failure_lines()
        if failures:
            # Counted by kind, as step 1's gate counts them: one wrong password is one
            # unmet prerequisite, not the four checks it kept from running.
            parts = open_parts(self.session.results, self.session.open_items())
            yield Static(plain(fill(_("Step 1: {open}."),
                                    open="; ".join(render(part) for part in parts))),
                         classes="notice")
        else:
            yield Static(plain(_("Step 1 is complete.")), classes="hint")
        if (connection := self.session.profile.connection) is not None:
            # Back from "connected": the link stands; signing in again is not needed.
            yield Static(plain(self._already_linked(connection)), id="already-linked",
                         classes="notice")
            yield Button(_("Show the connection"), id="show-connection", variant="primary",
                         compact=True)
        with Vertical(id="connect-actions"):
            yield Button(_("Connect"), id="connect", variant="primary", compact=True)
            yield Toggle(_(TERMS), value=self.session.profile.terms_connect,
                         id="terms-connect", compact=True)
            yield Button(_("Link"), id="link", variant="primary", compact=True)

    def after_compose(self) -> None:
        self.follow_controller()

    def _already_linked(self, connection: Connection) -> str:
        """The link that stands: which service, and whether step 1 was checked for it."""
        try:
            service = _(providers.get(connection.provider).title)
        except providers.UnknownProviderError:
            service = connection.provider
        text = _("Already linked: {service}, {account} (Cronofy data centre {region}).").format(
            service=service, account=connection.account, region=connection.region)
        step1 = self.session.provider
        if step1 is not None and connection.provider != step1:
            text += " " + _("Step 1 was checked for {checked}: it is not confirmed by this "
                            "link.").format(checked=_(providers.get(step1).title))
        return text + " " + _("\"Show the connection\" goes on without a new sign-in; "
                              "\"Link\" links again.")

    def focus_start(self) -> None:
        gate = self._gate()
        if self.query("#show-connection"):
            self.query_one("#show-connection", Button).focus()
        elif gate.can_link:
            self.query_one("#link", Button).focus()
        elif gate.reminder_acknowledged:
            self.query_one("#terms-connect", Checkbox).focus()
        else:
            self.query_one("#connect", Button).focus()

    def _failure_lines(self) -> list[tuple[str, str, str]]:
        """(symbol, title, what) of each open item: a skipped check is not a failed one."""
        return [(SYMBOLS[result.status] if result else SYMBOLS[Status.PENDING], _(title),
                 render(result.detail) if result else _("not checked"))
                for title, result in self.session.failures()]

    def watch_gate(self, gate: ConnectGate) -> None:
        """Connect until the reminder is read; then the terms toggle and Link behind it."""
        for terms in self.query("#terms-connect").results(Checkbox):
            terms.display = gate.reminder_acknowledged
            with terms.prevent(Checkbox.Changed):  # accepted here, or through the controller
                terms.value = gate.terms_connect
        for link in self.query("#link").results(Button):
            link.display = gate.reminder_acknowledged
            link.disabled = not gate.can_link
        for connect in self.query("#connect").results(Button):
            connect.display = not gate.reminder_acknowledged

    @on(Button.Pressed, "#show-connection")
    def _show_connection_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.wizard.goto(Step.CONNECTED)

    @on(Button.Pressed, "#connect")
    def _connect_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.wizard.navigator.open(ReminderModal(self._failure_lines()),
                                   self._reminder_done, origin=self)

    @on(Button.Pressed, "#link")
    def _link_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._gate().can_link:
            self.wizard.navigator.open(LinkScreen(), origin=self)

    def _reminder_done(self, proceed: bool | None) -> None:
        if proceed:
            self.setup.connect.acknowledge_reminder()
            self.follow_controller()
            self.query_one("#terms-connect", Checkbox).focus()
        else:
            self.wizard.goto(Step.PREPARE)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "terms-connect":
            # Focus stays on the toggle: Tab then reaches the button it just enabled (moving
            # focus to the button made Tab skip it, onto "Back").
            self.setup.connect.accept_terms_connect(event.value)
            self.follow_controller()

    def action_back(self) -> None:
        self.wizard.goto(Step.PREPARE)


class LinkScreen(StepScreen):
    """The Enterprise Connect dashboard: service, data centre, terms again, sign in."""

    STEP = Step.CONNECT
    # The controller's gate as this screen shows it, and whether a link runs: "Sign in"
    # follows both (watch_gate, watch_linking).
    gate: var[ConnectGate] = var(CLOSED, always_update=True, init=False)
    linking: var[bool] = var(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._served: list[str] = []  # the relay's data centres, once known

    def after_compose(self) -> None:
        self.follow_controller()

    def after_mount(self) -> None:
        self.regions_worker()

    def follow_controller(self) -> None:
        """Show what the step's controller holds now (the person's doing, or a run's)."""
        self.gate = self.setup.connect.gate

    @work(thread=True, exclusive=True, group="regions", exit_on_error=False)
    def regions_worker(self) -> None:
        """The data centres the relay serves, off the UI thread. Unknown (no relay or token
        yet, unreachable, token refused): the full list stays, and the sign-in's own error
        says why."""
        try:
            served = self.setup.connect.served_regions()
        except Exception as exc:
            log.info("the relay's data centres are unknown (%s)", type(exc).__name__)
            return
        if served:
            self.app.call_from_thread(self._offer_regions, served)

    def _offer_regions(self, served: list[str]) -> None:
        """Only the served data centres: the profile's if among them, else the first."""
        self._served = served  # a re-compose (ctrl+l) shows them too
        chosen = self.setup.connect.record.region
        value = chosen if chosen in served else served[0]
        for select in self.query("#region").results(Select):
            with select.prevent(Select.Changed):
                select.set_options([(region_label(r), r) for r in served])
                select.value = value
        if value != chosen:
            self.setup.connect.choose_region(value)

    def watch_gate(self, gate: ConnectGate) -> None:
        for terms in self.query("#terms-link").results(Checkbox):
            with terms.prevent(Checkbox.Changed):  # accepted here, or through the controller
                terms.value = gate.terms_link
        self._show_sign_in()

    def watch_linking(self, linking: bool) -> None:
        self._show_sign_in()

    def _show_sign_in(self) -> None:
        for button in self.query("#sign-in").results(Button):
            button.disabled = self.linking or not self.gate.terms_link

    def compose_body(self) -> ComposeResult:
        profile = self.session.profile
        service = profile.service or profile.provider
        yield Static(plain(_("Enterprise Connect: choose the calendar service")),
                     classes="section-title")
        with Horizontal(classes="field-row"):
            yield Static(plain(_("Calendar service")), classes="field-label")
            yield Select([(_(p.title), p.name) for p in providers.providers()], value=service,
                         allow_blank=False, id="service", compact=True)
        with Horizontal(classes="field-row"):
            yield Static(plain(_("Cronofy data centre")), classes="field-label")
            yield Select([(region_label(r), r) for r in self._served or REGIONS],
                         value=profile.region or "de", allow_blank=False, id="region",
                         compact=True)
        other = Static(plain(self._other_service_text(service)), id="other-service",
                       classes="notice")
        other.display = service != profile.provider
        yield other
        yield Static(plain(self._sign_in_text(service)), classes="intro", id="sign-in-text")
        with Vertical(id="link-actions"):
            yield Toggle(_(TERMS), value=profile.terms_link, id="terms-link", compact=True)
            yield Button(_("Sign in"), id="sign-in", variant="primary", compact=True,
                         disabled=not profile.terms_link)
        yield Note(id="link-error", classes="error-line")
        yield Note(id="link-remedy")

    def focus_start(self) -> None:
        if self.session.profile.terms_link:
            self.query_one("#sign-in", Button).focus()
        else:
            self.query_one("#terms-link", Checkbox).focus()

    def _other_service_text(self, service: str) -> str:
        """Linking another service than step 1 checked: say so, step 1 counts for nothing."""
        profile = self.session.profile
        if service == profile.provider:
            return ""
        return _("Step 1 was prepared for {provider}, not for {service}: for {service} step 1 "
                 "is not done.").format(provider=_(providers.get(profile.provider).title),
                                        service=_(providers.get(service).title))

    def _sign_in_text(self, service: str) -> str:
        """Who signs in at Cronofy: the chosen service's own sentence."""
        try:
            return _(providers.get(service).plugin().sign_in)
        except providers.UnknownProviderError:
            return ""

    def on_select_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        if event.select.id == "service" and event.value != self.session.profile.service:
            self.setup.connect.choose_service(event.value)
            # Who signs in, and whether step 1 counts, follow the chosen service at once.
            self.query_one("#sign-in-text", Static).update(plain(self._sign_in_text(
                event.value)))
            other = self.query_one("#other-service", Static)
            other.update(plain(self._other_service_text(event.value)))
            other.display = event.value != self.session.profile.provider
        elif event.select.id == "region":
            self.setup.connect.choose_region(event.value)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "terms-link":
            self.setup.connect.accept_terms_link(event.value)  # focus stays: Tab reaches the button
            self.follow_controller()

    @on(Button.Pressed, "#sign-in")
    def _sign_in_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if not self.setup.connect.record.terms_link:
            return
        if self.setup.needs_relay_token():
            # A relay, but no enrollment token in the environment or the keyring: ask.
            self.wizard.navigator.open(RelayTokenModal(), self._token_given, origin=self)
            return
        self.start_link()

    def _token_given(self, token: str | None) -> None:
        if not token:  # cancelled: nothing starts
            self.query_one("#sign-in", Button).focus()
            return
        self.start_link(token)

    def show_error(self, sentence: Text, remedy: Text) -> None:
        self.query_one("#link-error", Note).show(sentence)
        self.query_one("#link-remedy", Note).show(remedy)
        self.linking = False

    def start_link(self, token: str = "") -> None:
        """``token``: the enrollment token just typed, kept (keyring) before the link."""
        self.follow_link(threading.Event())
        self.link_worker(token)

    def follow_link(self, cancel: threading.Event) -> None:
        """A link runs (this screen's, or an unattended run's): Back and a sign-in's Cancel
        end it through ``cancel``."""
        self.linking = True
        self.query_one("#link-error", Note).show("")
        self.query_one("#link-remedy", Note).show("")
        self._cancel = cancel

    @work(thread=True, exclusive=True, group="link", exit_on_error=False)
    def link_worker(self, token: str = "") -> None:
        interaction = TuiInteraction(self.wizard, cancel_callback=self._cancel.set, origin=self)
        try:
            if token:
                self.setup.remember_relay_token(token)
            self.setup.connect.link(interaction, self._cancel)
        except Exception as exc:  # one sentence, never a traceback
            sentence, remedy = describe(exc)
            self.app.call_from_thread(self.show_error, sentence, remedy)
            return
        self.app.call_from_thread(self.wizard.goto, Step.CONNECTED, origin=self)

    def action_back(self) -> None:
        self._cancel.set()
        self.wizard.navigator.close(self)
