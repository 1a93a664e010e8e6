"""Every step-1 sandbox scenario, through the CLI and through the TUI.

One table says what each (provider, scenario) must produce: the exit code,
the status of the checks that matter, and a phrase of the sentence the user
reads. The CLI runs ``roomcal check PROVIDER --scenario S --json`` in this
process; the TUI runs step 1 with Pilot and reads the checklist widgets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from scenes import settle
from textual.pilot import Pilot

from leaks import collect_secrets, files_text, find_leaks
from ui_support import make_app, sandbox
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


TABLE = [
    # Exchange Server
    Expect("exchange", "healthy", 0, {"impersonation": "pass"}, "can impersonate all 6"),
    Expect("exchange", "wrong-password", 1, {"credentials": "fail", "rooms": "skip"},
           "HTTP 401"),
    Expect("exchange", "impersonation-denied", 1, {"impersonation": "fail"},
           "ApplicationImpersonation"),
    Expect("exchange", "no-room-list", 1, {"room_list": "fail"}, "no room list yet"),
    Expect("exchange", "unknown-room-list", 1, {"room_list": "fail"}, "is not a room list"),
    Expect("exchange", "no-rooms", 1, {"rooms": "fail"}, "contains no rooms"),
    Expect("exchange", "malformed-xml", 1, {"credentials": "fail"}, "did not answer with EWS"),
    Expect("exchange", "ews-disabled", 1, {"endpoint": "fail"}, "HTTP 403"),
    Expect("exchange", "throttled", 0, {"impersonation": "pass"}),
    Expect("exchange", "slow", 0, {"impersonation": "pass"}),
    Expect("exchange", "markup-names", 0, {"rooms": "pass"}),
    Expect("exchange", "many-rooms", 0, {"impersonation": "pass"}, "all 5\u00a0000 rooms"),
    # Microsoft 365
    Expect("microsoft365", "healthy", 0, {"calendar_access": "pass"}, "readable"),
    Expect("microsoft365", "m365-not-admin", 1, {"admin_role": "fail"}, "admin consent"),
    Expect("microsoft365", "m365-app-admin", 1, {"admin_role": "fail"},
           "cannot grant tenant-wide consent to Microsoft Graph application permissions"),
    Expect("microsoft365", "m365-rooms-outside-lists", 1,
           {"room_list": "warn", "calendar_access": "fail"}, "in no room list"),
    Expect("microsoft365", "m365-device-code-declined", 1, {"sign_in": "fail"}, "declined"),
    Expect("microsoft365", "m365-device-code-expired", 1, {"sign_in": "fail"}, "expired"),
    Expect("microsoft365", "m365-unauthorized", 1, {"sign_in": "fail"}, "HTTP 401"),
    Expect("microsoft365", "m365-malformed", 1, {"rooms": "fail"}, "not JSON"),
    Expect("microsoft365", "no-rooms", 1, {"rooms": "fail"}, "no room mailboxes"),
    Expect("microsoft365", "throttled", 0, {"rooms": "pass"}),
    Expect("microsoft365", "markup-names", 0, {"rooms": "pass"}),
    # Google Workspace: the Marketplace install cannot be read. In the sandbox's world the
    # organisation has installed the app (not-super-admin's has not), so a scripted check
    # of a healthy scenario ends healthy; the TUI still asks the person (its toggle).
    Expect("google", "healthy", 0, {"rooms": "pass"}, "conference rooms found"),
    Expect("google", "not-super-admin", 1, {"super_admin": "fail"}, "delegated"),
    Expect("google", "google-api-disabled", 1, {"admin_api": "fail"}, "Admin SDK API"),
    Expect("google", "google-unauthorized", 1, {"admin_api": "fail"}, "HTTP 401"),
    Expect("google", "google-scope-withheld", 1, {"sign_in": "fail"},
           "read calendar resources"),
    Expect("google", "clock-skew", 0, {"sign_in": "warn"}, "20 minutes"),
    Expect("google", "no-rooms", 0, {"rooms": "warn"}, "no conference-room"),
    Expect("google", "throttled", 0, {"rooms": "pass"}),
    Expect("google", "markup-names", 0, {"rooms": "pass"}),
]


def _text(check: dict) -> str:
    return f"{check['detail']} {check['remedy']}"


def _stored_files() -> dict[str, str]:
    """The log, the profiles: everything the wizard wrote under its own directories."""
    return files_text(Path(os.environ["ROOMCAL_STATE_DIR"]),
                      Path(os.environ["ROOMCAL_CONFIG_DIR"]))


@pytest.mark.parametrize("expect", TABLE, ids=lambda e: e.id)
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


@pytest.mark.parametrize("expect", TABLE, ids=lambda e: e.id)
async def test_tui(expect: Expect, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
    failing = Status(expect.statuses[first]) in (Status.FAIL, Status.WARN)
    assert item.has_class("-expanded") == failing  # problems open to show the fix
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
    from textual.widgets import Input

    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.query_one("#field-ews_url", Input).value = "svc-cronofy@demo.example.com"
            await pilot.click("#recheck")
            await settle(pilot)
            results = app.session.results
            assert "Autodiscover found" in render(results["endpoint"].detail)
            assert all(r.status == Status.PASS for r in results.values()), results
            room_list = app.screen.query_one("#field-room_list", Input)
            room_list.value = "other@demo.example.com"
            await pilot.pause()
            app.screen._recheck_changed()  # what the typing pause's timer calls
            await settle(pilot)  # only the room-list checks re-run
            assert app.session.results["room_list"].status == Status.FAIL
            room_list.value = "rooms@demo.example.com"
            await pilot.pause()
            app.screen._recheck_changed()
            await settle(pilot)  # again partial: the URL is discovered again, not the email
            assert all(r.status == Status.PASS for r in app.session.results.values())


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
