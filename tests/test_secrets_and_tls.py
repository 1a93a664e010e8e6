"""Passwords stay secret; CA bundles are honoured whatever the jump host's environment says.

The secret here is random per test, the sandbox expects it, and the wizard
is driven like a person would: the CLI with ROOMCAL_PASSWORD in a fresh
process (its own log file), the TUI with the password typed into the form.
Afterwards no output, log, profile or report may contain it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
from scenes import settle
from textual.widgets import Input

from ui_support import make_app
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.sandbox import Sandbox
from wizard.sandbox.scenario import Scenario


@pytest.fixture
def secret() -> str:
    return "S3cr3t-" + secrets.token_urlsafe(12)


@pytest.fixture
def exchange(secret: str) -> Iterator[Sandbox]:
    box = Sandbox(Scenario("secret", data={"exchange": {"password": secret}})).start(
        ("exchange",))
    yield box
    box.stop()


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
            "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"), "PYTHON_KEYRING_BACKEND":
            "keyring.backends.fail.Keyring", **env}
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if name not in env:
            full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", *args],
                          capture_output=True, text=True, env=full, timeout=120,
                          stdin=subprocess.DEVNULL)


def _exchange_args(box: Sandbox, *extra: str) -> list[str]:
    values = box.values("exchange")
    return ["check", "exchange", "--ews-url", values["ews_url"], "--username",
            values["username"], "--room-list", values["room_list"], *extra]


def _files_under(path: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_cli_password_reaches_server_but_no_output_log_or_report(
        exchange: Sandbox, secret: str, tmp_path: Path, auth: str) -> None:
    report = tmp_path / "report.json"
    result = _cli(_exchange_args(exchange, "--auth", auth, "--ca-bundle",
                                 str(exchange.endpoints.ca_bundle), "--report", str(report)),
                  tmp_path, ROOMCAL_PASSWORD=secret)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "state" / "roomcal.log").exists()
    for text in (result.stdout, result.stderr, report.read_text(encoding="utf-8"),
                 _files_under(tmp_path / "state"), _files_under(tmp_path / "config")):
        assert secret not in text


def test_cli_wrong_password_fails_fast_and_is_not_echoed(exchange: Sandbox, tmp_path: Path
                                                          ) -> None:
    wrong = "Wr0ng-" + secrets.token_urlsafe(12)
    result = _cli(_exchange_args(exchange, "--ca-bundle", str(exchange.endpoints.ca_bundle)),
                  tmp_path, ROOMCAL_PASSWORD=wrong)
    assert result.returncode == 1
    assert "HTTP 401" in result.stdout
    assert wrong not in result.stdout + result.stderr + _files_under(tmp_path / "state")


def test_untrusted_certificate_is_one_sentence(exchange: Sandbox, secret: str,
                                               tmp_path: Path) -> None:
    result = _cli(_exchange_args(exchange), tmp_path, ROOMCAL_PASSWORD=secret)
    host = exchange.values("exchange")["ews_url"].split("/")[2]
    assert result.returncode == 1
    assert f"The TLS certificate of {host} is not trusted." in result.stdout
    assert "--ca-bundle" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_requests_ca_bundle_alone_is_honoured(exchange: Sandbox, secret: str,
                                              tmp_path: Path) -> None:
    result = _cli(_exchange_args(exchange), tmp_path, ROOMCAL_PASSWORD=secret,
                  REQUESTS_CA_BUNDLE=str(exchange.endpoints.ca_bundle))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_explicit_ca_bundle_beats_the_environment(exchange: Sandbox, secret: str,
                                                  tmp_path: Path, variable: str) -> None:
    # The jump host points the variable at the public CAs; the internal CA is given.
    result = _cli(_exchange_args(exchange, "--ca-bundle", str(exchange.endpoints.ca_bundle)),
                  tmp_path, ROOMCAL_PASSWORD=secret, **{variable: certifi.where()})
    assert result.returncode == 0, result.stdout


def test_unreadable_ca_bundle_is_a_sentence(exchange: Sandbox, secret: str,
                                            tmp_path: Path) -> None:
    result = _cli(_exchange_args(exchange, "--ca-bundle", str(tmp_path / "missing.pem")),
                  tmp_path, ROOMCAL_PASSWORD=secret)
    assert result.returncode == 2  # caught as bad input, before any connection
    assert "Traceback" not in result.stdout + result.stderr
    assert "missing.pem does not exist" in result.stderr


def test_microsoft365_ca_bundle_beats_requests_ca_bundle(tmp_path: Path) -> None:
    # msal (requests) and Graph (httpx) both get the bundle per request.
    result = _cli(["check", "microsoft365", "--scenario", "healthy", "--json"], tmp_path,
                  REQUESTS_CA_BUNDLE=certifi.where(), SSL_CERT_FILE=certifi.where())
    assert result.returncode == 0, result.stdout + result.stderr


async def test_tui_typed_password_never_reaches_profile_report_or_screen(
        exchange: Sandbox, secret: str, tmp_path: Path) -> None:
    from wizard.cli import main

    app = make_app(exchange, provider="exchange", step=Step.PREPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.session.results["credentials"].status == Status.FAIL  # demo password
        field = app.screen.query_one("#field-password", Input)
        field.value = secret
        await pilot.pause()
        await pilot.click("#recheck")  # now, rather than after the typing pause
        await settle(pilot)
        assert app.session.results["impersonation"].status == Status.PASS
        assert secret not in app.export_screenshot()
    config = Path(os.environ["ROOMCAL_CONFIG_DIR"])
    assert list(config.rglob("*.json")), "the profile was saved"
    assert secret not in _files_under(config)
    report = tmp_path / "report.json"
    assert main(["report", "--demo", "--profile", "test", "-o", str(report)]) == 0
    assert secret not in report.read_text(encoding="utf-8")
