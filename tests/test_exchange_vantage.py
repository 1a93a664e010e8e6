"""Exchange from where Cronofy stands: the internet, and more than reading a folder.

Real exchangelib against the sandbox's EWS server (SOAP Subscribe/Unsubscribe,
CreateItem/UpdateItem/DeleteItem, the 401's WWW-Authenticate), its DNS-over-HTTPS
resolver and its certificates; what the server saw is read from its state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from scenes import settle
from textual.widgets import Checkbox

from ui_support import make_app, sandbox
from wizard.app import Setup
from wizard.cli import main
from wizard.core.flow import Step
from wizard.core.interaction import NoInteraction
from wizard.core.model import CheckResult, Status
from wizard.providers.exchange.checks import internal_address, offered_schemes
from wizard.sandbox import Sandbox
from wizard.sandbox.scenario import Scenario


def _run(box: Sandbox, **values: str) -> dict[str, CheckResult]:
    setup = Setup("vantage", demo=box)
    setup.session.choose_provider("exchange")

    async def run() -> dict[str, CheckResult]:
        results = {}
        async for result in setup.run_checks(NoInteraction(), record=False,
                                             values={**setup.values(), **values}):
            if result.status.done:
                results[result.check_id] = result
        return results

    return asyncio.run(run())


def _state(box: Sandbox) -> Any:
    return box.services["exchange"].state


def _world(**exchange: Any) -> Scenario:
    return Scenario("test", data={"rooms": {"count": 6}, "exchange": exchange})


def test_the_write_probe_is_off_unless_asked_for() -> None:
    with sandbox("healthy") as box:
        results = _run(box)
        assert results["write_access"].status == Status.SKIP
        assert "--write-probe" in str(results["write_access"].remedy)
        state = _state(box)
        assert state.items == {} and state.deleted == []  # not one item was created


def test_the_write_probe_creates_changes_and_hard_deletes_a_private_item() -> None:
    with sandbox("healthy") as box:
        state = _state(box)
        results = _run(box, write_probe="yes")
        assert results["write_access"].status == Status.PASS
        assert len(results["write_access"].items) == 6
        assert state.items == {}  # nothing left behind
        assert sorted(mailbox for mailbox, _kind in state.deleted) == sorted(
            r.email for r in state.rooms)
        assert {kind for _mailbox, kind in state.deleted} == {"HardDelete"}


def test_what_the_probe_creates_is_private_far_ahead_and_invites_nobody() -> None:
    with sandbox(_world(update_denied=True)) as box:  # every item stays until deleted
        state = _state(box)
        results = _run(box, write_probe="yes")
    seen = state.created
    assert results["write_access"].status == Status.FAIL
    assert results["write_access"].code == "exchange.write_denied"
    assert len(seen) == 6
    for item in seen:
        assert item["sensitivity"] == "Private"
        assert not item["attendees"]
        assert item["invitations"] == "SendToNone"
        assert dt.datetime.fromisoformat(item["start"]).year >= dt.datetime.now().year + 9
    # A refused update still deletes what was created: the rooms are as before.
    assert state.items == {}
    assert {kind for _mailbox, kind in state.deleted} == {"HardDelete"}


def test_refused_writes_name_the_rooms_and_the_step() -> None:
    with sandbox("exchange-write-denied") as box:
        results = _run(box)  # the scenario's form has the probe on
        state = _state(box)
        assert state.items == {}
    result = results["write_access"]
    assert result.status == Status.FAIL
    failing = {i.key: str(i.detail) for i in result.items if i.status == Status.FAIL}
    assert set(failing) == {"boardroom@demo.example.com", "elbe@demo.example.com",
                            "alster@demo.example.com"}
    assert "creating" in failing["elbe@demo.example.com"]
    assert "changing" in failing["alster@demo.example.com"]
    assert "New-ManagementRoleAssignment" in result.command


def test_every_subscription_is_cancelled() -> None:
    with sandbox("healthy") as box:
        results = _run(box)
        state = _state(box)
        assert results["notifications"].status == Status.PASS
        assert sorted(state.subscribed) == sorted(r.email for r in state.rooms)
        assert state.subscriptions == {}  # every Subscribe got its Unsubscribe


def test_refused_subscriptions_fail_naming_the_rooms() -> None:
    with sandbox(_world(notifications_refused=True,
                        notifications_error="ErrorAccessDenied")) as box:
        results = _run(box)
    result = results["notifications"]
    assert result.status == Status.FAIL
    assert result.code == "exchange.notifications_refused"
    assert "6 of 6 rooms" in str(result.detail)
    assert all("ErrorAccessDenied" in str(i.detail) for i in result.items)
    assert "-EwsMaxSubscriptions Unlimited" in result.command
    assert "'svc-cronofy@demo.example.com'" in result.command  # a PowerShell literal


@pytest.mark.parametrize(("schemes", "status", "phrase"), [
    (["Bearer"], Status.FAIL, "modern authentication"),
    (["Negotiate", "Bearer"], Status.FAIL, "modern authentication"),
    (["Negotiate"], Status.FAIL, "Extended Protection"),
    (["Negotiate", "NTLM"], Status.PASS, "Negotiate, NTLM"),
    (["Basic"], Status.PASS, "Basic"),
])
def test_the_offered_schemes_decide(schemes: list[str], status: Status, phrase: str) -> None:
    with sandbox(_world(auth_schemes=schemes)) as box:
        results = _run(box)
    assert results["auth_methods"].status == status
    assert phrase in str(results["auth_methods"].detail)


def test_schemes_are_read_from_a_joined_header() -> None:
    assert offered_schemes('Negotiate, NTLM, Basic realm="mail, example"') == [
        "Negotiate", "NTLM", "Basic"]
    assert offered_schemes("Negotiate oRswGaADCgEAoxIEEAEAAAA=") == ["Negotiate"]
    assert offered_schemes("") == []


@pytest.mark.parametrize(("address", "internal"), [
    ("10.1.2.3", True), ("172.20.0.1", True), ("192.168.1.1", True), ("100.64.0.7", True),
    ("127.0.0.1", True), ("169.254.10.10", True), ("::1", True), ("fe80::1%eth0", True),
    ("fd00::5", True), ("::ffff:10.0.0.1", True),
    ("203.0.113.80", False), ("8.8.8.8", False), ("2a00:1450:4001::1", False),
])
def test_internal_addresses(address: str, internal: bool) -> None:
    assert internal_address(address) is internal


def test_the_public_name_follows_the_worlds_dns() -> None:
    with sandbox(_world(public_address="192.168.10.5")) as box:
        results = _run(box)
    assert results["public_name"].status == Status.WARN
    assert results["public_name"].code == "exchange.private_name"
    assert "192.168.10.5" in str(results["public_name"].detail)


def test_an_expiring_certificate_says_when(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "de", "check", "exchange", "--scenario", "exchange-cert-expiring",
                 "--json"]) == 0
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["public_trust"]["status"] == "warn"
    assert checks["public_trust"]["code"] == "exchange.cert_expiring"
    assert "läuft am" in checks["public_trust"]["detail"]


def test_write_probe_is_a_cli_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--write-probe",
                 "--json"]) == 0
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["write_access"]["status"] == "pass"
    assert "all 6 rooms" in checks["write_access"]["detail"]


def test_the_handoff_carries_the_new_fixes(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    handoff = tmp_path / "handoff.md"
    assert main(["--lang", "en", "check", "exchange", "--scenario",
                 "exchange-notifications-refused", "--handoff", str(handoff)]) == 1
    text = handoff.read_text()
    assert "New-ThrottlingPolicy -Name 'Cronofy'" in text
    assert "Set-ThrottlingPolicyAssociation -Identity 'svc-cronofy@demo.example.com'" in text
    assert "# - Board Room (boardroom@demo.example.com)" in text


async def test_the_form_toggles_the_write_probe() -> None:
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            assert app.session.results["write_access"].status == Status.SKIP
            toggle = app.screen.query_one("#field-write_probe", Checkbox)
            assert toggle.value is False
            toggle.focus()
            await pilot.press("space")
            for _ in range(200):  # the re-check runs after a short pause
                await pilot.pause(0.05)
                if app.session.results["write_access"].status == Status.PASS:
                    break
            assert app.session.results["write_access"].status == Status.PASS
            assert _state(box).items == {}


@pytest.mark.parametrize(("lang", "days", "phrase"), [
    ("en", 1.5, "in 1 day:"), ("en", 10, "in 9 days:"),
    ("de", 1.5, "in 1 Tag:"), ("de", 10, "in 9 Tagen:"),
])
def test_the_expiry_counts_its_days_in_words(lang: str, days: float, phrase: str,
                                            tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """"in 1 days": a count is worded for its number (Plural), also when the result is
    read back from a report or a profile (its message keeps both forms)."""
    from wizard.core import i18n
    from wizard.core.codec import decode_text, encode_text
    from wizard.core.model import render

    scenario = tmp_path / "expiring.toml"
    scenario.write_text(f'description.en = "x"\n[rooms]\ncount = 1\n[exchange]\n'
                        f'cert_days_left = {days}\n', encoding="utf-8")
    assert main(["--lang", lang, "check", "exchange", "--scenario", str(scenario),
                 "--json"]) == 0
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert phrase in checks["public_trust"]["detail"]
    stored = decode_text(json.loads(json.dumps(checks["public_trust"]["detail_msg"])))
    i18n.set_language(lang)
    assert phrase in render(stored)
    assert encode_text(stored) == checks["public_trust"]["detail_msg"]
    # One room: not "all 1 rooms".
    one = {"en": "for 1 room.", "de": "für 1 Raum."}[lang]
    assert one in checks["notifications"]["detail"], checks["notifications"]["detail"]
