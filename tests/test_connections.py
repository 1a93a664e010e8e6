"""Connections are kept alive, and a TLS context is made once per trust store.

A client per request (each room's included) opened a connection and did a TLS handshake
before every request — two round trips to Google or Graph, the handshake's CPU on both
ends. Counted at the sandbox's servers: the connections its clients opened.

Making a TLS context reads its CA certificates — the system's bundle is ~25 ms of CPU —
and the checks made one, or let httpx make one, for every request, each room's included. Counted
here where httpx and the wizard make them (ssl.create_default_context), while real checks
run against the sandbox. (requests, under exchangelib and MSAL, reads its bundle once per
pooled connection: its own, and kept alive.)
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest

from wizard.cli import main
from wizard.core import tls
from wizard.sandbox import Sandbox
from wizard.sandbox.tls import make_tls


@pytest.fixture
def sandboxes(monkeypatch: pytest.MonkeyPatch) -> list[Sandbox]:
    """Every sandbox started (by `roomcal check --scenario`), to count at its servers."""
    started: list[Sandbox] = []
    original = Sandbox.start

    def start(self: Sandbox, *args: Any, **kwargs: Any) -> Sandbox:
        started.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Sandbox, "start", start)
    return started


@pytest.mark.parametrize("provider", ["google", "microsoft365"])
def test_a_check_run_keeps_its_connections_alive(provider: str, sandboxes: list[Sandbox],
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    tenant = tmp_path / "sixty-rooms.toml"
    tenant.write_text("[rooms]\ncount = 60\n", encoding="utf-8")
    assert main(["--lang", "en", "check", provider, "--scenario", str(tenant), "--json"]) == 0
    capsys.readouterr()
    service = sandboxes[0].services[provider]
    requests = sum(len(server.requests) for server in service.servers)
    connections = sum(server.connections for server in service.servers)
    # Each room's calendar is read (and more): before, one connection per request.
    assert requests > 60, requests
    assert connections < requests / 4, (connections, requests)


@pytest.fixture
def contexts_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every TLS context made with CA certificates read, by what it trusts."""
    made: list[str] = []
    original = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(str(kwargs.get("cafile") or kwargs.get("capath") or "the system's"))
        return original(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    return made


@pytest.mark.parametrize("provider", ["google", "microsoft365"])
def test_a_check_run_reads_each_bundle_once(provider: str, contexts_made: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", provider, "--scenario", "healthy", "--json"]) == 0
    capsys.readouterr()
    # The sandbox's CA (new for each sandbox) and at most the default store, once each:
    # before, one per request — the sign-in's, every API call's and every room's.
    assert len(contexts_made) == len(set(contexts_made)) <= 2, contexts_made


def test_the_same_bundle_is_the_same_context(tmp_path: Path) -> None:
    material = make_tls(_dir(tmp_path, "one"))
    assert tls.context(str(material.ca_pem)) is tls.context(str(material.ca_pem))
    assert tls.context() is tls.context()
    assert tls.context() is not tls.context(str(material.ca_pem))


def test_a_bundle_replaced_on_disk_is_read_again(tmp_path: Path) -> None:
    first, second = make_tls(_dir(tmp_path, "one")), make_tls(_dir(tmp_path, "two"))
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(first.ca_pem.read_bytes())
    before = tls.context(str(bundle))
    bundle.write_bytes(second.ca_pem.read_bytes() + b"\n")
    assert tls.context(str(bundle)) is not before


def test_the_default_follows_ssl_cert_file(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    material = make_tls(_dir(tmp_path, "one"))
    monkeypatch.setenv("SSL_CERT_FILE", str(material.ca_pem))
    only_the_sandbox = tls.context()
    assert len(only_the_sandbox.get_ca_certs()) == 1  # what httpx would trust, too
    monkeypatch.delenv("SSL_CERT_FILE")
    assert tls.context() is not only_the_sandbox


def test_a_missing_bundle_is_an_error_as_before(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tls.context(str(tmp_path / "nowhere.pem"))


def _dir(parent: Path, name: str) -> Path:
    (parent / name).mkdir()
    return parent / name
