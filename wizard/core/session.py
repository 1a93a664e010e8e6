"""The state of one profile: what was entered (never secrets), the results, where it stands.

Headless (no Textual) and without any knowledge of where values come from:
the application layer (``wizard.app``) fills it and asks it; the TUI renders
it. Every change that matters goes through a method here, which saves the
profile, so a dropped SSH session resumes exactly where it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard import providers
from wizard.core import room_display
from wizard.core.codec import decode_result, encode_result
from wizard.core.endpoints import has_userinfo, without_userinfo
from wizard.core.flow import Gate, Step, open_items, prepare_gate
from wizard.core.model import CheckResult, Msg, ProviderPlugin, RoomMapping, Status, Text
from wizard.core.store import Profile, ProfileStore


@dataclass(frozen=True)
class PrepareRecord:
    """What a person decided in step 1 besides the form: the checks confirmed by hand
    (Google's Marketplace install) and "continue anyway"."""

    continue_anyway: bool
    confirmations: tuple[str, ...]


@dataclass(frozen=True)
class ConnectRecord:
    """What step 2 was given: the service and data centre, the reminder and both terms."""

    service: str  # "": step 1's service
    region: str
    reminder_acknowledged: bool
    terms_connect: bool
    terms_link: bool


@dataclass(frozen=True, eq=False)
class Run:
    """One run of step 1's checks: which checks, and their results before it."""

    ids: list[str]
    before: dict[str, CheckResult]


class Session:
    def __init__(self, profile_name: str = "default", *, store: ProfileStore) -> None:
        """``store``: where profiles live (the application layer makes it from the settings)."""
        self.store = store
        self.warnings: list[Msg] = []
        loaded = self.store.load(profile_name)
        self.profile: Profile = loaded.profile
        # Where a stored profile stood when it was opened (None for a new one): the first
        # screen says where it resumed.
        self.resumed_at: tuple[Step, str] | None = (
            (self.step, self.profile.saved_at) if self.profile.provider else None)
        if loaded.warning:
            self.warnings.append(loaded.warning)
        if self.profile.service and self.profile.service not in providers.names():
            # A provider no longer installed (ROOMCAL_PROVIDERS changed): step 2 follows
            # step 1's service again, as `provider` forgets an unknown one.
            self.profile.service = ""
        self.results: dict[str, CheckResult] = {}
        self._json_cache: dict[str, tuple[CheckResult, dict[str, Any]]] = {}
        self.resources: list[Any] = []  # Cronofy resources of the current link
        self.comparison: Any = None
        self._run: Run | None = None  # the run of step 1's checks under way, if any
        self._load_results()

    # -- provider and plugin -------------------------------------------------------------
    @property
    def provider(self) -> str | None:
        """The chosen provider's name; None when none (or an unknown one) is chosen."""
        name = self.profile.provider
        return name if name and name in providers.names() else None

    def plugin(self) -> ProviderPlugin:
        assert self.provider is not None
        return providers.get(self.provider).plugin()

    def choose_provider(self, name: str) -> None:
        if self.profile.provider != name:
            self.profile.provider = name
            self.profile.continue_anyway = False
            self.profile.service = ""  # step 2's service follows step 1's again
            self._load_results()
        self.save()

    def _load_results(self) -> None:
        self.results = {}
        if self.provider is None:
            return
        for data in self.profile.results.get(self.provider, []):
            try:
                result = decode_result(data)
            except (KeyError, ValueError, TypeError):
                continue
            # A check interrupted by a crash is not "checking" any more.
            if result.status.done:
                self.results[result.check_id] = result

    # -- form values ---------------------------------------------------------------------
    def stored_values(self) -> dict[str, str]:
        """What was typed into this provider's form (no secrets: those are never here)."""
        assert self.provider is not None
        return {key: self._storable(key, value)  # a profile written before the rule, too
                for key, value in self.profile.inputs.get(self.provider, {}).items()}

    def set_value(self, key: str, value: str) -> None:
        assert self.provider is not None
        self.profile.inputs.setdefault(self.provider, {})[key] = self._storable(key, value)
        self.save()

    def _storable(self, key: str, value: str) -> str:
        """What of a typed value may be kept: an address never with ``user:password@`` in
        it (the field refuses it; the typed text stays in the form, not in the profile,
        a report or a hand-off)."""
        field = next((f for f in self.plugin().fields if f.key == key), None)
        if field is not None and field.kind == "url" and has_userinfo(value):
            return without_userinfo(value)
        return value

    # -- results ---------------------------------------------------------------------------
    def record(self, result: CheckResult, *, persist: bool = True) -> None:
        """Keep a result; ``persist=False`` while a run streams (see ``persist_results``)."""
        self.results[result.check_id] = result
        if result.status.done and persist:
            self._persist_results()

    def begin_run(self, only: set[str] | None) -> Run:
        """A run of step 1's checks (``only`` these) starts: each is pending until its
        result comes. ``end_run`` with what this returns when the run is over."""
        ids = [s.id for s in self.plugin().checks if only is None or s.id in only]
        run = Run(ids, {i: self.results[i] for i in ids if i in self.results})
        self._run = run
        for check_id in ids:
            self.results[check_id] = CheckResult(check_id, Status.PENDING)
        return run

    def end_run(self, run: Run) -> None:
        """A run is over (or was cut short): a check it left unfinished gets back its
        result from before, unless a newer run has taken over since."""
        if self._run is not run:
            return
        self._run = None
        for check_id in run.ids:
            result = self.results.get(check_id)
            if result is not None and not result.status.done:
                if check_id in run.before:
                    self.results[check_id] = run.before[check_id]
                else:
                    del self.results[check_id]

    def persist_results(self, inputs: dict[str, str] | None = None) -> None:
        """Save the results of a run in one write, after its last result; ``inputs``: the
        form's values the run checked (a later session can tell its results are stale)."""
        if self.provider is not None:
            if inputs is not None:
                self.profile.checked[self.provider] = {"at": _now(), "inputs": dict(inputs)}
            self._persist_results()

    def last_checked(self) -> tuple[str, dict[str, str]] | None:
        """(when, the values checked) of the last recorded run; None if none was."""
        record = self.profile.checked.get(self.provider or "")
        if not isinstance(record, dict) or not isinstance(record.get("inputs"), dict):
            return None
        return str(record.get("at", "")), {str(k): str(v) for k, v in record["inputs"].items()}

    def _persist_results(self) -> None:
        assert self.provider is not None
        self.profile.results[self.provider] = [
            self._result_json(r) for r in self.results.values() if r.status.done
        ]
        self.save()

    def encode_for_saving(self, result: CheckResult) -> None:
        """Encode ``result`` now (on any thread), so that saving it later costs nothing."""
        self._result_json(result)

    def _result_json(self, result: CheckResult) -> dict[str, Any]:
        """Encoded once per result: a run saves after every check, 5 000 rooms each time."""
        cached = self._json_cache.get(result.check_id)
        if cached is None or cached[0] is not result:
            cached = (result, encode_result(result))
            self._json_cache[result.check_id] = cached
        return cached[1]

    def set_confirmation(self, check_id: str, confirmed: bool) -> None:
        confirmations = set(self.profile.confirmations)
        (confirmations.add if confirmed else confirmations.discard)(check_id)
        self.profile.confirmations = sorted(confirmations)
        self.save()

    @property
    def prepare_record(self) -> PrepareRecord:
        return PrepareRecord(self.profile.continue_anyway, tuple(self.profile.confirmations))

    def keep_prepare(self, record: PrepareRecord) -> None:
        self.profile.continue_anyway = record.continue_anyway
        self.profile.confirmations = sorted(set(record.confirmations))
        self.save()

    def gate(self) -> Gate:
        return prepare_gate(
            self.plugin(),
            self.results,
            continue_anyway=self.profile.continue_anyway,
            confirmations=frozenset(self.profile.confirmations),
        )

    def open_items(self) -> tuple[str, ...]:
        return open_items(self.plugin(), self.results, frozenset(self.profile.confirmations))

    def failures(self) -> list[tuple[str, CheckResult | None]]:
        """(title msgid, result) of every required check that is not done."""
        plugin = self.plugin()
        open_ids = self.open_items()
        return [(spec.title, self.results.get(spec.id)) for spec in plugin.checks
                if spec.id in open_ids]

    def linked(self, connection: Any, resources: list[Any], comparison: Any) -> None:
        """Step 2 succeeded: keep what Cronofy sees, and what that proves about step 1."""
        self.resources = list(resources)
        self.comparison = comparison
        # Only a link of the service step 1 checked proves anything about step 1.
        if resources and self.provider is not None and connection.provider == self.provider:
            for check_id, msgid in self.plugin().proven_by_link:
                self.record(CheckResult(check_id, Status.PASS,
                                        Msg(msgid, count=len(resources))))
        self.profile.connection = connection
        self.save()

    def unlink(self, *, mappings: bool = False) -> None:
        """The link is gone (revoked, or the demo's ended with its sandbox): its rooms and
        the terms accepted for it too; ``mappings``: the rooms' assignments as well."""
        self.resources = []
        self.comparison = None
        self.profile.connection = None
        self.profile.terms_link = False
        if mappings:
            self.profile.mappings = []
        self.save()

    def keep_link_view(self, resources: list[Any], comparison: Any) -> None:
        """What Cronofy sees of the standing link, read back after a restart."""
        self.resources = list(resources)
        self.comparison = comparison

    @property
    def connect_record(self) -> ConnectRecord:
        p = self.profile
        return ConnectRecord(p.service, p.region, p.reminder_acknowledged, p.terms_connect,
                             p.terms_link)

    def keep_connect(self, record: ConnectRecord) -> None:
        p = self.profile
        p.service, p.region = record.service, record.region
        p.reminder_acknowledged = record.reminder_acknowledged
        p.terms_connect, p.terms_link = record.terms_connect, record.terms_link
        self.save()

    def keep_mappings(self, mappings: list[RoomMapping]) -> None:
        """Step 3's assignments of rooms to calendars (and their authorizations)."""
        self.profile.mappings = list(mappings)
        self.save()

    def room_problems(self) -> dict[str, tuple[str, Text]]:
        """Rooms step 1 found a problem with: address (lower case) -> (name, what).

        E.g. the rooms whose impersonation was denied: step 2 must not present them as
        fine, and the assign screen marks them.
        """
        problems: dict[str, tuple[str, Text]] = {}
        for result in self.results.values():
            if result.check_id in room_display.CHECKS:  # what a panel shows: not Cronofy's
                continue
            for item in result.items:
                if item.status in (Status.FAIL, Status.WARN) and item.key:
                    problems.setdefault(item.key.lower(), (item.name, item.detail))
        return problems

    def step1_verdicts(self) -> dict[str, str]:
        """Step 1's verdict on each room it checked: address (lower case) -> pass | warn |
        fail, to stand next to what Cronofy proved of the same room."""
        verdicts: dict[str, str] = {}
        if self.provider is None:
            return verdicts
        rooms = self.results.get(self.plugin().rooms_check)
        for item in rooms.items if rooms is not None else ():
            if item.key:
                verdicts[item.key.lower()] = "pass"
        for result in self.results.values():
            for item in result.items:
                if item.key and item.status in (Status.FAIL, Status.WARN) and \
                        verdicts.get(item.key.lower()) != "fail":
                    verdicts[item.key.lower()] = item.status.value
        return verdicts

    def step1_rooms(self) -> list[str]:
        """The rooms step 1 found (their addresses), for step 2's comparison."""
        if self.provider is None:
            return []
        rooms = self.results.get(self.plugin().rooms_check)
        if rooms is None:
            return []
        return [i.key or i.name for i in rooms.items if i.status != Status.FAIL]

    # -- navigation and persistence -------------------------------------------------------
    @property
    def step(self) -> Step:
        try:
            step = Step(self.profile.step)
        except ValueError:
            return Step.WELCOME
        # Resume never lands on a screen whose prerequisites are gone.
        if step != Step.WELCOME and self.provider is None:
            return Step.WELCOME
        if step in (Step.CONNECTED, Step.ASSIGN) and self.profile.connection is None:
            return Step.CONNECT
        return step

    def set_step(self, step: Step) -> None:
        self.profile.step = step.value
        self.save()

    def take_resumed_at(self) -> tuple[Step, str] | None:
        """Where the profile resumed — once, for the first screen."""
        resumed, self.resumed_at = self.resumed_at, None
        return resumed

    def set_language(self, language: str) -> None:
        """How the wizard looks is the person's (kept through "start over")."""
        self.profile.language = language
        self.save()

    def set_theme(self, theme: str) -> None:
        self.profile.theme = theme
        self.save()

    def forget_inputs(self) -> None:
        """What was typed into the chosen provider's form."""
        assert self.provider is not None
        self.profile.inputs.pop(self.provider, None)
        self.save()

    def forget_results(self) -> None:
        """The chosen provider's step-1 results: the next visit checks again."""
        assert self.provider is not None
        self.profile.results.pop(self.provider, None)
        self.profile.checked.pop(self.provider, None)
        self.results = {}
        self.save()

    def save(self) -> None:
        self.profile.saved_at = _now()
        saved = self.store.save(self.profile)
        if not saved and self.store.warning and self.store.warning not in self.warnings:
            self.warnings.append(self.store.warning)

    def reset(self) -> Path | None:
        """Start over with this profile name; the old file is kept as a new backup.

        Returns the backup's path (None when nothing was on disk, or nothing will be
        written over it: a session that lives in memory). Raises OSError, clearing
        nothing, when no backup could be made.
        """
        backup = None if self.store.in_memory else self.store.backup(self.profile.name)
        # How the wizard looks is the person's, not the setup's: kept.
        self.profile = Profile(name=self.profile.name, language=self.profile.language,
                               theme=self.profile.theme)
        self.results = {}
        self.resources = []
        self.comparison = None
        self.save()
        return backup


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
