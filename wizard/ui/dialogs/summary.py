"""Finishing: what was connected, where the mapping was saved, how to run it again."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard import providers
from wizard.core.i18n import N_, _, ngettext
from wizard.core.text import fill
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.screens.connect import region_label
from wizard.ui.text import plain, styled


class SummaryModal(WizardModal[bool]):
    """Closed with True to quit, False (escape, "Back") to stay."""

    BINDINGS = [Binding("escape", "stay", N_("Back"), id="summary.back")]

    def __init__(self, exported: list[Path]) -> None:
        super().__init__()
        self.exported = exported

    def compose_dialog(self) -> ComposeResult:
        session = self.wizard.session
        profile = session.profile
        with VerticalScroll(classes="modal"):
            yield Static(styled((_("The calendar service is connected"), "bold")))
            if (connection := profile.connection) is not None:
                try:
                    service = _(providers.get(connection.provider).title)
                except providers.UnknownProviderError:
                    service = connection.provider
                yield Static(plain(_("{service}: {account}, Cronofy data centre {region}.")
                                   .format(service=service, account=connection.account,
                                           region=region_label(connection.region))))
            mappings = profile.mappings
            authorized = sum(1 for m in mappings if m.authorization == "authorized")
            # The verb agrees with the calendars assigned ("1 von 6 Raumkalendern ist …").
            yield Static(plain(fill(ngettext(
                "{assigned} of {total} room calendars is assigned to a conference room "
                "({authorized} authorized).",
                "{assigned} of {total} room calendars are assigned to conference rooms, "
                "{authorized} of them authorized.", len(mappings)),
                assigned=len(mappings), total=len(session.resources) or len(mappings),
                authorized=authorized)), id="summary-rooms")
            yield Static(plain(_("Saved in the profile {name}: {path}").format(
                name=profile.name, path=str(session.store.path(profile.name)))),
                id="summary-saved")
            if self.exported:
                yield Static(plain(_("Exported to: {paths}").format(
                    paths=", ".join(str(p) for p in self.exported))), id="summary-exported")
            yield Static(plain(_("To change it or check again later: roomcal --profile {name}")
                               .format(name=profile.name)), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(_("Back"), id="summary-back", compact=True)
                yield Button(_("Quit"), id="summary-quit", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#summary-quit", Button).focus()

    @on(Button.Pressed, "#summary-quit")
    def _quit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(True)

    @on(Button.Pressed, "#summary-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.close(False)

    def action_stay(self) -> None:
        self.close(False)
