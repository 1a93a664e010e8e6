"""Every step-1 sandbox scenario, through the CLI and through the TUI.

Each provider's package says what each of its sandbox scenarios must produce
(``scenarios.py``: the exit code, the status of the checks that matter, and a
phrase of the sentence the user reads); this test collects them through the
registry. The CLI runs ``roomcal check PROVIDER --scenario S --json`` in this
process, and its report is replayed (tests/test_replay.py); the TUI runs step 1 with
Pilot and reads the checklist widgets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scenes import click, settle
from test_replay import NOT_REPLAYED, replays_the_same
from textual.pilot import Pilot

from leaks import collect_secrets, files_text, find_leaks
from ui_support import make_app, sandbox
from wizard import providers
from wizard.cli import main
from wizard.core.flow import Step
from wizard.core.model import Status, render
from wizard.ui.app import WizardApp
from wizard.ui.widgets.check_item import CheckItem


@dataclass(frozen=True)
class Expect:
    provider: str
    scenario: str
    exit: int
    statuses: dict[str, str] = field(default_factory=dict)
    phrase: str = ""  # in the detail or remedy of the first check in ``statuses``

    @property
    def id(self) -> str:
        return f"{self.provider}-{self.scenario}"


def table() -> list[Expect]:
    """Every provider's rows (``<provider>/scenarios.py``), collected through the registry."""
    return [Expect(info.name, row.scenario, row.exit, dict(row.statuses), row.phrase)
            for info in providers.providers() if (rows := info.part("scenarios"))
            for row in rows.SCENARIOS]


TABLE = table()
# The 5 000-room row is the benchmarks' (benchmarks/checks.py runs it through the wizard for
# each service, with budgets for time, memory and stalls; 45 s of CPU here). The suite runs
# a large tenant of 1 200 rooms through the TUI instead (test_tui_a_large_tenant): past
# the 500 above which the per-room work moves to a worker process and the panels are
# sampled, at a quarter of the cost.
SUITE_TABLE = [e for e in TABLE if e.scenario != "many-rooms"]
LARGE_TENANT = 1200


def _text(check: dict) -> str:
    return f"{check['detail']} {check['remedy']}"


def _stored_files() -> dict[str, str]:
    """The log, the profiles: everything the wizard wrote under its own directories."""
    return files_text(Path(os.environ["ROOMCAL_STATE_DIR"]),
                      Path(os.environ["ROOMCAL_CONFIG_DIR"]))


@pytest.mark.parametrize("expect", SUITE_TABLE, ids=lambda e: e.id)
def test_cli(expect: Expect, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with collect_secrets() as secrets:
        code = main(["--lang", "en", "check", expect.provider, "--scenario", expect.scenario,
                     "--json", "--report", str(report)])
    out, err = capsys.readouterr()
    assert code == expect.exit, out + err
    assert "Traceback" not in out + err
    # The leak sweep: no password, token, code or client secret the sandbox saw.
    assert secrets
    assert find_leaks({"stdout": out, "stderr": err, **files_text(report), **_stored_files()},
                      secrets) == []
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    for check_id, status in expect.statuses.items():
        assert checks[check_id]["status"] == status, checks[check_id]
    if expect.phrase:
        first = next(iter(expect.statuses))
        assert expect.phrase in _text(checks[first]), checks[first]
    if expect.scenario not in NOT_REPLAYED:  # a support engineer replays this report
        replays_the_same(expect.provider, report, code,
                         {check_id: c["status"] for check_id, c in checks.items()}, capsys)


@pytest.mark.parametrize("expect", SUITE_TABLE, ids=lambda e: e.id)
async def test_tui(expect: Expect, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _tui_row(expect, tmp_path, capsys)


@pytest.mark.slow
async def test_tui_a_large_tenant(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The many-rooms row at 1 200 rooms: every room's calendar read as the service account
    (in the worker process), the count in the sentence as a person reads it; the panels
    and notifications read from a sample of 100 (ROOMCAL_ROOM_SAMPLE, 500 by default)."""
    from wizard.core.progress import grouped

    monkeypatch.setenv("ROOMCAL_ROOM_SAMPLE", "100")

    row = next(e for e in TABLE if e.provider == "exchange" and e.scenario == "many-rooms")
    large = tmp_path / "large-tenant.toml"
    large.write_text(f"[rooms]\ncount = {LARGE_TENANT}\n", encoding="utf-8")
    report = await _tui_row(Expect(row.provider, str(large), row.exit, row.statuses,
                                   f"all {grouped(LARGE_TENANT)} rooms"), tmp_path, capsys)
    checks = {check["id"]: check for check in report["checks"]}
    assert f"100 of {grouped(LARGE_TENANT)} rooms" in checks["notifications"]["detail"]


async def _tui_row(expect: Expect, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The row through the TUI; the report of the run, written afterwards."""
    with collect_secrets() as secrets, sandbox(expect.scenario) as box:
        app = make_app(box, provider=expect.provider, step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await _check_tui(expect, app, pilot)
            screen = app.export_screenshot()
    report = tmp_path / "report.json"
    assert main(["--lang", "en", "report", "--demo", "--profile", "test", "-o", str(report)]) == 0
    out, err = capsys.readouterr()
    assert find_leaks({"screen": screen, "stdout": out, "stderr": err, **files_text(report),
                       **_stored_files()}, secrets) == []
    return dict(json.loads(report.read_text(encoding="utf-8")))


async def _check_tui(expect: Expect, app: WizardApp, pilot: Pilot) -> None:
    await settle(pilot)
    results = app.session.results
    for check_id, status in expect.statuses.items():
        assert results[check_id].status == Status(status), results[check_id]
    first = next(iter(expect.statuses))
    item = app.screen.query_one(f"#check-{first}", CheckItem)
    shown = " ".join(str(w.render()) for w in item.query("Static"))
    if expect.phrase:
        assert expect.phrase in shown, shown
    # Problems open to show the fix; so does a confirmation still to give (its how).
    failing = Status(expect.statuses[first]) in (Status.FAIL, Status.WARN, Status.MANUAL)
    assert item.has_class("-expanded") == failing
    if failing:
        assert render(results[first].remedy) in shown.replace("\n", " ") or \
            results[first].remedy == ""


def test_cli_confirmation_completes_google(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "google", "--scenario", "healthy", "--confirm",
                 "cronofy_app", "--json"])
    payload = json.loads(capsys.readouterr().out)
    checks = {c["id"]: c for c in payload["checks"]}
    assert code == 0 and payload["ok"] is True
    assert checks["cronofy_app"]["status"] == "pass"


def test_cli_autodiscover_from_an_email(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--ews-url",
                 "svc-cronofy@demo.example.com", "--json"])
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert code == 0
    assert "Autodiscover found https://127.0.0.1:" in checks["endpoint"]["detail"]
    assert checks["impersonation"]["status"] == "pass"  # the discovered URL is used


def test_cli_autodiscover_failure_asks_for_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--ews-url",
                 "admin@elsewhere.example", "--json"])
    endpoint = json.loads(capsys.readouterr().out)["checks"][0]
    assert code == 1 and endpoint["status"] == "fail"
    assert "https://mail.elsewhere.example/EWS/Exchange.asmx" in endpoint["remedy"]


