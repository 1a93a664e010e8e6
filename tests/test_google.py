"""Google sign-in over SSH: loopback and pasted URLs, state and PKCE, refresh, tokens kept secret.

The "browser" is ``wizard.sandbox.browser``: it asks the sandbox's authorize
page for a code and either delivers the final redirect to the wizard's
loopback port (as ``ssh -L`` would) or hands the URL back for pasting.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError
from scenes import settle

from ui_support import make_app
from wizard import providers
from wizard.connect.oauth_loopback import RedirectServer
from wizard.core.errors import UserFacingError
from wizard.core.flow import Step
from wizard.core.interaction import SignInRequest
from wizard.core.model import CheckContext, Status, render
from wizard.core.runner import collect
from wizard.core.secrets import SecretStore
from wizard.providers.google.checks import REFRESH_KEY, SCOPES
from wizard.providers.google.sandbox import client_config
from wizard.sandbox import Sandbox, browser
from wizard.sandbox.scenario import Scenario


class Browser:
    """An Interaction that signs in like a person would: through the loopback, or pasting."""

    def __init__(self, box: Sandbox, *, paste: bool = False, tamper_state: bool = False) -> None:
        self.box, self.paste, self.tamper_state = box, paste, tamper_state
        self.requests: list[SignInRequest] = []
        self.notes: list[str] = []

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        self.requests.append(request)
        pasted: queue.Queue[str] = queue.Queue()
        final = browser.follow(request.url, self.box.ports(),
                               ca_bundle=self.box.endpoints.ca_bundle)
        if self.tamper_state:  # an older attempt's URL first: must be refused, not used
            pasted.put(re.sub(r"state=[^&]+", "state=forged", final))
        if self.paste:
            pasted.put(final)
        else:
            import httpx

            httpx.get(final, timeout=10)
        return pasted

    def end_sign_in(self) -> None:
        pass

    def notify(self, text: object) -> None:
        self.notes.append(render(text))  # type: ignore[arg-type]


@pytest.fixture
def google() -> Iterator[Sandbox]:
    box = Sandbox("healthy").start(("google",))
    yield box
    box.stop()


def run(box: Sandbox, interaction: Browser, store: SecretStore) -> dict:
    ctx = CheckContext(values={"port": "0"}, secrets=box.secrets("google"),
                       endpoints=box.endpoints, interaction=interaction)
    ctx.shared.update(secret_store=store, profile="p")
    return asyncio.run(collect(providers.get("google").plugin().checks, ctx))


def test_loopback_sign_in_then_refresh_token_reused(google: Sandbox) -> None:
    store = SecretStore()
    first = Browser(google)
    results = run(google, first, store)
    assert results["sign_in"].status == Status.PASS, results["sign_in"]
    assert results["rooms"].status == Status.PASS
    assert len(first.requests) == 1 and first.requests[0].port  # the ssh -L port is shown
    assert store.get("p", REFRESH_KEY) in google.services["google"].state.refresh
    again = Browser(google)
    assert run(google, again, store)["sign_in"].status == Status.PASS
    assert again.requests == []  # the refresh token signed in silently


def test_pasted_url_signs_in_and_forged_state_is_refused(google: Sandbox) -> None:
    interaction = Browser(google, paste=True, tamper_state=True)
    results = run(google, interaction, SecretStore())
    assert results["sign_in"].status == Status.PASS, results["sign_in"]
    assert any("state mismatch" in note for note in interaction.notes)


def _revoke(state: Any, _token: str) -> None:
    state.section["revoked_refresh"] = True  # the token endpoint answers invalid_grant


def _narrow(state: Any, token: str) -> None:
    state.refresh[token] = " ".join(SCOPES[:3])  # granted before roomcal needed resources


@pytest.mark.parametrize(("spoil", "why"), [
    (_revoke, "expired or was revoked"),
    (_narrow, "permissions the stored sign-in lacks"),
], ids=["invalid_grant", "scope-changed"])
def test_unusable_refresh_token_falls_back_to_a_fresh_sign_in(
        google: Sandbox, spoil: Any, why: str) -> None:
    store = SecretStore()
    run(google, Browser(google), store)
    spoil(google.services["google"].state, store.get("p", REFRESH_KEY))
    interaction = Browser(google)
    result = run(google, interaction, store)["sign_in"]
    assert result.status == Status.PASS
    assert why in render(result.remedy)
    assert len(interaction.requests) == 1  # signed in afresh, and said why


def test_revoked_access_token_forgets_the_refresh_token(google: Sandbox) -> None:
    store = SecretStore()
    run(google, Browser(google), store)
    google.services["google"].state.section["unauthorized"] = True
    results = run(google, Browser(google), store)
    assert results["admin_api"].status == Status.FAIL
    assert store.get("p", REFRESH_KEY) is None  # the re-check signs in afresh


def test_wrong_pkce_verifier_is_rejected(google: Sandbox) -> None:
    from google_auth_oauthlib.flow import Flow

    config = client_config(google.endpoints.google_auth_url, google.endpoints.google_token_url)

    def code(flow: Flow) -> str:
        flow.redirect_uri = "http://127.0.0.1:9/"
        url, _state = flow.authorization_url()
        final = browser.follow(url, google.ports(), ca_bundle=google.endpoints.ca_bundle)
        return re.search(r"code=([^&]+)", final).group(1)  # type: ignore[union-attr]

    flow = Flow.from_client_config(config, scopes=SCOPES, autogenerate_code_verifier=True)
    stolen = code(flow)
    flow.code_verifier = "x" * 64  # an attacker's verifier, not the one hashed into the URL
    with pytest.raises(InvalidGrantError):
        flow.fetch_token(code=stolen, verify=google.endpoints.ca_bundle)
    honest = Flow.from_client_config(config, scopes=SCOPES, autogenerate_code_verifier=True)
    token = honest.fetch_token(code=code(honest), verify=google.endpoints.ca_bundle)
    assert token["access_token"].startswith("ya29.")


def test_redirect_server_binds_loopback_only() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        with pytest.raises(ValueError):
            RedirectServer(host=host)
    with RedirectServer() as server:
        assert server.redirect_uri.startswith("http://127.0.0.1:")


def test_port_in_use_is_a_sentence() -> None:
    with RedirectServer() as taken, pytest.raises(UserFacingError) as info:
        RedirectServer(port=taken.port).start()
    assert str(taken.port) in render(info.value.sentence) + render(info.value.remedy)


def test_cli_keeps_tokens_out_of_output_log_profile_and_report(tmp_path: Path) -> None:
    env = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
           "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "--lang", "en", "check", "google", "--scenario",
         "healthy", "--confirm", "cronofy_app", "--report", str(report)],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ssh -L" in result.stderr  # the port-forward line for jump hosts
    texts = [result.stdout, result.stderr, report.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()
              and p != report]
    assert (tmp_path / "state" / "roomcal.log").exists()
    for text in texts:
        assert "ya29." not in text and "1//" not in text  # access and refresh tokens
        assert not re.search(r"code=(?!\*\*\*)", text)  # the code only redacted


async def test_tui_keeps_tokens_out_of_profile_screen_and_report(tmp_path: Path) -> None:
    from wizard.cli import main

    box = Sandbox("healthy").start(("google",))
    try:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.session.results["sign_in"].status == Status.PASS
            screen = app.export_screenshot()
        state = box.services["google"].state
        secrets = [*state.tokens, *state.refresh]
        assert secrets
        report = tmp_path / "report.json"
        assert main(["report", "--demo", "--profile", "test", "-o", str(report)]) == 0
        config = Path(os.environ["ROOMCAL_CONFIG_DIR"])
        files = "".join(p.read_text(encoding="utf-8") for p in config.rglob("*") if p.is_file())
        for secret in secrets:
            assert secret not in files + screen + report.read_text(encoding="utf-8")
    finally:
        box.stop()


def test_client_file_is_remembered_in_the_keyring(google: Sandbox, tmp_path: Path) -> None:
    import json

    from wizard.providers.google.checks import CLIENT_KEY

    config = client_config(google.endpoints.google_auth_url, google.endpoints.google_token_url)
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    store = SecretStore()
    checks = providers.get("google").plugin().checks
    first = CheckContext(values={"port": "0", "client_secrets": str(path)}, secrets={},
                         endpoints=google.endpoints, interaction=Browser(google))
    first.shared.update(secret_store=store, profile="p")
    assert asyncio.run(collect(checks, first))["rooms"].status == Status.PASS
    assert store.get("p", CLIENT_KEY)
    path.unlink()  # gone from the jump host: the keyring still has it
    again = CheckContext(values={"port": "0"}, secrets={}, endpoints=google.endpoints,
                         interaction=Browser(google))
    again.shared.update(secret_store=store, profile="p")
    assert asyncio.run(collect(checks, again))["sign_in"].status == Status.PASS


def test_rooms_are_read_page_by_page() -> None:
    """600 rooms in pages of 50 (the Directory API's pages hold at most 500)."""
    box = Sandbox(Scenario("big", data={"rooms": {"count": 600},
                                        "google": {"page_size": 50}})).start(("google",))
    try:
        result = run(box, Browser(box), SecretStore())["rooms"]
        assert result.status == Status.PASS
        assert len(result.items) == 600
        assert len({item.key for item in result.items}) == 600
    finally:
        box.stop()


def test_unreadable_client_file_is_a_sentence(google: Sandbox, tmp_path: Path) -> None:
    broken = tmp_path / "client.json"
    broken.write_text("{not json", encoding="utf-8")
    ctx = CheckContext(values={"port": "0", "client_secrets": str(broken)},
                       secrets=google.secrets("google"), endpoints=google.endpoints,
                       interaction=Browser(google))
    ctx.shared.update(secret_store=SecretStore(), profile="p")
    result = asyncio.run(collect(providers.get("google").plugin().checks, ctx))["sign_in"]
    assert result.status == Status.FAIL
    assert "client.json cannot be read" in render(result.detail)
    assert "Desktop app" in render(result.remedy)
