"""Throttled answers whose Retry-After is not a plain number, through the real CLI.

RFC 9110 lets Retry-After be an HTTP-date, and proxies send worse. The sandbox's
429s carry what the scenario's ``retry_after`` key says; the checks must wait (a
bounded time) and recover, never end in "Unexpected error". Cronofy's rows live
in tests/test_cronofy.py's CASES table (the link path).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main

RETRY_AFTER = ["http-date", "soon", "NaN", "-5"]


def _scenario(tmp_path: Path, service: str, throttled: int, retry_after: str) -> str:
    path = tmp_path / "throttled.toml"
    path.write_text(f"[rooms]\ncount = 3\n\n[{service}]\nthrottle_requests = {throttled}\n"
                    f"retry_after = {json.dumps(retry_after)}\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("retry_after", RETRY_AFTER)
@pytest.mark.parametrize(("provider", "service", "last"), [
    ("microsoft365", "microsoft365", "calendar_access"),
    ("google", "google", "rooms"),
])
def test_throttled_checks_recover_whatever_retry_after_says(
        provider: str, service: str, last: str, retry_after: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # One throttled answer: the value's form is what is under test, and every form here
    # means a real wait of about a second (the default wait, or the date a second ahead);
    # how several waits add up within one budget is tests/test_retry_policy.py's.
    scenario = _scenario(tmp_path, service, 1, retry_after)
    confirm = ["--confirm", "cronofy_app"] if provider == "google" else []
    code = main(["--lang", "en", "check", provider, "--scenario", scenario, "--json", *confirm])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "Unexpected error" not in out, out
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert code == 0, out
    assert checks["sign_in"]["status"] == "pass"
    assert checks[last]["status"] == "pass"


def test_exchange_that_stays_busy_fails_after_the_shared_budget(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.core.retry import MAX_RETRIES

    path = tmp_path / "busy.toml"
    path.write_text("[rooms]\ncount = 2\n\n[exchange]\nbusy_requests = 999\n"
                    "busy_back_off_ms = 50\n", encoding="utf-8")
    code = main(["--lang", "en", "check", "exchange", "--scenario", str(path), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    credentials = {c["id"]: c for c in json.loads(out)["checks"]}["credentials"]
    assert code == 1 and credentials["status"] == "fail"
    assert f"stayed busy (ErrorServerBusy) after {MAX_RETRIES + 1} attempts" in \
        credentials["detail"], credentials
