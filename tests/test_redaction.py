"""Redaction masks every secret and nothing else; secrets are committed once; the log is private.

Before: each keystroke in the password field wrote the keyring and registered the
partial value (11 writes for "Sommer2024!", and "Sommerhaus" became "***haus"
in logs and reports); a Cronofy ``ser_…`` id printed as ``***``; bearer tokens,
JSON token fields, device codes and PKCE verifiers passed unmasked unless
registered; httpx wrote every request URL (OAuth state, login_hint) to a log
file anyone on the host could read, forever.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Input

from memory_keyring import MemoryKeyring
from ui_support import make_app, sandbox
from wizard.core import logfile, redact
from wizard.core.flow import Step
from wizard.core.secrets import SecretStore


@pytest.mark.parametrize(("text", "expected"), [
    ("GET /cb?state=abc&code=4/0AX-secret-code HTTP/1.1",
     "GET /cb?state=abc&code=*** HTTP/1.1"),
    ('{"access_token": "ya29.A0secret", "expires_in": 3599}',
     '{"access_token": "***", "expires_in": 3599}'),
    ('{"refresh_token":"1//0gsecret","id_token": "eyJsecret"}',
     '{"refresh_token":"***","id_token": "***"}'),
    ("{'device_code': 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS', 'interval': 5}",
     "{'device_code': '***', 'interval': 5}"),
    ("code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&grant_type=authorization_code",
     "code_verifier=***&grant_type=authorization_code"),
    ("Authorization: Bearer sbx-at-abcdef123", "Authorization: Bearer ***"),
    ("headers={'Authorization': 'Basic c3ZjOlBhc3N3b3Jk'}",
     "headers={'Authorization': 'Basic ***'}"),
    ("Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHgAAAA=", "Authorization: NTLM ***"),
    ("http://127.0.0.1:8000/?token=Qm9vcmFoLXNlcnZl", "http://127.0.0.1:8000/?token=***"),
])
def test_secret_shapes_are_masked_unregistered(text: str, expected: str) -> None:
    assert redact.scrub(text) == expected


@pytest.mark.parametrize("text", [
    '"service_account_id": "ser_5a1dbbx0c0ffee"',
    "state=7Yk2x9 user_code=ABCD-EFGH pageToken=200",
    '{"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}',
    "Meeting room Sommerhaus, Raum Elbe <elbe@demo.example.com>",
    "WWW-Authenticate: NTLM, Basic realm=\"sandbox\"",
    "ErrorCode=ErrorImpersonateUserDenied; the password field is empty",
])
def test_identifiers_and_ordinary_text_stay(text: str) -> None:
    redact.register("Sommer2024!")
    assert redact.scrub(text) == text


async def test_a_typed_password_is_committed_once(memory_keyring: MemoryKeyring) -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        # A keyring-backed store, as outside the demo (the demo's own keeps secrets in
        # memory and never touches the keyring).
        app = make_app(box, provider="exchange", step=Step.PREPARE, secrets=SecretStore())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            memory_keyring.writes.clear()
            await pilot.click("#field-password")
            field = app.screen.query_one("#field-password", Input)
            await pilot.press("end", *["backspace"] * len(field.value), *"Sommer2024!")
            await pilot.pause()
            assert memory_keyring.writes == []  # typing is not committing
            await pilot.press("tab")  # leaving the field commits it
            await settle(pilot)
            written = [w for w in memory_keyring.writes if w[1].endswith("exchange.password")]
            assert len(written) == 1
            assert memory_keyring.store[written[0]] == "Sommer2024!"
            assert redact.scrub("Meeting room Sommerhaus") == "Meeting room Sommerhaus"
            assert redact.scrub("pw Sommer2024!") == "pw ***"


async def test_a_draft_password_survives_ctrl_l_uncommitted(memory_keyring: MemoryKeyring
                                                            ) -> None:
    with sandbox("healthy", services=("exchange",)) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, secrets=SecretStore())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#field-password")
            field = app.screen.query_one("#field-password", Input)
            await pilot.press("end", *["backspace"] * len(field.value), *"Draft-42x")
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert app.screen.query_one("#field-password", Input).value == "Draft-42x"
            assert "Draft-42x" not in memory_keyring.store.values()
            await pilot.click("#recheck")  # a check starts: now it is committed
            await settle(pilot)
            assert "Draft-42x" in memory_keyring.store.values()


def test_connect_json_shows_the_service_account_id(capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.cli import main

    assert main(["--lang", "en", "connect", "--scenario", "healthy", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["connection"]["service_account_id"] == "ser_5a1dbbx0c0ffee"


def _google_check(tmp_path: Path, *extra: str) -> str:
    env = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
           "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "check", "google",
                             "--scenario", "healthy", "--confirm", "cronofy_app", *extra],
                            capture_output=True, text=True,
                            env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return (tmp_path / "state" / "roomcal.log").read_text(encoding="utf-8")


def test_http_clients_stay_out_of_the_log_unless_verbose(tmp_path: Path) -> None:
    quiet = _google_check(tmp_path / "quiet")
    assert "HTTP Request:" not in quiet and "login_hint" not in quiet
    verbose = _google_check(tmp_path / "verbose", "--verbose")
    assert "HTTP Request:" in verbose  # the requests are there for support …
    assert "code=***" in verbose or "code=" not in verbose  # … scrubbed


def test_the_log_is_private_and_rotated(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    directory.mkdir()
    old = logfile.path(directory)
    old.write_text("from an older roomcal\n", encoding="utf-8")
    old.chmod(0o644)
    root = logging.getLogger()
    try:
        assert logfile.setup(directory) == old
        assert stat.S_IMODE(old.stat().st_mode) == 0o600
        chatter = logging.getLogger("roomcal.test")
        for _ in range(logfile.MAX_BYTES // 500 * (logfile.BACKUPS + 2)):
            chatter.warning("x" * 500)
        files = sorted(directory.iterdir())
        assert [f.name for f in files] == ["roomcal.log", "roomcal.log.1", "roomcal.log.2",
                                           "roomcal.log.3"]
        assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
        assert all(f.stat().st_size <= logfile.MAX_BYTES + 1000 for f in files)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "roomcal", False)]:
            root.removeHandler(handler)
            handler.close()
