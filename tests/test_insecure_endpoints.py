"""An ``http://`` address for a sign-in, token or API endpoint is one sentence naming the setting.

Such an address would carry client secrets, authorization codes and bearer
tokens in clear text; oauthlib refuses it mid-sign-in (InsecureTransportError),
which used to end in "Unexpected error". The configuration is refused up front.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from wizard.core.endpoints import InsecureEndpointError
from wizard.core.errors import describe
from wizard.core.model import render
from wizard.core.settings import Settings
from wizard.providers.google.sandbox import client_config
from wizard.sandbox import Sandbox, browser

HTTP_TOKEN_URL = "http://127.0.0.1:9/token"


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    return {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
            "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **overrides}


def test_check_google_with_an_http_token_url_is_one_sentence(tmp_path: Path) -> None:
    """The real path (no --scenario): the sandbox only plays Google's sign-in page."""
    box = Sandbox("healthy").start(("google",))
    try:
        client = tmp_path / "client.json"
        client.write_text(json.dumps(client_config(box.endpoints.google_auth_url,
                                                   HTTP_TOKEN_URL)), encoding="utf-8")
        env = _env(tmp_path, ROOMCAL_GOOGLE_AUTH_URL=box.endpoints.google_auth_url,
                   ROOMCAL_GOOGLE_TOKEN_URL=HTTP_TOKEN_URL,
                   ROOMCAL_GOOGLE_API_URL=box.endpoints.google_api_url)
        process = subprocess.Popen(
            [sys.executable, "-m", "wizard", "--lang", "en", "check", "google",
             "--client-secrets", str(client), "--port", "0", "--json"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env)
        watchdog = threading.Timer(90, process.kill)
        watchdog.start()
        err = ""
        assert process.stderr is not None and process.stdout is not None
        for line in process.stderr:
            err += line
            if line.startswith("https://"):  # got as far as the sign-in: be the browser
                browser.complete(line.strip(), box.ports(), ca_bundle=box.endpoints.ca_bundle)
        out = process.stdout.read()
        code = process.wait()
        watchdog.cancel()
    finally:
        box.stop()
    assert "Traceback" not in out + err
    assert "Unexpected error" not in out + err, out + err
    assert code == 2, out + err
    assert "The Google token URL must use https" in err
    assert "ROOMCAL_GOOGLE_TOKEN_URL" in err


@pytest.mark.parametrize("command", [["connect", "--accept-terms", "--json"], []],
                         ids=["connect", "tui"])
def test_other_commands_refuse_an_http_endpoint_before_starting(
        command: list[str], tmp_path: Path) -> None:
    env = _env(tmp_path, ROOMCAL_CRONOFY_API_URL="http://127.0.0.1:9/{region}",
               ROOMCAL_RELAY_TOKEN="token")
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", *command],
                            capture_output=True, text=True, env=env, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "The Cronofy API URL must use https" in result.stderr
    assert "ROOMCAL_CRONOFY_API_URL" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["http://proxy.example/token", "oauth2.googleapis.com/token",
                                   "ftp://x/token", "https:///token"])
def test_only_https_addresses_with_a_host_are_accepted(value: str) -> None:
    with pytest.raises(InsecureEndpointError) as refused:
        Settings.from_env({"ROOMCAL_GOOGLE_TOKEN_URL": value})
    assert "ROOMCAL_GOOGLE_TOKEN_URL" in render(refused.value.sentence)
    assert "ROOMCAL_GOOGLE_TOKEN_URL" in render(refused.value.remedy)


def test_credentials_in_a_refused_address_are_not_repeated() -> None:
    with pytest.raises(InsecureEndpointError) as refused:
        Settings.from_env({"ROOMCAL_GRAPH_URL": "http://user:hunter2@proxy.example/?key=k3y"})
    shown = render(refused.value.sentence)
    assert "hunter2" not in shown and "k3y" not in shown
    assert "proxy.example" in shown


def test_https_overrides_and_a_loopback_http_autodiscover_are_fine() -> None:
    endpoints = Settings.from_env({
        "ROOMCAL_GOOGLE_TOKEN_URL": "https://proxy.example/token/",
        "ROOMCAL_CRONOFY_API_URL": "https://proxy.example/{region}",
        # Autodiscover gets the password: plain http only on this machine (the sandbox).
        "ROOMCAL_AUTODISCOVER_URL": "http://127.0.0.1:8080/autodiscover",
    }).endpoints
    assert endpoints.google_token_url == "https://proxy.example/token"
    with pytest.raises(InsecureEndpointError) as refused:  # not even inside a LAN
        Settings.from_env({"ROOMCAL_AUTODISCOVER_URL": "http://mail.example.local/ad"})
    assert "ROOMCAL_AUTODISCOVER_URL" in render(refused.value.sentence)


def test_oauthlib_refusal_is_a_sentence_as_a_safety_net() -> None:
    from oauthlib.oauth2.rfc6749.errors import InsecureTransportError

    sentence, remedy = describe(InsecureTransportError())
    assert "Unexpected error" not in render(sentence)
    assert "https" in render(sentence)
    assert "ROOMCAL_GOOGLE_TOKEN_URL" in render(remedy)
