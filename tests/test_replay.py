"""A support engineer replays a customer's report: the same checks fail in the sandbox.

Every scenario of the step-1 table is replayed by its CLI row (``replays_the_same``,
called from tests/test_scenarios.py's test_cli with the report that row wrote): the
report replayed in German, which writes the anonymized report — German text the
replay must not read — replayed in turn. The tests here take reports from elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main

NOT_REPLAYED = ("slow", "many-rooms")  # a minute of latency; the 5 000 rooms' benchmark


def replays_the_same(provider: str, report: Path, exit_code: int, statuses: dict[str, str],
                     capsys: pytest.CaptureFixture[str]) -> None:
    """``report`` (a customer's run that exited ``exit_code`` with ``statuses``) replays to
    the same; so does the anonymized report of that replay (--anonymize: the sandbox takes
    the pseudonymous identities)."""
    anonymized = report.with_name("anonymized-report.json")
    replay = main(["--lang", "de", "check", provider, "--scenario", str(report), "--json",
                   "--report", str(anonymized), "--anonymize"])
    replayed = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert (replay, replayed) == (exit_code, statuses)
    assert "demo.example.com" not in anonymized.read_text(encoding="utf-8")
    again = main(["--lang", "en", "check", provider, "--scenario", str(anonymized), "--json"])
    replayed = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert (again, replayed) == (exit_code, statuses)


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
