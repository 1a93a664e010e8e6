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
import re
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

    assert main(["--lang", "en", "connect", "--accept-terms", "--scenario", "healthy",
                 "--json"]) == 0
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


NTLM_BLOB = re.compile(r"TlRMTVNTUA[A-Za-z0-9+/=]{8,}")  # base64 of "NTLMSSP\0"


def test_verbose_ntlm_sign_in_leaves_no_ntlm_message_in_the_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real NTLM handshake with the sandbox's EWS under --verbose: the negotiate, the
    server's challenge and the client's response (together an offline-crackable hash of
    the service account's password) never reach the log. Before: pyspnego logged each
    ("NTLM step output: TlRMTVNTUAAD…") once verbose lifted it to DEBUG."""
    from wizard.cli import main

    monkeypatch.setenv("ROOMCAL_STATE_DIR", str(tmp_path / "state"))
    root = logging.getLogger()
    try:
        assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy",
                     "--auth", "ntlm", "--verbose"]) == 0
    finally:
        for handler in [h for h in root.handlers if getattr(h, "roomcal", False)]:
            root.removeHandler(handler)
            handler.close()
    log = (tmp_path / "state" / "roomcal.log").read_text(encoding="utf-8")
    assert "Request headers" in log and "'Authorization': 'NTLM ***'" in log  # verbose, NTLM
    assert NTLM_BLOB.findall(log) == []
    assert "spnego" not in log  # its DEBUG lines are the messages themselves


@pytest.mark.parametrize(("text", "expected"), [
    ("NTLM step output: TlRMTVNTUAADAAAAGAAYAFgAAACmAKYAcAAAAAAAAAAWAQAAOAA4ABYBAAAE",
     "NTLM step output: ***"),
    ("WWW-Authenticate: NTLM TlRMTVNTUAACAAAABAAEADgAAAA1gorid02Rg/FFresAAAAA==",
     "WWW-Authenticate: NTLM ***"),
    ("{'www-authenticate': 'Negotiate oYIBJzCCASOgAwoBAaKCAQYEggECTlRMTVNTUAAC'}",
     "{'www-authenticate': 'Negotiate ***'}"),
    ("Kerberos token YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACjggSa",
     "Kerberos token ***"),
    ("msg=b'TlRMTVNTUAABAAAAN4II4gAAAAAoAAAAAAAAACgAAAAADAQAAAAADw=='",
     "msg=b'***'"),
])
def test_ntlm_negotiate_and_kerberos_blobs_are_masked(text: str, expected: str) -> None:
    assert redact.scrub(text) == expected


def _weak_password_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str], password: str) -> tuple[str, str]:
    """``check exchange --json --report`` with ROOMCAL_PASSWORD=``password`` (the server's
    too), rooms named like it: (stdout, the report)."""
    from wizard.cli import main

    scenario = tmp_path / "weak.toml"
    scenario.write_text(f'''
description.en = "A weak password"
[[rooms.list]]
name = "Sommerhaus"
email = "sommerhaus@demo.example.com"
[[rooms.list]]
name = "{password}"
email = "{password.lower()}@demo.example.com"
[exchange]
password = "{password}"
''', encoding="utf-8")
    monkeypatch.setenv("ROOMCAL_PASSWORD", password)
    report = tmp_path / "report.json"
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(scenario), "--json",
                 "--report", str(report)]) == 0
    return capsys.readouterr().out, report.read_text(encoding="utf-8")


@pytest.mark.parametrize("password", ["demo", "Sommer"])
def test_a_weak_password_mangles_nothing_and_reveals_nothing(
        password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ROOMCAL_PASSWORD=demo made the account svc-cronofy@***.example.com in the
    report and the JSON — and so told the reader the password; "Sommer" made the room
    "Sommerhaus" "***haus", and a room called "Sommer" "***" (an oracle: name rooms after
    guesses, read the report). Identifiers are never masked by value, and a guessable
    secret is masked nowhere: masking it could only point at it."""
    out, report = _weak_password_check(tmp_path, monkeypatch, capsys, password)
    for text in (out, report):
        assert redact.MASK not in text
        assert "svc-cronofy@demo.example.com" in text
        assert "Sommerhaus" in text and f'"{password}"' in text  # the room of that name
        # … and the password is nowhere else: not written is what keeps it out.
        for named in (f'"{password}"', f"{password.lower()}@demo.example.com",
                      "demo.example.com", "Sommerhaus", "sommerhaus"):
            text = text.replace(named, "")
        assert password not in text
    data = json.loads(report)
    assert data["connection"].get("account", "svc-cronofy@demo.example.com") == \
        "svc-cronofy@demo.example.com"
    assert data["inputs"]["exchange"]["username"] == "svc-cronofy@demo.example.com"


@pytest.mark.parametrize(("text", "expected"), [
    ("login failed for Sommer2024!x", "login failed for ***"),
    ("'Sommer2024!x' was refused.", "'***' was refused."),
    ("pw=Sommer2024!x&user=svc", "pw=***&user=svc"),
    (r"sent b'Sommer2024!x\r\n'", r"sent b'***\r\n'"),  # a repr's escapes
    ("https://svc:Sommer2024!x@mail.example.com/EWS", "https://svc:***@mail.example.com/EWS"),
    ("Sommer2024!xyz and xSommer2024!x stay", "Sommer2024!xyz and xSommer2024!x stay"),
])
def test_a_strong_secret_is_masked_where_it_stands_as_a_token(text: str, expected: str) -> None:
    redact.register("Sommer2024!x")
    assert redact.scrub(text) == expected


@pytest.mark.parametrize("secret", ["demo", "Sommer", "password", "12345678", "Sommerhaus"])
def test_a_guessable_secret_is_not_masked_by_value(secret: str) -> None:
    """Masking it would not hide it (anyone can guess it) but point at it."""
    redact.register(secret)
    for text in (f"the {secret} scenario", f"svc@{secret.lower()}.example.com"):
        assert redact.scrub(text) == text
