"""Welcome: language, profile (resume or start over), calendar service."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import var
from textual.widgets import Button, Static

from wizard import providers
from wizard.core import i18n
from wizard.core.flow import Step
from wizard.core.i18n import N_, _
from wizard.core.model import Msg
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import LANGUAGE_NAMES, plain, styled
from wizard.ui.widgets.choice_list import ChoiceList


class WelcomeScreen(StepScreen):
    STEP = Step.WELCOME
    # The controller's gate (a provider is chosen) as this screen shows it: Next follows.
    can_go_on: var[bool] = var(False, init=False)

    def compose_body(self) -> ComposeResult:
        session = self.session
        yield Static(
            plain(_("roomcal connects your organisation's room calendars to the meeting-room "
                    "product through Cronofy Enterprise Connect, in two steps: prepare the "
                    "calendar service, then connect it. Every prerequisite is checked live.")),
            classes="intro",
        )
        if self.wizard.demo:
            yield Static(
                styled((_("Demo mode") + ": ", "bold"),
                       self.setup.describe_demo(i18n.current_language())
                       + " " + _("No real accounts are used.")),
                classes="notice",
            )
        yield Static(plain(_("Language")), classes="section-title")
        yield ChoiceList([(code, LANGUAGE_NAMES[code]) for code in i18n.SUPPORTED],
                         i18n.current_language(), id="language")
        yield Static(plain(_("Profile")), classes="section-title")
        with Horizontal(classes="field-row"):
            yield Static(self._profile_line(), id="profile-line")
            yield Button(_("Start over"), id="reset", compact=True)
        yield Static(plain(_("Calendar service")), classes="section-title")
        yield ChoiceList([(p.name, _(p.title)) for p in providers.providers()],
                         session.provider, id="provider")

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Next"), id="next", variant="primary", compact=True,
                     disabled=not self.setup.welcome.can_go_on)

    def after_compose(self) -> None:
        self.can_go_on = self.setup.welcome.can_go_on

    def watch_can_go_on(self, can_go_on: bool) -> None:
        for button in self.query("#next").results(Button):
            button.disabled = not can_go_on
        self.refresh_bindings()

    def _profile_line(self) -> Content:
        profile = self.session.profile
        if profile.provider:
            step = Step(self.session.step)
            return styled((profile.name, "bold"), " — " + _("resumes at: {step}").format(
                step=step.heading))
        return styled((profile.name, "bold"), " — " + _("new profile"))

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        if event.choice_list.id == "provider":
            self.setup.welcome.choose(event.value)
            self.can_go_on = self.setup.welcome.can_go_on
        elif event.choice_list.id == "language" and event.value != i18n.current_language():
            self.wizard.action_switch_language()

    @on(Button.Pressed, "#reset")
    def _reset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        from wizard.ui.dialogs.confirm import ConfirmModal

        self.wizard.navigator.open(
            ConfirmModal(
                Msg(N_("Start over?")),
                Msg(N_("Everything entered in profile {name} is cleared (a dated copy is "
                       "kept next to it)."), name=self.session.profile.name),
                Msg(N_("Start over")),
            ),
            self._reset_confirmed,
        )

    def _reset_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        try:
            backup = self.setup.start_over()
        except OSError as exc:
            self.notify(_("Nothing was cleared: no copy of the profile could be kept in "
                          "{directory} ({reason}).").format(
                directory=str(self.session.store.directory),
                reason=exc.strerror or type(exc).__name__), severity="error", markup=False)
            return
        self.wizard.navigator.recompose(self)
        if backup is not None:
            self.notify(_("Started over; the previous profile was kept as {path}").format(
                path=str(backup)), markup=False)
        else:
            self.notify(_("Started over."), markup=False)

    def action_next(self) -> None:
        if (step := self.setup.welcome.done()) is not None:
            self.wizard.goto(step)

    def focus_start(self) -> None:
        choices = self.query("#provider")
        if self.session.provider is None and choices:
            choices.first().focus()
        else:
            super().focus_start()

    def action_back(self) -> None:
        pass
