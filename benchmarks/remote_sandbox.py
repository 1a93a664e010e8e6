"""The sandbox in its own process, so benchmarks measure the wizard and not the server.

A real Exchange server does its XML and TLS work on another machine; an
in-process sandbox would share the wizard's GIL and count its own memory as
the wizard's. ``RemoteSandbox`` starts ``python benchmarks/remote_sandbox.py``
with a scenario, reads the endpoints and demo values it prints as one JSON
line, and offers the part of ``wizard.sandbox.Sandbox`` that the wizard uses
(the DemoEnvironment of wizard/core/demo.py, and ``ports``).
Closing its stdin stops the child, which prints how many requests it served.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

from wizard.core.endpoints import Endpoints
from wizard.sandbox.scenario import Scenario


class RemoteSandbox:
    def __init__(self, scenario: Scenario, services: tuple[str, ...]) -> None:
        self.scenario = scenario
        self._child = subprocess.Popen(
            [sys.executable, __file__, json.dumps({"name": scenario.name,
                                                   "data": scenario.data}),
             ",".join(services)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._child.stdout is not None
        ready = json.loads(self._child.stdout.readline())
        self.endpoints = replace(Endpoints(), **ready["endpoints"])
        self._values: dict[str, dict[str, str]] = ready["values"]
        self._secrets: dict[str, dict[str, str]] = ready["secrets"]
        self._ports: set[int] = set(ready["ports"])
        self.requests = 0

    # -- the wizard's DemoEnvironment (wizard/core/demo.py) -----------------------------------
    def begin(self) -> None:
        """Started already, in its own process."""

    def describe(self, lang: str) -> str:
        return self.scenario.describe(lang)

    def values(self, provider: str) -> dict[str, str]:
        return dict(self._values.get(provider, {}))

    def secrets(self, service: str) -> dict[str, str]:
        return dict(self._secrets.get(service, {}))

    def approve(self, request: Any) -> None:
        from wizard.sandbox import browser

        browser.approve(request, self._ports, ca_bundle=self.endpoints.ca_bundle)

    def ports(self) -> set[int]:
        return set(self._ports)

    def stop(self) -> None:
        stdout, _ = self._child.communicate(timeout=60)
        self.requests = json.loads(stdout.strip().splitlines()[-1])["requests"]

    def __enter__(self) -> RemoteSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(spec: str, wanted: str) -> None:
    from dataclasses import asdict

    from wizard.sandbox import Sandbox, services

    scenario = Scenario(**json.loads(spec))
    box = Sandbox(scenario).start(tuple(wanted.split(",")))
    endpoints: dict[str, Any] = {k: v for k, v in asdict(box.endpoints).items()
                                 if v != getattr(Endpoints(), k)}
    names = services()
    print(json.dumps({
        "endpoints": endpoints,
        "values": {p: box.values(p) for p in names},
        "secrets": {p: box.secrets(p) for p in names},
        "ports": sorted(box.ports()),
    }), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    requests = sum(len(s.requests) for h in box.services.values() for s in h.servers)
    box.stop()
    print(json.dumps({"requests": requests}), flush=True)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2])
