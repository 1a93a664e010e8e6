"""The embedded sandbox: real loopback servers for every service the wizard uses.

``Sandbox(scenario).start()`` starts one server per service — each provider's
own (``wizard/providers/<name>/sandbox.py``, found through the registry) and
Cronofy's (``wizard/sandbox/cronofy.py``) — each with ``start(sandbox) ->
ServiceHandle``, and collects the endpoints and the demo values that pre-fill
the wizard's forms. A Sandbox is the wizard's ``DemoEnvironment``
(``wizard/core/demo.py``): ``roomcal demo`` injects it. ``start_in_background``
lets the first screen paint while the TLS material and servers come up; whatever
needs them waits (``endpoints``).
"""

from __future__ import annotations

import importlib
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from wizard import providers
from wizard.core.endpoints import Endpoints
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import Msg
from wizard.sandbox.scenario import Scenario, ScenarioFileError, load

if TYPE_CHECKING:
    from wizard.sandbox.enterprise_connect import EnterpriseConnect
    from wizard.sandbox.relay import DemoRelay
    from wizard.sandbox.server import LoopbackServer
    from wizard.sandbox.tls import TlsMaterial

log = logging.getLogger(__name__)

CRONOFY = "cronofy"  # step 2's service: every provider links through it


def services() -> tuple[str, ...]:
    """The name of every service the sandbox can play: the providers', and Cronofy.

    In name order, not the welcome screen's: with a fixed port base each server's
    port must not move when a provider is added or reordered (snapshots show them).
    """
    return (*sorted(providers.names()), CRONOFY)


def _service_module(name: str) -> ModuleType | None:
    if name == CRONOFY:
        return importlib.import_module("wizard.sandbox.cronofy")
    return providers.get(name).part("sandbox")


@dataclass
class ServiceHandle:
    servers: list[LoopbackServer] = field(default_factory=list)
    endpoints: dict[str, str] = field(default_factory=dict)  # Endpoints field -> URL
    demo_values: dict[str, dict[str, str]] = field(default_factory=dict)  # provider -> field
    demo_secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    demo_confirmations: dict[str, frozenset[str]] = field(default_factory=dict)
    state: Any = None  # the service's own state object, for tests
    # A provider's answer to the sandbox's Cronofy linking it (wizard.sandbox.enterprise_connect)
    enterprise_connect: EnterpriseConnect | None = None


