"""Step 2: the reminder, the terms (before Connect's Link and before signing in), the
service and data centre, and the link itself — the same gates for the TUI and the CLI."""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from wizard.core.flow import ConnectGate, Step
from wizard.core.i18n import N_
from wizard.core.model import Msg
from wizard.core.session import ConnectRecord

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.app.setup import Setup
    from wizard.connect.link import LinkOutcome
    from wizard.core.interaction import Interaction

TERMS_NOT_ACCEPTED = N_("The terms of use and the privacy policy are not accepted.")


class GateClosedError(Exception):
    """A step's gate is closed: ``sentence`` says which."""

    def __init__(self, sentence: Msg) -> None:
        super().__init__(sentence.msgid)
        self.sentence = sentence


class ConnectStep:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup

    @property
    def record(self) -> ConnectRecord:
        return self._setup.session.connect_record

    def _keep(self, record: ConnectRecord) -> None:
        self._setup.session.keep_connect(record)

    @property
    def gate(self) -> ConnectGate:
        return _gate(self.record)

    @property
    def service(self) -> str:
        """The service to link: the one chosen here, else step 1's."""
        return self.record.service or self._setup.session.profile.provider

    def acknowledge_reminder(self) -> None:
        """"Complete step 1 first": read, and gone on from."""
        self._keep(dataclasses.replace(self.record, reminder_acknowledged=True))

    def accept_terms_connect(self, accepted: bool) -> None:
        self._keep(dataclasses.replace(self.record, terms_connect=accepted))

    def accept_terms_link(self, accepted: bool) -> None:
        self._keep(dataclasses.replace(self.record, terms_link=accepted))

    def accept_all(self, accepted: bool = True) -> None:
        """The reminder and both terms at once (or none)."""
        self._keep(dataclasses.replace(self.record, reminder_acknowledged=accepted,
                                       terms_connect=accepted, terms_link=accepted))

    def link_at_once(self, interaction: Interaction, cancel: threading.Event, *,
                     service: str, region: str | None, accept_terms: bool) -> LinkOutcome:
        """Step 2 in one go, as ``roomcal connect`` runs it: the service, the data centre
        and this run's acceptances (``--accept-terms``: the reminder and both terms).
        No ``region``: the profile's, else the relay's only one.

        Refused (``GateClosedError``) before anything is kept: a refused run leaves the
        profile as it was — what a wizard ticked or chose stays ticked and chosen.
        """
        record = dataclasses.replace(self.record, service=service,
                                     region=region or self.record.region,
                                     reminder_acknowledged=accept_terms,
                                     terms_connect=accept_terms, terms_link=accept_terms)
        if not _gate(record).can_sign_in:
            raise GateClosedError(Msg(TERMS_NOT_ACCEPTED))
        if region:  # asked for by name: one the relay serves, before anything starts
            from wizard.connect.link import not_served

            served = self._setup.served_regions()
            if region not in served:
                raise not_served(region, served)
        self._keep(record)
        return self.link(interaction, cancel)

    def served_regions(self) -> list[str]:
        """The data centres the relay serves (blocking: a worker thread), REGIONS' order."""
        return self._setup.served_regions()

    def choose_service(self, name: str) -> None:
        self._keep(dataclasses.replace(self.record, service=name))

    def choose_region(self, code: str) -> None:
        self._keep(dataclasses.replace(self.record, region=code))

    def link(self, interaction: Interaction, cancel: threading.Event) -> LinkOutcome:
        """Link Cronofy through the relay (blocking: a worker thread); refused with
        ``GateClosedError`` while the reminder or a terms toggle is not given."""
        if not self.gate.can_sign_in:
            raise GateClosedError(Msg(TERMS_NOT_ACCEPTED))
        return self._setup.link(interaction, cancel, region=self.record.region)

    def done(self) -> Step | None:
        """Linked: the connected screen is next."""
        return Step.CONNECTED if self._setup.session.profile.connection is not None else None

    def run_answers(self, answers: Answers) -> None:
        """The file's service and data centre; unattended, the acceptances are this run's
        (given on the way, with ``accept_terms``)."""
        record = self.record
        if answers.region:
            record = dataclasses.replace(record, region=answers.region)
        if answers.service:
            record = dataclasses.replace(
                record, service="" if answers.service == answers.provider else answers.service)
        if answers.unattended:
            record = dataclasses.replace(record, reminder_acknowledged=False,
                                         terms_connect=False, terms_link=False)
        self._keep(record)


def _gate(record: ConnectRecord) -> ConnectGate:
    return ConnectGate(record.reminder_acknowledged, record.terms_connect, record.terms_link)
