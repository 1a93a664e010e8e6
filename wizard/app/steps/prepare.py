"""Step 1: the form, the checks' confirmations and its gate ("continue anyway")."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from wizard.core import room_display
from wizard.core.flow import Gate, Step
from wizard.core.i18n import _
from wizard.core.interaction import Interaction
from wizard.core.model import CheckResult, ProviderPlugin, Status
from wizard.core.session import PrepareRecord

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.app.setup import Setup

# How long quitting waits for a test booking's cancellation (a request or two).
BOOKING_WIND_DOWN = 20.0


class PrepareStep:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup
        self._booking: threading.Event | None = None  # a test booking's cancel, while it runs

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

    # -- the opt-in test booking (wizard.core.room_display) ------------------------------
    def offers_test_booking(self) -> bool:
        """The provider can send one (its plugin names who sends it)."""
        plugin = self._setup.plugin()
        return bool(plugin.test_booking_sender) and any(
            s.id == room_display.TEST_BOOKING for s in plugin.checks)

    def booking_sender(self) -> str:
        """Who sends the test booking, in the current language ("the service account …")."""
        values = self._setup.values()
        try:
            return _(self._setup.plugin().test_booking_sender).format_map(values)
        except (KeyError, IndexError, ValueError):  # a field not filled in yet
            return _(self._setup.plugin().test_booking_sender)

    def booking_rooms(self) -> list[tuple[str, str]]:
        """The rooms (name, address) step 1 last found: a test booking's choice."""
        plugin = self._setup.plugin()
        result = self._setup.session.results.get(plugin.rooms_check)
        return [(i.name or i.key, i.key or i.name) for i in (result.items if result else ())
                if i.status != Status.FAIL and (i.key or i.name)]

    def booking_targets(self, room: str = "") -> list[tuple[str, str]]:
        """The rooms a test booking to ``room`` ("": a sample) goes to, as far as known."""
        return room_display.booking_rooms(frozenset({room_display.request(room)}),
                                          self.booking_rooms()) or []

    async def test_booking(self, interaction: Interaction, room: str,
                           cancel: threading.Event) -> AsyncIterator[CheckResult]:
        """Send the test booking to ``room`` (an address; "": a sample of the rooms) and
        stream its results; ``cancel`` set: the meeting is cancelled and the run ends.

        Only this check runs, with the reading of the room list it books from (and what
        that needs: the sign-in); every other result stays as it is. The request is this
        run's, never kept: the next re-check does not book again.
        """
        plugin = self._setup.plugin()
        only = {room_display.TEST_BOOKING, *_with_needs(plugin, plugin.rooms_check)}
        confirmations = frozenset(self.record.confirmations) | {room_display.request(room)}
        self._booking = cancel
        try:
            async for result in self._setup.run_checks(interaction, only=only, cancel=cancel,
                                                       confirmations=confirmations):
                yield result
        finally:
            if self._booking is cancel:
                self._booking = None

    def cancel_test_booking(self, wait: float = BOOKING_WIND_DOWN) -> bool:
        """Cancel a running test booking and wait (at most ``wait`` s) until its meeting is
        cancelled — before the process ends, or it would stay in the rooms' calendars.
        True: nothing is left to cancel."""
        if self._booking is not None:
            self._booking.set()
        return room_display.IN_FLIGHT.wait(wait)


def _with_needs(plugin: ProviderPlugin, check_id: str) -> set[str]:
    """``check_id`` and every check it needs, transitively."""
    wanted, todo = set(), [check_id]
    while todo:
        current = todo.pop()
        if current not in wanted:
            wanted.add(current)
            todo.extend(plugin.spec(current).needs)
    return wanted