class Sandbox:
    def __init__(self, scenario: Scenario | str = "healthy", *, port_base: int = 0) -> None:
        self.scenario = load(scenario) if isinstance(scenario, str) else scenario
        # 0: random free ports. A fixed base makes URLs repeatable (screenshots,
        # `roomcal sandbox --port`), one port per server counting up from it.
        self.port_base = port_base
        self._next_port = port_base
        self.tls: TlsMaterial | None = None
        self.services: dict[str, ServiceHandle] = {}
        self._endpoints = Endpoints()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._servers: list[LoopbackServer] = []  # every one started, for stop()
        self._begun = False
        self._lock = threading.Lock()
        self._stopped = False  # stop() came: a start still running tidies up after itself
        # The folder of the TLS key and certificates, made first thing in start(): known
        # before the keys are written, so remove_files() can take it at any moment.
        self.files: Path | None = None
        self._relay: DemoRelay | None = None  # started on first use (relay())

    def start(self, names: tuple[str, ...] | None = None) -> Sandbox:
        """Start the services; if one cannot (a fixed port in use), stop those already up."""
        self._begun = True
        from wizard.sandbox.tls import make_tls  # the servers' imports wait for the start

        try:
            self.files = Path(tempfile.mkdtemp(prefix="roomcal-sandbox-tls-"))
            self.tls = make_tls(self.files)
            overrides: dict[str, str] = {"ca_bundle": str(self.tls.ca_pem)}
            for name in services() if names is None else names:
                module = _service_module(name)
                if module is None:
                    log.warning("sandbox service %s is not available", name)
                    continue
                handle = self._start_service(name, module)
                self.services[name] = handle
                overrides.update(handle.endpoints)
            self._endpoints = Endpoints().overridden(overrides)
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            self._stop_servers()
            raise
        with self._lock:
            self._ready.set()
            stopped = self._stopped
        if stopped:  # stopped while starting (the TUI quit right after its first paint)
            self._stop_servers()
        return self

    def _start_service(self, name: str, module: ModuleType) -> ServiceHandle:
        try:
            handle: ServiceHandle = module.start(self)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # A service reading a value of its scenario table that has the wrong type (a
            # hand-edited file): the file's fault, said as such; the details to the log.
            log.warning("sandbox service %s cannot use its scenario table", name,
                        exc_info=True)
            raise ScenarioFileError(
                self.scenario.source or self.scenario.name,
                Msg(N_("the [{table}] table holds a value of the wrong type"), table=name),
            ) from exc
        return handle

    def begin(self) -> None:
        """Start on a thread unless started: the TUI calls it after its first paint."""
        if not self._begun:
            self.start_in_background()

    def start_in_background(self, names: tuple[str, ...] | None = None) -> Sandbox:
        """Start on a thread: the first screen need not wait for keys and servers."""
        self._begun = True

        def run() -> None:
            try:
                self.start(names)
            except Exception:  # kept in _failure; the first use raises it
                log.exception("the sandbox could not start")

        # Not a daemon: a process ending while it imports would abort in finalisation;
        # `roomcal` (wizard.cli.run) exits at once past a running non-daemon thread.
        threading.Thread(target=run, name="sandbox-start").start()
        return self

    def wait(self, timeout: float = 30.0) -> None:
        self.begin()  # needed before anyone said so: start it now
        if not self._ready.wait(timeout):
            raise TimeoutError("the sandbox did not start")
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Stop every server; a start still running on its thread stops them when done
        (quitting need not wait for a sandbox nobody used)."""
        with self._lock:
            self._stopped = True
            if not self._ready.is_set():
                return
        self._stop_servers()

    def _stop_servers(self) -> None:
        # Every server serve() started, also those of a service whose start failed halfway.
        servers, self._servers = self._servers, []
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.stop()
        for server in servers:
            server.stop()
        self.remove_files()

    def remove_files(self) -> None:
        """Remove the key folder at once (no locks, no waiting: a signal handler calls it)."""
        if self.files is not None:
            shutil.rmtree(self.files, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self if self._ready.is_set() else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self, router: Any, name: str, *, tls: bool | TlsMaterial = False) -> LoopbackServer:
        """Start a LoopbackServer for a service with the scenario's latency; ``tls``: the
        sandbox's certificate, or one the service issued itself (wizard.sandbox.tls)."""
        from wizard.sandbox.server import LoopbackServer

        own = tls if not isinstance(tls, bool) else self.tls if tls else None
        context = own.server_context() if own is not None else None
        port = 0
        if self.port_base:
            port, self._next_port = self._next_port, self._next_port + 1
        server = LoopbackServer(
            router, name=name, port=port, ssl_context=context,
            latency=self.scenario.latency_for(name.split("-")[0]),
            clock_skew=float(self.scenario.section(name.split("-")[0]).get("clock_skew_s", 0)),
        )
        server.start()
        self._servers.append(server)
        return server

    def ports(self) -> set[int]:
        return {s.port for h in self.services.values() for s in h.servers}

    # -- the wizard's DemoEnvironment ------------------------------------------------------
    @property
    def endpoints(self) -> Endpoints:
        self.wait()
        return self._endpoints

    def describe(self, lang: str) -> str:
        return self.scenario.describe(lang)

    def values(self, provider: str) -> dict[str, str]:
        """The sandbox's values for the form; a replayed report's inputs win."""
        self.wait()
        values: dict[str, str] = {}
        for handle in self.services.values():
            values.update(handle.demo_values.get(provider, {}))
        replayed = self.scenario.data.get("inputs", {}).get(provider, {})
        values.update({k: str(v) for k, v in replayed.items()})
        return values

    def secrets(self, service: str) -> dict[str, str]:
        self.wait()
        secrets: dict[str, str] = {}
        for handle in self.services.values():
            secrets.update(handle.demo_secrets.get(service, {}))
        return secrets

    def confirmations(self, provider: str) -> frozenset[str]:
        self.wait()
        return frozenset().union(*(handle.demo_confirmations.get(provider, frozenset())
                                   for handle in self.services.values()))

    def relay(self) -> tuple[str, str]:
        """The demo's roomcal relay (started now if it is not running): its address and
        the demo organisation's enrollment token."""
        self.wait()
        with self._lock:
            if self._relay is None:
                from wizard.sandbox import relay

                handle = self.services[CRONOFY]
                state = handle.state
                demo = handle.demo_secrets[CRONOFY]
                assert self.files is not None
                self._relay = relay.start(
                    self.files / "relay", region=state.region, client_id=demo["client_id"],
                    client_secret=demo["client_secret"],
                    hosts={state.region: self._endpoints.cronofy(state.region)},
                    ca_bundle=self._endpoints.ca_bundle,
                    section=self.scenario.section("relay"))
            return self._relay.url, self._relay.token

    def approve(self, request: SignInRequest) -> None:
        from wizard.sandbox import browser

        browser.approve(request, self.ports(), ca_bundle=self.endpoints.ca_bundle)
