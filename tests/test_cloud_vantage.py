"""Microsoft 365 from where Cronofy stands (issue #21): its own application, the rooms it
cannot see, and what really limits it.

Against the sandbox's Graph on the wire, driven by the real clients (msal, httpx); step 2
through the sandbox's Cronofy, whose link of the tenant is the admin consent that puts
Cronofy's application there. The scenario table (``microsoft365/scenarios.py``) runs each
failure through the CLI and the TUI and replays it; these look at what it names.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from leaks import collect_secrets, find_leaks
from ui_support import make_setup, sandbox
from wizard.app import Setup
from wizard.cli import main
from wizard.commands.common import CliInteraction
from wizard.core.flow import Step
from wizard.core.model import CheckResult, Status, render
from wizard.providers.microsoft365.vantage import CRONOFY_APP_ID


async def _run_step1(setup: Setup) -> dict[str, CheckResult]:
    results = {}
    async for result in setup.run_checks(CliInteraction(setup.demo)):
        if result.status.done:
            results[result.check_id] = result
    return results


def _checks(capsys: pytest.CaptureFixture[str], scenario: str, *extra: str) -> dict[str, dict]:
    main(["--lang", "en", "check", "microsoft365", "--scenario", scenario, "--json", *extra])
    return {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_cronofy_app_is_proven_by_the_link_and_read_on_the_recheck() -> None:
    with sandbox("healthy", services=("microsoft365", "cronofy")) as box:
        setup = make_setup(box, provider="microsoft365")
        before = asyncio.run(_run_step1(setup))
        setup.session.set_step(Step.CONNECT)
        setup.link(CliInteraction(box), threading.Event())
        proven = setup.session.results["cronofy_app"]
        after = asyncio.run(_run_step1(setup))
    assert before["cronofy_app"].status == Status.SKIP
    assert "step 2" in render(before["cronofy_app"].detail)
    assert proven.status == Status.PASS and "Proven in step 2" in render(proven.detail)
    # The re-check reads the service principal and its app role assignments for real.
    assert after["cronofy_app"].status == Status.PASS, after["cronofy_app"]
    assert "Calendars.ReadWrite, Places.Read.All, User.Read.All, Organization.Read.All" in \
        render(after["cronofy_app"].detail)


def test_a_room_hidden_from_the_address_list_is_missing_at_cronofy_and_named() -> None:
    with sandbox("m365-hidden-rooms", services=("microsoft365", "cronofy")) as box:
        setup = make_setup(box, provider="microsoft365")
        results = asyncio.run(_run_step1(setup))
        setup.session.set_step(Step.CONNECT)
        outcome = setup.link(CliInteraction(box), threading.Event())
    hidden = results["hidden_rooms"]
    assert hidden.status == Status.WARN and hidden.code == "microsoft365.rooms_hidden"
    assert [i.key for i in hidden.items] == ["elbe@demo.example.com",
                                             "boardroom@demo.example.com"]
    assert hidden.command.splitlines() == [
        "Set-Mailbox -Identity 'elbe@demo.example.com' -HiddenFromAddressListsEnabled $false",
        "Set-Mailbox -Identity 'boardroom@demo.example.com' -HiddenFromAddressListsEnabled "
        "$false"]
    # Cronofy finds rooms through Places: it lists the four others only.
    assert sorted(r.email for r in outcome.resources) == [
        "alster@demo.example.com", "isar@demo.example.com", "rhein@demo.example.com",
        "spree@demo.example.com"]


def test_an_on_premises_room_fails_once_and_is_not_authorized_by_cronofy(
        capsys: pytest.CaptureFixture[str]) -> None:
    checks = _checks(capsys, "m365-hybrid-rooms")
    hybrid, calendars = checks["hybrid_rooms"], checks["calendar_access"]
    assert hybrid["status"] == "fail" and hybrid["code"] == "microsoft365.rooms_on_premises"
    assert [i["key"] for i in hybrid["items"]] == ["boardroom@demo.example.com"]
    assert "MailboxNotEnabledForRESTAPI" in hybrid["detail"]
    # The calendar check does not fail the same room a second time.
    assert calendars["status"] == "pass", calendars
    room = next(i for i in calendars["items"] if i["key"] == "boardroom@demo.example.com")
    assert room["status"] == "warn" and "on-premises" in room["detail"]


def test_missing_permissions_are_named_with_the_consent_link(
        capsys: pytest.CaptureFixture[str]) -> None:
    app = _checks(capsys, "m365-cronofy-permissions")["cronofy_app"]
    assert app["status"] == "fail" and app["code"] == "microsoft365.cronofy_permissions_missing"
    assert "User.Read.All, Organization.Read.All." in app["detail"]
    assert "Calendars.ReadWrite" not in app["detail"]
    assert f"/demo.example.com/adminconsent?client_id={CRONOFY_APP_ID}" in app["remedy"]


def test_the_ews_path_is_told_how_to_migrate(capsys: pytest.CaptureFixture[str]) -> None:
    app = _checks(capsys, "m365-cronofy-ews")["cronofy_app"]
    assert app["status"] == "warn" and app["code"] == "microsoft365.cronofy_on_ews"
    assert "full_access_as_app" in app["detail"] and "1 April 2027" in app["detail"]
    assert "link again choosing Microsoft 365" in app["remedy"]


def test_scoping_says_what_restricts_and_gives_the_commands(
        capsys: pytest.CaptureFixture[str]) -> None:
    scoping = _checks(capsys, "healthy")["scoping"]
    assert scoping["status"] == "manual"
    assert "RBAC for Applications" in scoping["detail"]
    assert "an Entra security group does not work" in scoping["remedy"]
    lines = scoping["command"].splitlines()
    assert lines[0] == "New-DistributionGroup -Name 'Cronofy rooms' -Alias 'cronofy-rooms' " \
                       "-Type Security"
    assert f"New-ApplicationAccessPolicy -AppId '{CRONOFY_APP_ID}' -PolicyScopeGroupId " \
           "'Cronofy rooms' -AccessRight RestrictAccess" in scoping["command"]
    assert lines[-1] == f"Test-ApplicationAccessPolicy -AppId '{CRONOFY_APP_ID}' -Identity " \
                        "'alster@demo.example.com'"


def test_the_handoff_carries_the_scoping_and_the_hidden_rooms(tmp_path: Path) -> None:
    path = tmp_path / "handoff.md"
    with collect_secrets() as secrets:
        assert main(["--lang", "en", "check", "microsoft365", "--scenario",
                     "m365-hidden-rooms", "--handoff", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert find_leaks({"handoff": text}, secrets) == []
    steps = text[text.index("## The fix"):]
    assert "Set-Mailbox -Identity 'elbe@demo.example.com' -HiddenFromAddressListsEnabled " \
           "$false" in steps
    assert f"New-ApplicationAccessPolicy -AppId '{CRONOFY_APP_ID}'" in steps
    assert "Test-ApplicationAccessPolicy" in steps
    assert steps.count("Connect-ExchangeOnline") == 1


def test_the_sentences_are_german_too(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--lang", "de", "check", "microsoft365", "--scenario", "m365-hybrid-rooms", "--json"])
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    german = {"hidden_rooms": "Kein Raumpostfach", "hybrid_rooms": "Raumpostfächer liegen lokal",
              "scoping": "Anwendungszugriffsrichtlinie", "cronofy_app": "noch nicht im Mandanten"}
    for check_id, words in german.items():
        assert words in checks[check_id]["detail"], checks[check_id]
    assert "E-Mail-aktivierte Sicherheitsgruppe" in checks["scoping"]["remedy"]
