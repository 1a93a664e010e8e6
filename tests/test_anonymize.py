"""Reports a customer may send: no address, host, tenant or room name of theirs in it.

``roomcal report --anonymize`` and ``roomcal check … --report FILE --anonymize``
replace every identifier by a pseudonym that is the same everywhere in the report
(every CLI row of ``tests/test_scenarios.py`` replays its anonymized report).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ui_support import make_setup, sandbox
from wizard.cli import main
from wizard.core.anonymize import anonymize
from wizard.core.report import dumps

RUNS = [("exchange", "impersonation-denied"), ("exchange", "markup-names"),
        ("exchange", "unknown-room-list"), ("microsoft365", "m365-rooms-outside-lists"),
        ("google", "not-super-admin")]


def _report(tmp_path: Path, provider: str, scenario: str, *extra: str) -> Path:
    path = tmp_path / f"{provider}-{scenario}.json"
    main(["--lang", "de", "check", provider, "--scenario", scenario, "--report", str(path),
          *extra])
    return path


def _identifiers(report: dict) -> set[str]:
    """What the report names: addresses, hosts, the tenant, rooms (as it was written)."""
    found = {"demo.example.com"}
    for value in report["inputs"][report["provider"]].values():
        if "@" in value:
            found.add(value)
        elif "://" in value:
            found.add(urlsplit(value).hostname or "")
    if tenant := report["inputs"][report["provider"]].get("tenant"):
        found.add(tenant)
    for room in report["rooms"]:
        found |= {room["name"], room["email"]}
    for check in report["checks"]:
        for item in check.get("items", ()):
            found |= {item["name"], item["key"]}
    return {f for f in found if f}


@pytest.mark.parametrize(("provider", "scenario"), RUNS, ids=[f"{p}-{s}" for p, s in RUNS])
def test_nothing_of_theirs_remains_and_a_room_keeps_its_pseudonym(
        provider: str, scenario: str, tmp_path: Path) -> None:
    report = json.loads(_report(tmp_path, provider, scenario).read_text(encoding="utf-8"))
    anonymized = anonymize(report)
    text = dumps(anonymized)
    from wizard.core.text import printable

    for original in _identifiers(report):
        for shown in {original, printable(original)}:
            assert shown.lower() not in text.lower(), shown
    assert anonymized["anonymized"] is True
    # The same room: one pseudonym in the room list, in every check's items, in sentences.
    rooms = {r["email"]: (a["name"], a["email"])
             for r, a in zip(report["rooms"], anonymized["rooms"], strict=True)}
    assert len({name for name, _email in rooms.values()}) == len(rooms)
    for check, anonymous in zip(report["checks"], anonymized["checks"], strict=True):
        assert (check["id"], check["status"], check.get("code")) == \
            (anonymous["id"], anonymous["status"], anonymous.get("code"))
        for item, pseudonymous in zip(check.get("items", ()), anonymous.get("items", ()),
                                      strict=True):
            if item["key"] in rooms:
                assert (pseudonymous["name"], pseudonymous["key"]) == rooms[item["key"]]
    if provider == "exchange" and scenario == "impersonation-denied":
        impersonation = next(c for c in anonymized["checks"] if c["id"] == "impersonation")
        account = anonymized["inputs"]["exchange"]["username"]
        assert account.startswith("mailbox") and account.endswith(".example")
        assert account in impersonation["detail"]  # the rendered German sentence too
        assert impersonation["detail_msg"]["params"]["account"] == account
        assert account in impersonation["command"]


def test_a_sentence_keeps_its_words_where_a_room_has_the_same_name() -> None:
    """Only what stood in a parameter changes: "IT" survives a room called "IT"."""
    report = {
        "roomcal_report": 2, "provider": "exchange",
        "inputs": {"exchange": {"username": "svc@contoso.example"}},
        "rooms": [{"name": "IT", "email": "it@contoso.example"}],
        "checks": [{
            "id": "rooms", "title": "IT rooms", "status": "fail", "code": "x.y",
            "detail": "Ask IT about IT, said svc@contoso.example",
            "detail_msg": {"id": "Ask IT about {room}, said {account}",
                           "params": {"room": "IT", "account": "svc@contoso.example"}},
            "remedy": "ITEMS of IT: see mail.contoso.example",  # no message: searched
            "items": [{"name": "IT", "key": "it@contoso.example", "status": "fail",
                       "detail": "IT"}]}],
    }
    check = anonymize(report)["checks"][0]
    assert check["detail"] == "Ask IT about Room 1, said mailbox1@domain1.example"
    assert check["detail_msg"]["params"] == {"room": "Room 1",
                                             "account": "mailbox1@domain1.example"}
    assert check["remedy"] == "ITEMS of Room 1: see mail.domain1.example"
    assert check["title"] == "IT rooms"  # ours
    assert check["items"][0] == {"name": "Room 1", "key": "mailbox2@domain1.example",
                                 "status": "fail", "detail": "Room 1"}


def test_check_writes_it_anonymized(tmp_path: Path) -> None:
    path = _report(tmp_path, "exchange", "impersonation-denied", "--anonymize")
    text = path.read_text(encoding="utf-8")
    assert "demo.example.com" not in text and "Raum Elbe" not in text
    assert json.loads(text)["anonymized"] is True


def test_anonymize_needs_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy",
                 "--anonymize"]) == 2
    assert "--report" in capsys.readouterr().err


def test_roomcal_report_anonymize(tmp_path: Path) -> None:
    from wizard.commands.common import CliInteraction

    with sandbox("impersonation-denied") as box:
        setup = make_setup(box, provider="exchange")

        async def run() -> None:
            async for _result in setup.run_checks(CliInteraction(box)):
                pass

        asyncio.run(run())
        setup.session.store.flush()
    path = tmp_path / "report.json"
    assert main(["--lang", "en", "report", "--demo", "--profile", "test", "--anonymize", "-o",
                 str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "demo.example.com" not in text and "Board Room" not in text
    assert '"anonymized": true' in text and "mailbox1@domain1.example" in text


@pytest.mark.parametrize("provider", ["microsoft365", "google"])
def test_building_names_are_anonymized(provider: str, tmp_path: Path) -> None:
    """Microsoft 365's Places API names each room's building, as Google's resources do:
    a building is the customer's too (before: Microsoft 365's stayed in every item)."""
    scenario = tmp_path / "buildings.toml"
    scenario.write_text('''
description.en = "Buildings"
[[rooms.list]]
name = "Raum Alster"
email = "alster@contoso.example"
building = "Kesselhaus Nord"
capacity = 8
[[rooms.list]]
name = "Raum Elbe"
email = "elbe@contoso.example"
building = "Speicherstadt 7"
capacity = 12
''', encoding="utf-8")
    confirm = ["--confirm", "cronofy_app"] if provider == "google" else []
    plain, anonymous = tmp_path / "plain.json", tmp_path / "anonymous.json"
    for path, extra in ((plain, []), (anonymous, ["--anonymize"])):
        assert main(["--lang", "de", "check", provider, "--scenario", str(scenario),
                     "--report", str(path), *confirm, *extra]) == 0
    assert "Kesselhaus Nord" in plain.read_text(encoding="utf-8")  # it was there to hide
    text = anonymous.read_text(encoding="utf-8")
    assert "Kesselhaus" not in text and "Speicherstadt" not in text
    assert "Building 1" in text and "Building 2" in text


def test_the_ews_hosts_addresses_are_pseudonyms_of_their_kind(tmp_path: Path) -> None:
    """public_name names the EWS host's resolved addresses: the customer's, so they are
    replaced — by addresses of the same kind (internal stays internal, public public),
    one per address, the same wherever it stands, and the report still replays."""
    import ipaddress

    from wizard.providers.exchange.checks import internal_address

    report = {
        "roomcal_report": 2, "provider": "exchange",
        "inputs": {"exchange": {"ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"}},
        "checks": [
            {"id": "public_name", "status": "warn", "code": "exchange.private_name",
             "detail": "mail.contoso.example resolves only to internal addresses "
                       "(10.20.30.40, fd12:3456::7).",
             "detail_msg": {"id": "{host} resolves only to internal addresses ({addresses}): "
                                  "x", "params": {"host": "mail.contoso.example",
                                                  "addresses": "10.20.30.40, fd12:3456::7"}},
             "remedy": "Allow 10.20.30.40 through the firewall"},
            {"id": "other", "status": "pass", "detail": "public at 198.51.100.23",
             "detail_msg": {"id": "{addresses}", "params": {"addresses": "198.51.100.23"}}},
        ],
    }
    out = anonymize(report)
    text = dumps(out)
    for original in ("10.20.30.40", "fd12:3456::7", "198.51.100.23", "contoso"):
        assert original not in text, original
    first, second = out["checks"]
    internal = first["detail_msg"]["params"]["addresses"].split(", ")
    public = second["detail_msg"]["params"]["addresses"]
    assert len(set(internal)) == 2
    assert all(internal_address(a) for a in internal)  # the warning's meaning stays
    assert not internal_address(public) and ipaddress.ip_address(public)
    assert internal[0] in first["remedy"] and ", ".join(internal) in first["detail"]
    assert anonymize(report) == out  # stable


def test_an_anonymized_internal_name_replays(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _report(tmp_path, "exchange", "exchange-internal-name", "--anonymize")
    text = path.read_text(encoding="utf-8")
    assert "10.20.30.40" not in text
    address = next(c for c in json.loads(text)["checks"]
                   if c["id"] == "public_name")["detail_msg"]["params"]["addresses"]
    capsys.readouterr()
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(path), "--json"]) == 0
    check = next(c for c in json.loads(capsys.readouterr().out)["checks"]
                 if c["id"] == "public_name")
    assert (check["status"], check["code"]) == ("warn", "exchange.private_name")
    assert address in check["detail"]  # the pseudonymous address is the replay's world
