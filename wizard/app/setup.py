"""One run of the wizard for one profile, shared by the TUI and the CLI (see wizard.app)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import providers
from wizard.app.steps import AssignStep, ConnectStep, PrepareStep, WelcomeStep
from wizard.core.endpoints import Endpoints
from wizard.core.flow import Step
from wizard.core.i18n import N_
from wizard.core.interaction import Interaction
from wizard.core.model import CheckContext, CheckResult, Msg, ProviderPlugin, RoomMapping
from wizard.core.secrets import SecretStore
from wizard.core.session import Session
from wizard.core.settings import Settings
from wizard.core.store import ProfileStore

if TYPE_CHECKING:
    from wizard.app.view import SessionView
    from wizard.connect.link import LinkOutcome
    from wizard.connect.relay import RelayClient, RoomProof
    from wizard.core.demo import DemoEnvironment

log = logging.getLogger(__name__)

OnMain = Callable[[Callable[[], None]], None]


def _direct(change: Callable[[], None]) -> None:
    change()


# Rooms above which a worker process (a second to start) pays off against GIL contention.
OFFLOAD_ABOVE = 500
# How long step 2 waits for the relay to prove the rooms (it fails a room whose callback
# never comes after its own --callback-timeout).
AUTHORIZE_TIMEOUT = 15 * 60.0
# Items above which a result is encoded for the profile on a thread.
ENCODE_BESIDE = 200


class Setup:
    def __init__(
        self,
        profile: str = "default",
        *,
        demo: DemoEnvironment | None = None,
        store: ProfileStore | None = None,
        secrets: SecretStore | None = None,
        endpoints: Endpoints | None = None,
        scenario: str | None = None,
        settings: Settings | None = None,
        claim: bool = False,
    ) -> None:
        """``claim``: hold the profile for this process (a wizard that saves it); another
        process holding it raises ``store.ProfileInUseError`` before anything is read."""
        # What roomcal read from the environment at start (wizard.commands.dispatch);
        # none given: the built-in defaults, read from nowhere.
        self.settings = settings or Settings()
        folder = self.settings.profiles_dir if demo is None else self.settings.demo_profiles_dir
        store = store or ProfileStore(folder)
        if claim:
            store.claim(profile)
        self.session = Session(profile, store=store)
        # The steps' controllers: the only ones besides this class that change the session.
        self.welcome = WelcomeStep(self)
        self.prepare = PrepareStep(self)
        self.connect = ConnectStep(self)
        self.assign = AssignStep(self)
        self.demo = demo
        if demo is not None:
            self._forget_previous_demo_link()
        # The demo's scenario as it was named on the command line: a hand-off's re-check
        # command names it too.
        self.scenario = scenario
        # The demo never touches the machine's keyring: what is typed there (a wrong
        # password, say) lives as long as the demo, and no real secret is ever sent to
        # the sandbox.
        self.secrets = secrets or SecretStore(use_keyring=demo is None)
        self._endpoints = endpoints
        # Where the session may be changed from: the TUI runs step 2 in worker threads
        # and hands each change to its event loop (App.call_from_thread); the CLI has
        # one thread.
        self.on_main: OnMain = _direct
        # Where per-room work runs: None here, in the check's threads (the CLI: no event
        # loop to keep responsive). keep_event_loop_free() moves large tenants' rooms
        # into a worker process (wizard.core.fanout).
        self.offload_above: int | None = None

    def _forget_previous_demo_link(self) -> None:
        """The demo's link (and its tokens, kept in memory only) ended with the sandbox
        that issued them: a restarted demo links afresh instead of resuming a dead one."""
        profile = self.session.profile
        if profile.connection is None:
            return
        self.session.unlink(mappings=True)
        self.session.warnings.append(Msg(N_(
            "The demo's previous link to Cronofy ended with its sandbox: link again in "
            "step 2.")))

    def keep_event_loop_free(self) -> None:
        """For a UI: per-room work of more than OFFLOAD_ABOVE rooms runs in a worker
        process, so its threads do not take turns at the GIL with the event loop (a
        5 000-room run stalled the TUI for 40–50 ms at a time)."""
        self.offload_above = OFFLOAD_ABOVE

    @property
    def profile(self) -> str:
        return self.session.profile.name

    @property
    def state(self) -> SessionView:
        """The session, to read (a screen's, a command's): only the steps change it."""
        return self.session

    # -- what belongs to no step: where the wizard stands, how it looks, saving ------------
    def set_step(self, step: Step) -> None:
        self.session.set_step(step)

    def take_resume(self) -> tuple[Step, str] | None:
        """Where a stored profile resumed — for the first screen only (then: None)."""
        return self.session.take_resumed_at()

    def set_language(self, language: str) -> None:
        if self.session.profile.language != language:
            self.session.set_language(language)

    def set_theme(self, theme: str) -> None:
        self.session.set_theme(theme)

    def save_in_background(self) -> None:
        """For a UI: saves are written on a thread, never freezing the screen."""
        self.session.store.background = True

    def flush(self) -> None:
        """The last background save lands (before the program ends)."""
        self.session.store.flush()

    def endpoints(self) -> Endpoints:
        """The demo's, else the ones given, else the real services' with the settings'
        overrides (ROOMCAL_*_URL, checked when the settings were read)."""
        if self.demo is not None:
            return self.demo.endpoints
        if self._endpoints is None:
            self._endpoints = self.settings.endpoints
        return self._endpoints

    def describe_demo(self, lang: str) -> str:
        return self.demo.describe(lang) if self.demo is not None else ""

    # -- the provider ----------------------------------------------------------------------
    @property
    def provider(self) -> str | None:
        return self.session.provider

    def plugin(self) -> ProviderPlugin:
        return self.session.plugin()

    def info(self) -> providers.ProviderInfo:
        assert self.provider is not None
        return providers.get(self.provider)

    # -- step 1: values and secrets --------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The form's values: typed (stored) > the demo's > the field's default."""
        plugin = self.plugin()
        stored = self.session.stored_values()
        demo = self.demo.values(plugin.name) if self.demo is not None else {}
        return {f.key: stored.get(f.key, demo.get(f.key, f.default))
                for f in plugin.fields if not f.secret}

    def _secret_key(self, key: str) -> str:
        return f"{self.plugin().name}.{key}"

    def secret(self, key: str) -> str:
        """A secret field's committed value: the keyring's (or memory's), else the demo's."""
        value = self.secrets.get(self.profile, self._secret_key(key))
        if value is None and self.demo is not None:
            value = self.demo.secrets(self.plugin().name).get(key)
            if value:
                from wizard.core import redact

                redact.register(value)
        return value or ""

    def commit_secret(self, key: str, value: str) -> None:
        """Store what was typed into a secret field (once: when it is left or used)."""
        if value:
            self.secrets.set(self.profile, self._secret_key(key), value)
        else:
            self.secrets.delete(self.profile, self._secret_key(key))

    def differs_from_demo(self) -> bool:
        """In the demo: does the form hold anything but the demo's own values?"""
        if self.demo is None:
            return False
        plugin = self.plugin()
        demo_secrets = self.demo.secrets(plugin.name)
        typed = any(self.secrets.get(self.profile, self._secret_key(f.key)) not in
                    (None, demo_secrets.get(f.key)) for f in plugin.fields if f.secret)
        return typed or bool(self.session.stored_values())

    def forget_form(self) -> None:
        """Back to the form's defaults (the demo's values in the demo): typed values and
        committed secrets of this provider are forgotten, its results too."""
        plugin = self.plugin()
        for field in plugin.fields:
            if field.secret:
                self.secrets.delete(self.profile, self._secret_key(field.key))
        self.session.forget_inputs()
        self.forget_results()

    def forget_results(self) -> None:
        """This provider's step-1 results are forgotten: the next visit checks again."""
        self.session.forget_results()

    def start_over(self) -> Path | None:
        """End the link at Cronofy (through the relay), clear the profile (a backup is
        kept) and every secret stored for it."""
        from wizard.core.errors import UserFacingError

        try:
            self._revoke_link()
        except UserFacingError as exc:  # the relay is away: the profile is cleared anyway
            log.warning("start over: the link was not revoked (%s)", exc.code or "relay")
        backup = self.session.reset()
        for info in providers.providers():
            try:
                fields = info.plugin().fields
            except ImportError:  # a provider whose client library is missing
                continue
            keys = [f"{info.name}.{f.key}" for f in fields if f.secret]
            plugin = info.plugin()
            for key in (*keys, *plugin.stored_secrets, *plugin.remembered_sign_in):
                self.secrets.delete(self.profile, key)
        return backup

    def check_secrets(self) -> dict[str, str]:
        """The secret fields, plus what the demo supplies beyond them (an OAuth client)."""
        plugin = self.plugin()
        extra = self.demo.secrets(plugin.name) if self.demo is not None else {}
        return {**extra, **{f.key: self.secret(f.key) for f in plugin.fields if f.secret}}

    def check_context(
        self,
        interaction: Interaction,
        *,
        values: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        confirmations: frozenset[str] | None = None,
    ) -> CheckContext:
        ctx = CheckContext(
            values=dict(self.values() if values is None else values),
            secrets=dict(self.check_secrets() if secrets is None else secrets),
            endpoints=self.endpoints(),
            interaction=interaction,
            confirmations=frozenset(self.session.profile.confirmations)
            if confirmations is None else confirmations,
            settings=self.settings,
            offload_above=self.offload_above,
        )
        ctx.shared["secret_store"] = self.secrets
        ctx.shared["profile"] = self.profile
        return ctx

    async def run_checks(
        self,
        interaction: Interaction,
        *,
        only: set[str] | None = None,
        cancel: threading.Event | None = None,
        record: bool = True,
        values: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        confirmations: frozenset[str] | None = None,
    ) -> AsyncIterator[CheckResult]:
        """Run step 1's checks (or ``only`` these) and stream every result.

        ``record``: keep the results in the profile (the CLI's run beside it does not).
        """
        from wizard.core.runner import run_checks

        ctx = self.check_context(interaction, values=values, secrets=secrets,
                                 confirmations=confirmations)
        if cancel is not None:
            ctx.cancel = cancel
        previous = dict(self.session.results) if only is not None else None
        # Every check of this run is pending from its start: until its result, nothing
        # counts it as unmet (a check waiting for another has no event of its own).
        run = self.session.begin_run(only) if record else None
        try:
            async for result in run_checks(self.plugin().checks, ctx, only=only,
                                           previous=previous):
                if record and result.status.done and len(result.items) > ENCODE_BESIDE:
                    # Encoded for the profile beside the event loop, not on it (5 000 rooms:
                    # ~40 ms); the save at the end of the run finds it done.
                    await asyncio.to_thread(self.session.encode_for_saving, result)
                if record and not (ctx.cancel.is_set() and not result.status.done):
                    # Small results are saved as they come (a crash keeps them); a check
                    # with thousands of items waits for the one save at the end.
                    self.session.record(result, persist=not result.items)
                yield result
            if record:
                self.session.persist_results(inputs=dict(ctx.values))
        finally:
            if run is not None:
                self.session.end_run(run)

    def stale_inputs(self) -> list[tuple[str, str]] | None:
        """The fields (key, value then) whose values differ from those the stored results
        were checked against; [] when they are current; None when no run was recorded."""
        last = self.session.last_checked()
        if last is None:
            return None
        _when, then = last
        now = self.values()
        return [(key, value) for key, value in then.items() if now.get(key, value) != value]

    # -- step 2: Cronofy, through the relay --------------------------------------------
    def relay(self, cancel: threading.Event | None = None) -> RelayClient:
        """The roomcal relay: the demo's, else ROOMCAL_RELAY_URL with the enrollment token
        (ROOMCAL_RELAY_TOKEN, else the keyring); none: one sentence why step 2 needs it."""
        from wizard.connect.relay import TOKEN_KEY, RelayClient, no_relay, no_token

        if self.demo is not None:
            url, token = self.demo.relay()
            return RelayClient(url, token, cancel=cancel)
        if not self.settings.relay_url:
            raise no_relay()
        token = self.settings.relay_token or self.secrets.get(self.profile, TOKEN_KEY) or ""
        if not token:
            raise no_token()
        return RelayClient(self.settings.relay_url, token, ca_bundle=self.endpoints().ca_bundle,
                           cancel=cancel)

    def served_regions(self) -> list[str]:
        """The data centres the relay has a Cronofy application in (blocking), in
        REGIONS' order; RelayError when it cannot say (unreachable, token refused)."""
        from wizard.core.endpoints import REGIONS

        with self.relay() as relay:
            served = set(relay.regions())
        return [region for region in REGIONS if region in served]

    def needs_relay_token(self) -> bool:
        """A relay is set but no enrollment token is known: the CLI asks on a terminal."""
        from wizard.connect.relay import TOKEN_KEY

        return self.demo is None and bool(self.settings.relay_url) and not (
            self.settings.relay_token or self.secrets.get(self.profile, TOKEN_KEY))

    def remember_relay_token(self, token: str) -> None:
        """The token typed at the prompt: kept in the keyring for the next run."""
        from wizard.connect.relay import TOKEN_KEY

        self.secrets.set(self.profile, TOKEN_KEY, token)

    def _forget_refused_token(self, exc: BaseException) -> None:
        """The relay refused the kept enrollment token (401): forget it, so the next
        sign-in asks again (a token in the environment is the environment's)."""
        from wizard.connect.relay import TOKEN_KEY, RelayError

        if isinstance(exc, RelayError) and exc.code == "relay.unauthorized" and \
                self.demo is None and not self.settings.relay_token:
            self.secrets.delete(self.profile, TOKEN_KEY)

    def link(self, interaction: Interaction, cancel: threading.Event, *,
             region: str | None = None) -> LinkOutcome:
        """Link Cronofy for this profile (blocking: a worker thread); keep what it sees."""
        from wizard.connect.link import LinkRequest, run_link

        profile = self.session.profile
        service = profile.service or profile.provider
        request = LinkRequest(
            provider=service,
            region=region or profile.region,
            # Step 1's rooms compare only with a link of the service step 1 checked.
            step1_rooms=self.session.step1_rooms() if service == profile.provider else [],
            profile=self.profile,
            missing_rooms_hint=self.missing_rooms_hint(service),
        )
        try:
            with self.relay(cancel) as relay:
                outcome = run_link(request, relay=relay, interaction=interaction,
                                   cancel=cancel, poll=0.1 if self.demo is not None else 1.0)
        except Exception as exc:
            # Refused, cancelled or failed: a link in progress is the relay's, and ends
            # there (restart-safe); nothing of it is kept here.
            self._forget_refused_token(exc)
            if service == profile.provider:
                _point_at_step1(exc, self.session)
            raise
        connection = outcome.connection

        def linked() -> None:
            if connection.region != self.connect.record.region:
                self.connect.choose_region(connection.region)  # the relay's only one
            self.session.linked(connection, outcome.resources, outcome.comparison)

        self.on_main(linked)
        return outcome

    def missing_rooms_hint(self, service: str) -> str:
        """msgid: the service's likely reason for rooms Cronofy does not list ("" if none)."""
        try:
            return providers.get(service).plugin().missing_rooms_hint
        except providers.UnknownProviderError:
            return ""

    def reload(self) -> LinkOutcome:
        """After a restart: read the link's rooms back through the relay."""
        from wizard.connect.link import load_connection

        connection = self.session.profile.connection
        assert connection is not None
        with self.relay() as relay:
            outcome = load_connection(
                connection, relay=relay, step1_rooms=self.session.step1_rooms(),
                missing_rooms_hint=self.missing_rooms_hint(connection.provider))

        self.on_main(lambda: self.session.keep_link_view(outcome.resources,
                                                         outcome.comparison))
        return outcome

    def disconnect(self) -> None:
        """End the link (the relay revokes it at Cronofy) and forget the remembered
        sign-ins."""
        self._revoke_link()
        self._forget_sign_ins()

        self.on_main(self.session.unlink)

    def _revoke_link(self) -> None:
        from wizard.connect.link import disconnect

        connection = self.session.profile.connection
        if connection is not None and connection.link_id:
            with self.relay() as relay:
                disconnect(connection, relay=relay)

    def _forget_sign_ins(self) -> None:
        """Every provider's remembered sign-in (a token cache): the next check signs in."""
        for info in providers.providers():
            try:
                keys = info.plugin().remembered_sign_in
            except ImportError:  # a provider whose client library is missing kept nothing
                continue
            for key in keys:
                self.secrets.delete(self.profile, key)

    def authorize(self, on_result: Callable[[RoomMapping], None] = lambda m: None, *,
                  rooms: str = "mapped", cancel: threading.Event | None = None,
                  timeout: float = AUTHORIZE_TIMEOUT) -> list[RoomProof]:
        """The relay authorizes the rooms (``mapped``: the assigned ones; ``all``: every
        room Cronofy lists) and proves each from Cronofy's side; waits until none is
        pending (or ``timeout``). The mappings keep each room's outcome and code."""
        connection = self.session.profile.connection
        assert connection is not None
        mapped = list(self.session.profile.mappings)
        if rooms == "mapped" and not mapped:
            return []
        wanted = None if rooms == "all" else [m.email for m in mapped]
        deadline = time.monotonic() + timeout
        seen: dict[str, tuple[str, str]] = {}
        with self.relay(cancel) as relay:
            proofs = relay.authorize(connection.link_id, wanted)
            while True:
                self._keep_proofs(proofs, seen, on_result)
                if all(p.status != "pending" for p in proofs) or \
                        time.monotonic() > deadline or relay.wait(
                            0.1 if self.demo is not None else 1.0):
                    break
                proofs = relay.proofs(connection.link_id)
        asked = {e.lower() for e in wanted} if wanted is not None else None
        return [p for p in proofs if asked is None or p.email.lower() in asked]

    @staticmethod
    def proof_cause(code: str) -> Msg:
        """The cause of a room's failure code from the relay, in one sentence."""
        from wizard.connect.proofs import cause

        return cause(code)

    @staticmethod
    def proved() -> str:
        """msgid: what Cronofy proved of a room that passed."""
        from wizard.connect.proofs import PROVED

        return PROVED

    def _keep_proofs(self, proofs: list[RoomProof], seen: dict[str, tuple[str, str]],
                     on_result: Callable[[RoomMapping], None]) -> None:
        """The rooms whose proof changed, into the mappings (on the main thread)."""
        status = {"pass": "authorized", "fail": "failed", "pending": "pending"}
        changed = {p.email.lower(): (status[p.status], p.code) for p in proofs
                   if seen.get(p.email.lower()) != (status[p.status], p.code)}
        if not changed:
            return
        seen.update(changed)

        def keep() -> None:
            updated, proved = [], []
            for m in self.session.profile.mappings:
                if (outcome := changed.get(m.email.lower())) is not None:
                    m = replace(m, authorization=outcome[0], code=outcome[1])
                    proved.append(m)
                updated.append(m)
            self.session.keep_mappings(updated)
            for m in proved:
                on_result(m)

        self.on_main(keep)

    # -- reports ---------------------------------------------------------------------------
    def report(self, *, scenario: str | None = None, anonymized: bool = False
               ) -> dict[str, Any]:
        """The redacted diagnostics of this profile (what `roomcal report` writes);
        ``anonymized``: pseudonyms for addresses, hosts, tenant and room names."""
        from wizard.core.report import build_report

        profile = self.session.profile
        provider = self.provider or profile.provider
        plugin = self.plugin() if self.provider is not None else None
        return build_report(
            provider=provider, values=profile.inputs.get(provider, {}),
            results=self.session.results, plugin=plugin, scenario=scenario,
            connection=profile.connection.to_json() if profile.connection else None,
            anonymized=anonymized)

    def write_report(self, path: str | Path, *, scenario: str | None = None,
                     anonymized: bool = False, replace: bool = False) -> Path:
        """Never over an existing file unless ``replace``; ``export.ExportError`` names
        what could not be written."""
        from wizard.core.report import write_text

        return write_text(path, self.report(scenario=scenario, anonymized=anonymized),
                          replace=replace)

    # -- the hand-off to IT ----------------------------------------------------------------
    def handoff(self) -> str:
        """Step 1's hand-off for whoever administers the calendar service (Markdown)."""
        from wizard.app import handoff

        return handoff.markdown(self, values=self.values(), results=self.session.results,
                                scenario=self.scenario)

    def write_handoff(self, path: str, *, report: bool = False, anonymized: bool = False,
                      replace: bool = False) -> list[Path]:
        """Write the hand-off typed as ``path`` and, with ``report``, the diagnostic report
        beside it (``anonymized``: with pseudonyms) — 0600, all or nothing, never over a
        file unless ``replace``; ``export.ExportError`` names what failed."""
        from wizard.app import handoff
        from wizard.core.report import dumps

        target, *beside = handoff.targets(path, report=report)
        files = [(target, self.handoff())]
        if beside:
            files.append((beside[0], dumps(self.report(scenario=self.scenario,
                                                       anonymized=anonymized))))
        return handoff.write(files, replace=replace)


def _point_at_step1(exc: Exception, session: Session) -> None:
    """Cronofy refused the link of the service step 1 checked: the remedy names what step 1
    found failing there (a result, not a guess at Cronofy's reason)."""
    from wizard.connect.link import REFUSED
    from wizard.core.errors import UserFacingError
    from wizard.core.i18n import N_
    from wizard.core.model import Msg, Status

    if not isinstance(exc, UserFacingError) or exc.code != REFUSED or session.provider is None:
        return
    for spec in session.plugin().checks:
        result = session.results.get(spec.id)
        if result is not None and result.status == Status.FAIL:
            exc.remedy = Msg(N_("Step 1 found this service failing at \"{check}\": {detail} "
                                "Fix that, check step 1 again, then link again."),
                             check=Msg(spec.title), detail=result.detail)
            return
