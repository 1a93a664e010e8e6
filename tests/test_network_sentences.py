"""Every DNS, refused, TLS and timeout sentence names the host it was about.

An admin behind a proxy, with a test tenant or a national cloud, reads "could
not be resolved" and needs to know *which* name: the sign-in host, the API host,
a public cloud's discovery host the wizard asked on its own. Each provider's checks
and the Cronofy client are driven against real sockets: a ``.invalid`` name
(never resolves), port 9 on loopback (nothing listens), a sandbox whose CA is not
given, a sandbox slower than the timeout.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from tenant_support import admin_at_browser, tenant_env

from ui_support import sandbox
from wizard.app import Setup
from wizard.cli import main
from wizard.commands.common import CliInteraction
from wizard.connect.relay import RelayClient, RelayError
from wizard.core.endpoints import Endpoints
from wizard.core.errors import explain
from wizard.core.model import render
from wizard.sandbox import Sandbox
from wizard.sandbox.rooms import DOMAIN
from wizard.sandbox.server import LoopbackServer, Router

NOWHERE = "roomcal-test.invalid"  # RFC 6761: never resolves


def _m365_sign_in(box: Sandbox, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    with admin_at_browser(box):
        main(["--lang", "en", "check", "microsoft365", "--tenant", DOMAIN, "--json", *extra])
    return json.loads(capsys.readouterr().out)["checks"][0]


@pytest.mark.parametrize(("variable", "url", "sentence"), [
    ("ROOMCAL_MS_LOGIN_URL", f"https://login.{NOWHERE}",
     f"The host name login.{NOWHERE} could not be resolved (DNS)."),
    ("ROOMCAL_GRAPH_URL", f"https://graph.{NOWHERE}",
     f"The host name graph.{NOWHERE} could not be resolved (DNS)."),
    ("ROOMCAL_MS_LOGIN_URL", "https://127.0.0.1:9",
     "The connection to 127.0.0.1:9 was refused"),
])
def test_microsoft365_names_the_host(variable: str, url: str, sentence: str,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with sandbox("healthy", services=("microsoft365",)) as box:
        tenant_env(box, monkeypatch)
        monkeypatch.setenv(variable, url)
        sign_in = _m365_sign_in(box, capsys, "--ca-bundle", str(box.endpoints.ca_bundle))
    assert sign_in["status"] == "fail"
    assert sentence in sign_in["detail"], sign_in


def test_microsoft365_untrusted_certificate_names_the_host(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with sandbox("healthy", services=("microsoft365",)) as box:
        tenant_env(box, monkeypatch)
        host = box.endpoints.ms_login_url.removeprefix("https://")
        sign_in = _m365_sign_in(box, capsys)  # the sandbox's CA not given
    assert sign_in["code"] == "net.tls_untrusted"
    assert sign_in["detail"] == f"The TLS certificate of {host} is not trusted.", sign_in
    assert "--ca-bundle" in sign_in["remedy"]


class Rewired:
    """The demo environment with some endpoints replaced: the wizard's own code paths,
    aimed at an address that fails."""

    def __init__(self, box: Sandbox, **endpoints: str) -> None:
        self._box = box
        self.endpoints: Endpoints = replace(box.endpoints, **endpoints)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._box, name)


async def _run(setup: Setup) -> dict[str, Any]:
    results = {}
    async for result in setup.run_checks(CliInteraction(setup.demo), record=False):
        if result.status.done:
            results[result.check_id] = result
    return results


def test_google_names_the_host() -> None:
    with sandbox("healthy", services=("google",)) as box:
        setup = Setup("test", demo=Rewired(box, google_api_url=f"https://admin.{NOWHERE}"))
        setup.session.choose_provider("google")
        sign_in = asyncio.run(_run(setup))["sign_in"]
    assert sign_in.code == "net.dns"
    assert render(sign_in.detail) == \
        f"The host name admin.{NOWHERE} could not be resolved (DNS)."


@pytest.mark.parametrize(("url", "sentence"), [
    (f"https://api.{NOWHERE}", f"The host name api.{NOWHERE} could not be resolved (DNS)."),
    ("https://127.0.0.1:9", "The connection to 127.0.0.1:9 was refused"),
])
def test_the_relay_names_the_host(url: str, sentence: str) -> None:
    with RelayClient(url, "enrollment-token") as client, pytest.raises(RelayError) as caught:
        client.regions()
    assert caught.value.code == "relay.unreachable"
    assert sentence in render(caught.value.sentence)


def test_a_timeout_names_the_host() -> None:
    slow = LoopbackServer(Router(), name="slow", latency=2.0).start()
    try:
        with pytest.raises(httpx.TimeoutException) as caught:
            httpx.get(f"{slow.base_url}/", timeout=0.3)
    finally:
        slow.stop()
    failure = explain(caught.value)
    assert failure.code == "net.timeout"
    assert render(failure.sentence) == f"127.0.0.1:{slow.port} did not answer in time."