async def test_tui_autodiscover_then_partial_recheck() -> None:
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _retype(pilot, "#field-ews_url", "svc-cronofy@demo.example.com")
            await pilot.click("#recheck")
            await settle(pilot)
            results = app.session.results
            assert "Autodiscover found" in render(results["endpoint"].detail)
            assert all(r.status == Status.PASS for r in _run(results).values()), results
            # Typing, then the pause after it: only the room-list checks re-run.
            await _retype(pilot, "#field-room_list", "other@demo.example.com")
            await _until_checked(pilot, "room_list", Status.FAIL)
            await _retype(pilot, "#field-room_list", "rooms@demo.example.com")
            await _until_checked(pilot, "room_list", Status.PASS)
            # Again partial: the URL is discovered again, not the e-mail.
            results = _run(app.session.results)
            assert all(r.status == Status.PASS for r in results.values()), {
                key: (r.status, render(r.detail)) for key, r in results.items()
                if r.status != Status.PASS}


async def _retype(pilot: Pilot, selector: str, text: str) -> None:
    """Into the field, its text deleted, ``text`` typed — as a person does."""
    await click(pilot, selector)
    await pilot.press("end", "ctrl+u", *text)


async def _until_checked(pilot: Pilot, check_id: str, status: Status) -> None:
    """Until the re-check that follows typing (a second after the last key) has run: the
    check has ``status`` and no check of that run is still to come. (A slow key can let a
    re-check start halfway through the typing; the one after the last key replaces it.)"""
    for _attempt in range(100):
        await settle(pilot)
        results = pilot.app.session.results  # type: ignore[attr-defined]
        running = [key for key, r in results.items() if not r.status.done]
        if results[check_id].status == status and not running:
            return
        await pilot.pause(0.1)
    raise AssertionError(f"{check_id} never became {status} in a finished run")


def _run(results: dict[str, Any]) -> dict[str, Any]:
    """The results of the checks that ran: not an opt-in probe left off (its own SKIP)."""
    return {key: r for key, r in results.items()
            if not (r.status == Status.SKIP and r.code != "check.skipped")}


@pytest.mark.parametrize(("url", "phrase"), [
    ("https://roomcal-test.invalid/EWS/Exchange.asmx",
     "The host name roomcal-test.invalid could not be resolved"),
    ("https://127.0.0.1:9/EWS/Exchange.asmx", "The connection to 127.0.0.1:9 was refused"),
])
def test_cli_unreachable_server_is_a_sentence(url: str, phrase: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--ews-url", url,
                 "--json"])
    out, err = capsys.readouterr()
    endpoint = json.loads(out)["checks"][0]
    assert code == 1 and endpoint["status"] == "fail"
    assert phrase in endpoint["detail"] and endpoint["remedy"]
    assert "Traceback" not in out + err


def test_cli_timeout_is_a_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slow = tmp_path / "very-slow.toml"
    slow.write_text("latency_ms = 3000\n", encoding="utf-8")
    code = main(["--lang", "en", "check", "exchange", "--scenario", str(slow), "--timeout", "1",
                 "--json"])
    endpoint = json.loads(capsys.readouterr().out)["checks"][0]
    assert code == 1 and endpoint["status"] == "fail"
    assert endpoint["detail"].startswith("127.0.0.1:")  # the sandbox's EWS server, named
    assert endpoint["detail"].endswith(" did not answer in time.")
    assert "--timeout" in endpoint["remedy"]
