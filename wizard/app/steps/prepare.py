"""Step 1: the form, the checks' confirmations and its gate ("continue anyway")."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from wizard.core.flow import Gate, Step
from wizard.core.session import PrepareRecord

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.app.setup import Setup


class PrepareStep:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup

    @property
    def record(self) -> PrepareRecord:
        return self._setup.session.prepare_record

    def set_value(self, key: str, value: str) -> None:
        """A typed value of a (non-secret) field, kept in the profile."""
        self._setup.session.set_value(key, value)

    def confirm(self, check_id: str, confirmed: bool) -> None:
        """A check confirmed (or not) by hand: Google's Marketplace install."""
        self._setup.session.set_confirmation(check_id, confirmed)

    def continue_anyway(self, value: bool) -> None:
        self._setup.session.keep_prepare(dataclasses.replace(self.record,
                                                             continue_anyway=value))

    def gate(self) -> Gate:
        return self._setup.session.gate()

    def done(self) -> Step | None:
        """The step to show next; None while the gate is closed (``gate().reason``: why)."""
        return Step.CONNECT if self.gate().open else None

    def run_answers(self, answers: Answers) -> None:
        """Fill the form as if the person had typed the file's values; step 1 starts over.

        The results of earlier runs are forgotten (the values may differ), and in the demo
        so is everything typed before, so the demo's own values fill what the file leaves
        out. Unattended, the confirmations and "continue anyway" are this run's to give.
        """
        setup = self._setup
        if setup.demo is not None:
            setup.forget_form()
        else:
            setup.forget_results()
        current = setup.values()
        for key, value in answers.form.items():
            if current.get(key) != value:  # the demo's own value typed again is not "typed"
                self.set_value(key, value)
        for key, value in answers.secrets.items():
            setup.commit_secret(key, value)
        if answers.unattended:
            setup.session.keep_prepare(PrepareRecord(continue_anyway=False, confirmations=()))
        setup.session.set_step(Step.PREPARE)  # a file with answers starts at step 1
