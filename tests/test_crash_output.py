"""A crash shows one scrubbed sentence and the log's path; the traceback goes to the log.

Textual's own crash report is a Rich traceback with local variables: after a
crash, a password held in a local variable stood on screen and in the
scrollback of a shared tmux. The app runs for real here — in a pseudo-terminal,
as over SSH — with a bug planted in a screen that holds a secret in a local
variable and in its exception's message.
"""

from __future__ import annotations

import os
import pty
import secrets
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

PLANTED_BUG = """
import sys
from wizard.core import redact
from wizard.ui.screens import welcome

SECRET = sys.argv.pop()

def after_paint(self):
    password = SECRET  # a local variable, as in a screen holding the password
    redact.register(password)  # as the wizard registers every secret it is given
    raise RuntimeError("could not use " + password)

welcome.WelcomeScreen.after_paint = after_paint
from wizard.cli import run
run()
"""


def _run_in_terminal(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run a command on a pseudo-terminal; (exit code, everything it wrote)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, env=env,
                               close_fds=True)
    os.close(follower)
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=10), output.decode("utf-8", "replace")


def test_tui_crash_shows_a_sentence_not_a_traceback_with_locals(tmp_path: Path) -> None:
    secret = "CrashSecret-" + secrets.token_urlsafe(12)
    state = tmp_path / "state"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24",
           "ROOMCAL_STATE_DIR": str(state), "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    code, shown = _run_in_terminal(
        [sys.executable, "-c", PLANTED_BUG, "--lang", "en", "demo", secret], env)
    assert code == 70, shown[-2000:]
    assert secret not in shown
    assert "locals" not in shown and "Traceback" not in shown
    assert "internal error (RuntimeError)" in shown
    log = state / "roomcal.log"
    assert str(log) in shown.replace("\r\n", "").replace("\n", "")
    logged = log.read_text(encoding="utf-8")
    assert "RuntimeError" in logged and "after_paint" in logged  # the traceback, for support
    assert secret not in logged  # scrubbed, and no local variables


def test_cli_crash_is_a_sentence_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.cli import main
    from wizard.commands import report
    from wizard.core import redact

    secret = "CrashSecret-" + secrets.token_urlsafe(12)
    redact.register(secret)

    def broken(args: object, settings: object) -> int:
        token = secret  # noqa: F841 — a local variable that must not be shown
        raise KeyError(f"lost {secret}")

    monkeypatch.setattr(report, "run_report", broken)
    assert main(["--lang", "en", "report"]) == 70
    out, err = capsys.readouterr()
    assert "internal error (KeyError)" in err
    assert secret not in out + err and "Traceback" not in out + err
