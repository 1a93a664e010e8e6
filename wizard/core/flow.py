"""The step graph: which screen comes next, what gates it, where to resume."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from wizard.core.i18n import N_, _
from wizard.core.model import CheckResult, CheckSpec, Msg, Plural, ProviderPlugin, Status


class Step(StrEnum):
    WELCOME = "welcome"
    PREPARE = "prepare"
    CONNECT = "connect"
    CONNECTED = "connected"
    ASSIGN = "assign"

    @property
    def heading(self) -> str:  # not `title`: a Step is a str, and str.title() is a method
        return _(STEP_TITLES[self])

    @property
    def number(self) -> int:
        return ORDER.index(self) + 1


ORDER = (Step.WELCOME, Step.PREPARE, Step.CONNECT, Step.CONNECTED, Step.ASSIGN)

STEP_TITLES = {
    Step.WELCOME: N_("Welcome"),
    Step.PREPARE: N_("Step 1: Prepare"),
    Step.CONNECT: N_("Step 2: Connect"),
    Step.CONNECTED: N_("Connected"),
    Step.ASSIGN: N_("Assign rooms"),
}


def next_step(step: Step) -> Step | None:
    index = ORDER.index(step)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_step(step: Step) -> Step | None:
    index = ORDER.index(step)
    return ORDER[index - 1] if index > 0 else None


@dataclass(frozen=True)
class Gate:
    open: bool
    reason: Msg | None = None
    failures: tuple[str, ...] = ()  # check ids that failed or were skipped
    needs_override: bool = False  # "continue anyway" would open it


def open_items(
    plugin: ProviderPlugin,
    results: Mapping[str, CheckResult],
    confirmations: frozenset[str] | set[str] = frozenset(),
) -> tuple[str, ...]:
    """The one rule for "step 1 is done": ids of the required checks that are not.

    A required check is open when it has no result, is still running, failed, was
    skipped, or asks for a confirmation that was not given (a Marketplace install
    nobody confirmed is not verified) and has not passed without it (a check that
    asks only in some cases, or that step 2 proved); an optional one (``required=False``,
    an opt-in probe) only when it ran and failed. Warnings do not hold anything up. The
    CLI's exit code, ``--json``'s "ok", reports and the TUI's gate all ask this.
    """
    return tuple(s.id for s in plugin.checks
                 if _open(s, results.get(s.id), s.id in confirmations))


def _open(spec: CheckSpec, result: CheckResult | None, confirmed: bool) -> bool:
    if not spec.required:  # an opt-in probe may stay unrun; a failure is a failure
        return result is not None and result.status == Status.FAIL
    return (result is None
            or result.status in (Status.FAIL, Status.SKIP, Status.PENDING, Status.CHECKING)
            or (spec.confirmation is not None and not confirmed
                and result.status != Status.PASS))


def affected_checks(plugin: ProviderPlugin, changed: set[str]) -> set[str]:
    """The checks that read any of the ``changed`` fields, and everything downstream."""
    affected = {s.id for s in plugin.checks if set(s.inputs) & changed}
    grown = True
    while grown:
        grown = False
        for spec in plugin.checks:
            if spec.id not in affected and set(spec.needs) & affected:
                affected.add(spec.id)
                grown = True
    return affected


def prepare_gate(
    plugin: ProviderPlugin,
    results: Mapping[str, CheckResult],
    *,
    continue_anyway: bool,
    confirmations: frozenset[str] | set[str],
) -> Gate:
    """May the user leave step 1? Failures only with an explicit "continue anyway"."""
    running = [s.id for s in plugin.checks if results.get(s.id, None) is not None
               and results[s.id].status in (Status.CHECKING, Status.PENDING)]
    if running:
        return Gate(False, Msg(N_("Wait until the checks have finished.")))
    failures = open_items(plugin, results, confirmations)
    if not failures:
        return Gate(True)
    if continue_anyway:
        return Gate(True, failures=failures)
    return Gate(
        False,
        Msg(N_("{open}. Fix what is open and re-check, or tick \"Continue anyway\"."),
            open="; ".join(str(part) for part in open_parts(results, failures))),
        failures=failures,
        needs_override=True,
    )


def open_parts(results: Mapping[str, CheckResult], open_ids: Sequence[str]) -> list[Msg]:
    """What is open, counted by what it is: only a failed check is an unmet prerequisite
    (one wrong password is one, not the four checks it kept from running)."""
    failed = skipped = unchecked = unconfirmed = 0
    for check_id in open_ids:
        result = results.get(check_id)
        if result is None:
            unchecked += 1
        elif result.status == Status.FAIL:
            failed += 1
        elif result.status == Status.SKIP:
            skipped += 1
        else:  # done, but its confirmation was not given
            unconfirmed += 1
    parts: list[Msg] = []
    if failed:
        parts.append(Plural("{count} prerequisite is not met",
                            "{count} prerequisites are not met", failed, count=failed))
    if unconfirmed:
        parts.append(Plural("{count} step is not confirmed yet",
                            "{count} steps are not confirmed yet", unconfirmed,
                            count=unconfirmed))
    if skipped:
        parts.append(Plural("{count} check could not run because an earlier one did not pass",
                            "{count} checks could not run because an earlier one did not pass",
                            skipped, count=skipped))
    if unchecked:
        parts.append(Plural("{count} check has not run yet", "{count} checks have not run yet",
                            unchecked, count=unchecked))
    return parts


@dataclass(frozen=True)
class ConnectGate:
    """Step 2: the help page's reminder, then one terms toggle before each action."""

    reminder_acknowledged: bool
    terms_connect: bool
    terms_link: bool

    @property
    def can_link(self) -> bool:
        return self.reminder_acknowledged and self.terms_connect

    @property
    def can_sign_in(self) -> bool:
        return self.can_link and self.terms_link


def local_time(iso: str) -> str:
    """An ISO time as this machine's local "YYYY-MM-DD HH:MM" (the same in every language)."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return "?"
