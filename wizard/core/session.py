"""One run of the wizard: the profile being edited, its secrets, its results.

Headless (no Textual): the TUI renders it, tests drive it directly. Every
change that matters goes through a method here, which saves the profile, so
a dropped SSH session resumes exactly where it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.core import redact
from wizard.core.endpoints import Endpoints
from wizard.core.flow import Gate, Step, prepare_gate, resumable
from wizard.core.i18n import N_
from wizard.core.interaction import Interaction
from wizard.core.model import (
    CheckContext,
    CheckResult,
    Msg,
    Provider,
    ProviderPlugin,
    Status,
)
from wizard.core.secrets import SecretStore
from wizard.core.store import Profile, ProfileStore

if TYPE_CHECKING:
    from wizard.sandbox import Sandbox


class Session:
    def __init__(
        self,
        profile_name: str = "default",
        *,
        store: ProfileStore | None = None,
        secrets: SecretStore | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.store = store or ProfileStore()
        self.secrets = secrets or SecretStore()
        self.sandbox = sandbox
        self.warnings: list[Msg] = []
        loaded = self.store.load(profile_name)
        self.profile: Profile = loaded.profile
        if loaded.warning:
            self.warnings.append(loaded.warning)
        self.results: dict[str, CheckResult] = {}
        self._json_cache: dict[str, tuple[CheckResult, dict[str, Any]]] = {}
        self.resources: list[Any] = []  # Cronofy resources of the current link
        self.comparison: Any = None
        self._load_results()

    # -- provider and plugin -------------------------------------------------------------
    @property
    def provider(self) -> Provider | None:
        try:
            return Provider(self.profile.provider) if self.profile.provider else None
        except ValueError:
            return None

    def plugin(self) -> ProviderPlugin:
        from wizard.checks import plugin

        assert self.provider is not None
        return plugin(self.provider)

    def choose_provider(self, provider: Provider) -> None:
        if self.profile.provider != provider.value:
            self.profile.provider = provider.value
            self.profile.continue_anyway = False
            self._load_results()
        self.save()

    def _load_results(self) -> None:
        self.results = {}
        if self.provider is None:
            return
        for data in self.profile.results.get(self.provider.value, []):
            try:
                result = CheckResult.from_json(data)
            except (KeyError, ValueError, TypeError):
                continue
            # A check interrupted by a crash is not "checking" any more.
            if result.status.done:
                self.results[result.check_id] = result

    # -- form values and secrets ---------------------------------------------------------
    @property
    def endpoints(self) -> Endpoints:
        return self.sandbox.endpoints if self.sandbox is not None else Endpoints.from_env()

    def values(self) -> dict[str, str]:
        assert self.provider is not None
        plugin = self.plugin()
        stored = self.profile.inputs.get(self.provider.value, {})
        demo = self.sandbox.demo_values(self.provider.value) if self.sandbox else {}
        values = {}
        for field in plugin.fields:
            if field.secret:
                continue
            values[field.key] = stored.get(field.key, demo.get(field.key, field.default))
        return values

    def set_value(self, key: str, value: str) -> None:
        assert self.provider is not None
        self.profile.inputs.setdefault(self.provider.value, {})[key] = value
        self.save()

    def _secret_key(self, key: str) -> str:
        assert self.provider is not None
        return f"{self.provider.value}.{key}"

    def secret(self, key: str) -> str:
        value = self.secrets.get(self.profile.name, self._secret_key(key))
        if value is None and self.sandbox is not None and self.provider is not None:
            value = self.sandbox.demo_secrets(self.provider.value).get(key)
            if value:
                redact.register(value)
        return value or ""

    def set_secret(self, key: str, value: str) -> None:
        if value:
            self.secrets.set(self.profile.name, self._secret_key(key), value)
        else:
            self.secrets.delete(self.profile.name, self._secret_key(key))

    def secret_values(self) -> dict[str, str]:
        return {f.key: self.secret(f.key) for f in self.plugin().fields if f.secret}

    # -- checks ---------------------------------------------------------------------------
    def context(self, interaction: Interaction) -> CheckContext:
        ctx = CheckContext(
            values=self.values(),
            secrets=self.secret_values(),
            endpoints=self.endpoints,
            interaction=interaction,
            confirmations=frozenset(self.profile.confirmations),
            demo=self.sandbox is not None,
        )
        ctx.shared["secret_store"] = self.secrets
        ctx.shared["profile"] = self.profile.name
        return ctx

    def record(self, result: CheckResult, *, persist: bool = True) -> None:
        """Keep a result; ``persist=False`` while a run streams (see ``persist_results``)."""
        self.results[result.check_id] = result
        if result.status.done and persist:
            self._persist_results()

    def persist_results(self) -> None:
        """Save the results of a run in one write, after its last result."""
        if self.provider is not None:
            self._persist_results()

    def _persist_results(self) -> None:
        assert self.provider is not None
        self.profile.results[self.provider.value] = [
            self._result_json(r) for r in self.results.values() if r.status.done
        ]
        self.save()

    def _result_json(self, result: CheckResult) -> dict[str, Any]:
        """to_json once per result: a run saves after every check, 5 000 rooms each time."""
        cached = self._json_cache.get(result.check_id)
        if cached is None or cached[0] is not result:
            cached = (result, result.to_json())
            self._json_cache[result.check_id] = cached
        return cached[1]

    def set_confirmation(self, check_id: str, confirmed: bool) -> None:
        confirmations = set(self.profile.confirmations)
        (confirmations.add if confirmed else confirmations.discard)(check_id)
        self.profile.confirmations = sorted(confirmations)
        self.save()

    def gate(self) -> Gate:
        return prepare_gate(
            self.plugin(),
            self.results,
            continue_anyway=self.profile.continue_anyway,
            confirmations=frozenset(self.profile.confirmations),
        )

    def failures(self) -> list[tuple[str, CheckResult | None]]:
        """(title msgid, result) of every required check that is not fine."""
        plugin = self.plugin()
        return [
            (spec.title, self.results.get(spec.id))
            for spec in plugin.checks
            if spec.id in self.gate_failures(plugin)
        ]

    def gate_failures(self, plugin: ProviderPlugin) -> tuple[str, ...]:
        return prepare_gate(plugin, self.results, continue_anyway=False,
                            confirmations=frozenset(self.profile.confirmations)).failures

    def linked(self, connection: Any, resources: list[Any], comparison: Any) -> None:
        """Step 2 succeeded: keep what Cronofy sees, and what that proves about step 1.

        Google's Marketplace install cannot be read with the admin's token (step 1
        only has a confirmation); Cronofy listing room calendars proves it.
        """
        self.resources = list(resources)
        self.comparison = comparison
        if resources and self.provider == Provider.GOOGLE:
            self.record(CheckResult(
                "cronofy_app", Status.PASS,
                Msg(N_("Proven in step 2: Cronofy lists {count} room calendars, so the Cronofy "
                       "app is installed."), count=len(resources))))
        self.update(connection=connection, pending_link={})

    def resumable_link(self) -> bool:
        """A link of this profile was cut short (crash, lost SSH) and can be resumed."""
        return resumable(self.profile.pending_link, self.profile.region or "de")

    def step1_rooms(self) -> list[str]:
        rooms = self.results.get("rooms")
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

    def update(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self.profile, key, value)
        self.save()

    def save(self) -> None:
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

    def demo_description(self, lang: str) -> str:
        return self.sandbox.scenario.describe(lang) if self.sandbox else ""
