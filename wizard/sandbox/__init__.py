"""The embedded sandbox: real loopback servers for every service the wizard uses.

``Sandbox(scenario).start()`` starts one server per service module that is
present (``exchange``, ``microsoft365``, ``google``, ``cronofy``), each from
its own module with ``start(sandbox) -> ServiceHandle``, and collects the
endpoints and the demo values that pre-fill the wizard's forms.
"""

from __future__ import annotations

import importlib
import logging
import shutil
from dataclasses import dataclass, field, replace
from typing import Any

from wizard.core.endpoints import Endpoints
from wizard.sandbox.scenario import Scenario, load
from wizard.sandbox.server import LoopbackServer
from wizard.sandbox.tls import TlsMaterial, make_tls

log = logging.getLogger(__name__)

SERVICES = ("exchange", "microsoft365", "google", "cronofy")


@dataclass
class ServiceHandle:
    servers: list[LoopbackServer] = field(default_factory=list)
    endpoints: dict[str, str] = field(default_factory=dict)  # Endpoints field -> URL
    demo_values: dict[str, dict[str, str]] = field(default_factory=dict)  # provider -> field
    demo_secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    state: Any = None  # the service's own state object, for tests


class Sandbox:
    def __init__(self, scenario: Scenario | str = "healthy", *, port_base: int = 0) -> None:
        self.scenario = load(scenario) if isinstance(scenario, str) else scenario
        # 0: random free ports. A fixed base makes URLs repeatable (screenshots,
        # `roomcal sandbox --port`), one port per server counting up from it.
        self.port_base = port_base
        self._next_port = port_base
        self.tls: TlsMaterial | None = None
        self.services: dict[str, ServiceHandle] = {}
        self._servers: list[LoopbackServer] = []  # every one started, for stop()
        self.endpoints = Endpoints(sandbox=True)

    def start(self, services: tuple[str, ...] = SERVICES) -> Sandbox:
        """Start the services; if one cannot (a fixed port in use), stop those already up."""
        try:
            return self._start(services)
        except BaseException:
            self.stop()
            raise

    def _start(self, services: tuple[str, ...]) -> Sandbox:
        self.tls = make_tls()
        overrides: dict[str, str] = {"ca_bundle": str(self.tls.ca_pem)}
        for name in services:
            try:
                module = importlib.import_module(f"wizard.sandbox.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"wizard.sandbox.{name}":
                    raise
                log.warning("sandbox service %s is not available", name)
                continue
            handle: ServiceHandle = module.start(self)
            self.services[name] = handle
            overrides.update(handle.endpoints)
        self.endpoints = replace(Endpoints(sandbox=True), **overrides)
        return self

    def stop(self) -> None:
        # Every server serve() started, also those of a service whose start failed halfway.
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()
        if self.tls is not None:
            shutil.rmtree(self.tls.ca_pem.parent, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self if self.tls is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self, router: Any, name: str, *, tls: bool = False) -> LoopbackServer:
        """Start a LoopbackServer for a service with the scenario's latency."""
        context = self.tls.server_context() if (tls and self.tls) else None
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

    def demo_values(self, provider: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for handle in self.services.values():
            values.update(handle.demo_values.get(provider, {}))
        return values

    def demo_secrets(self, provider: str) -> dict[str, str]:
        secrets: dict[str, str] = {}
        for handle in self.services.values():
            secrets.update(handle.demo_secrets.get(provider, {}))
        return secrets
