"""A support engineer replays a customer's report: the same checks fail in the sandbox.

For every scenario of the step-1 table: run the check as the customer would
(in German, to prove the replay does not read translated text), write the
report, replay the report as a scenario, compare the statuses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_scenarios import TABLE, Expect

from wizard.cli import main

REPLAYABLE = [e for e in TABLE if e.scenario not in ("slow", "many-rooms")]


@pytest.mark.parametrize("expect", REPLAYABLE, ids=lambda e: e.id)
def test_report_replays_the_same_failures(expect: Expect, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Also anonymized (--anonymize): the sandbox takes the pseudonymous identities. The
    anonymized report is the replay's own (a support engineer's run of the customer's
    setup, passed on): one check run fewer per scenario than a second customer run."""
    report = tmp_path / "customer-report.json"
    first = main(["--lang", "de", "check", expect.provider, "--scenario", expect.scenario,
                  "--report", str(report), "--json"])
    first_checks = json.loads(capsys.readouterr().out)["checks"]
    original = {c["id"]: c["status"] for c in first_checks}
    anonymized = tmp_path / "anonymized-report.json"
    replay = main(["--lang", "en", "check", expect.provider, "--scenario", str(report),
                   "--json", "--report", str(anonymized), "--anonymize"])
    replayed = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert (replay, replayed) == (first, original), first_checks
    assert "demo.example.com" not in anonymized.read_text(encoding="utf-8")
    again = main(["--lang", "en", "check", expect.provider, "--scenario", str(anonymized),
                  "--json"])
    replayed = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert (again, replayed) == (first, original), first_checks


def test_replay_takes_the_customers_identities(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    report = {
        "roomcal_report": 1, "provider": "exchange", "created": "2026-11-25T08:00:00+00:00",
        "inputs": {"exchange": {"username": "svc-rooms@contoso.example",
                                "room_list": "raeume@contoso.example", "auth": "ntlm",
                                "ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"}},
        "checks": [{"id": "impersonation", "status": "fail", "detail": "…", "remedy": "…",
                    "items": [{"name": "Vorstand", "key": "vorstand@contoso.example",
                               "status": "fail"},
                              {"name": "Elbe", "key": "elbe@contoso.example",
                               "status": "pass"}]}],
        "rooms": [{"name": "Vorstand", "email": "vorstand@contoso.example"},
                  {"name": "Elbe", "email": "elbe@contoso.example"}],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert main(["check", "exchange", "--scenario", str(path), "--json"]) == 1
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["credentials"]["status"] == "pass"  # the customer's account signs in
    assert "raeume@contoso.example" in checks["room_list"]["detail"]
    items = {i["key"]: i["status"] for i in checks["impersonation"]["items"]}
    assert items == {"vorstand@contoso.example": "fail", "elbe@contoso.example": "pass"}


def test_a_report_from_a_newer_roomcal_is_refused_with_a_sentence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.json"
    from wizard.core.formats import REPORT

    newer = REPORT + 1
    path.write_text(json.dumps({"roomcal_report": newer, "provider": "exchange",
                                "checks": []}), encoding="utf-8")
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "newer roomcal" in err and f"report format {newer}" in err, err


def test_a_report_written_before_format_versions_were_documented_still_replays(
        capsys: pytest.CaptureFixture[str]) -> None:
    """tests/data/report-format-1.json: written by roomcal 0.1.0 (German, impersonation denied).

    Kept as it was written: whatever the report code becomes, this file must keep replaying.
    """
    path = Path(__file__).parent / "data" / "report-format-1.json"
    recorded = {c["id"]: c["status"] for c in json.loads(path.read_text("utf-8"))["checks"]}
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(path), "--json"]) == 1
    replayed = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    # Checks added since (e.g. notifications) were not in it: the ones it has replay alike.
    assert {key: replayed[key] for key in recorded} == recorded
    assert recorded["impersonation"] == "fail"
