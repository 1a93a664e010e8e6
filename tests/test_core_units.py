"""Core helpers: text safety, redaction, mappings, scenarios, reports, the redirect receiver."""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import threading
from pathlib import Path

import httpx
import pytest

from wizard.connect.oauth_loopback import RedirectError, RedirectServer
from wizard.core import export, mapping, redact
from wizard.core.errors import UserFacingError
from wizard.core.interaction import NoInteraction
from wizard.core.model import CheckResult, Msg, RoomMapping, Status, SubResult
from wizard.core.report import build_report, dumps
from wizard.core.text import printable
from wizard.sandbox.replay import scenario_from_report
from wizard.sandbox.scenario import ScenarioFileError, UnknownScenarioError, available, load


def test_printable_neutralises_terminal_escapes() -> None:
    assert printable("Rot\x1b[31m!\x07") == "Rot␛[31m!␇"
    assert printable("Größe – [bold]x[/bold]") == "Größe – [bold]x[/bold]"
    assert "\x1b" not in str(Msg("Room {name}", name="\x1b]0;owned\x07"))


def test_redaction_scrubs_registered_secrets_and_url_codes() -> None:
    redact.register("hunter2-but-longer")
    text = "password hunter2-but-longer at https://x/cb?code=abc123&state=s"
    scrubbed = redact.scrub(text)
    assert "hunter2-but-longer" not in scrubbed
    assert "abc123" not in scrubbed and "state=s" in scrubbed


def test_redacting_log_filter(caplog: pytest.LogCaptureFixture) -> None:
    redact.register("Sup3r-Secret-Token")
    logger = logging.getLogger("test.redact")
    handler_filter = redact.RedactingFilter()
    record = logger.makeRecord("test.redact", logging.INFO, __file__, 1,
                               "token %s", ("Sup3r-Secret-Token",), None)
    handler_filter.filter(record)
    assert "Sup3r-Secret-Token" not in record.getMessage()


def test_mapping_assign_is_idempotent_and_exports(tmp_path: Path) -> None:
    mappings: list[RoomMapping] = []
    for _ in range(2):
        mappings = mapping.assign(mappings, resource_id="r1", calendar="Raum Alster",
                                  email="alster@x", room="Alster")
    assert len(mappings) == 1
    mappings = mapping.assign(mappings, resource_id="r2", calendar="Evil", email="e@x",
                              room="=HYPERLINK(\"http://x\")")
    json_path, path = export.write(mappings, [tmp_path / "rooms.json", tmp_path / "rooms.csv"])
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0]["room"] == "Alster"
    assert rows[1]["room"].startswith("'=")  # no formula in a spreadsheet
    data = json.loads(json_path.read_text())
    assert [r["resource_id"] for r in data["rooms"]] == ["r1", "r2"]
    mappings = mapping.assign(mappings, resource_id="r1", calendar="Raum Alster",
                              email="alster@x", room="")
    assert [m.resource_id for m in mappings] == ["r2"]


def test_scenarios_load_and_unknown_ones_list_the_known() -> None:
    assert "healthy" in available()
    assert len(load("many-rooms").rooms) == 5000
    with pytest.raises(UnknownScenarioError) as info:
        load("nope")
    assert "healthy" in info.value.known
    with pytest.raises(ScenarioFileError):
        load("/nonexistent/file.toml")


def test_report_is_redacted_and_replays_as_a_scenario(tmp_path: Path) -> None:
    redact.register("Passw0rd-in-memory")
    results = {
        "rooms": CheckResult("rooms", Status.PASS, "2 rooms", items=(
            SubResult("[bold]Vorstand", Status.PASS, key="vorstand@x"),
            SubResult("Raum Elbe", Status.PASS, key="elbe@x"),
        )),
        "impersonation": CheckResult("impersonation", Status.FAIL, "denied"),
    }
    report = build_report(provider="exchange",
                          values={"username": "svc@x", "password": "Passw0rd-in-memory",
                                  "ews_url": "https://mail.x/EWS/Exchange.asmx"},
                          results=results)
    text = dumps(report)
    assert "Passw0rd-in-memory" not in text
    assert "password" not in json.loads(text)["inputs"]["exchange"]
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    scenario = load(str(path))
    assert [r.name for r in scenario.rooms] == ["[bold]Vorstand", "Raum Elbe"]
    assert scenario.data["inputs"]["exchange"] == {"username": "svc@x"}
    with pytest.raises(ValueError):
        scenario_from_report({"hello": 1})


# -- the loopback redirect receiver ---------------------------------------------------------

def test_redirect_server_binds_loopback_only() -> None:
    with pytest.raises(ValueError):
        RedirectServer(host="0.0.0.0")


def test_redirect_by_loopback_with_state_check() -> None:
    interaction = NoInteraction()
    with RedirectServer(state="s1") as server:
        cancel = threading.Event()

        def browser() -> None:
            httpx.get(f"{server.redirect_uri}?code=forged&state=other", timeout=5)
            httpx.get(f"{server.redirect_uri}?code=good-code&state=s1", timeout=5)

        threading.Thread(target=browser, daemon=True).start()
        redirect = server.wait(pasted=queue.Queue(), cancel=cancel, timeout=10,
                               interaction=interaction)
    assert redirect.code == "good-code"  # the forged one was refused …
    assert interaction.notes == []  # … on its browser page, not on the admin's screen


def test_pasted_url_is_accepted_and_wrong_ones_explained() -> None:
    interaction = NoInteraction()
    pasted: queue.Queue[str] = queue.Queue()
    for url in ("https://evil.example/?code=x&state=s1", "http://127.0.0.1:9/?state=s1",
                "http://localhost:1234/?code=the-code&state=s1"):
        pasted.put(url)
    with RedirectServer(state="s1") as server:
        redirect = server.wait(pasted=pasted, cancel=threading.Event(), timeout=5,
                               interaction=interaction)
    assert redirect.code == "the-code"
    assert len(interaction.notes) == 2


def test_error_redirect_and_cancel_and_port_in_use() -> None:
    pasted: queue.Queue[str] = queue.Queue()
    pasted.put("http://127.0.0.1/?error=access_denied&state=s1")
    with RedirectServer(state="s1") as server:
        with pytest.raises(RedirectError) as info:
            server.wait(pasted=pasted, cancel=threading.Event(), timeout=5)
        assert "refused" in str(info.value.sentence)
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(UserFacingError):
            server.wait(pasted=queue.Queue(), cancel=cancel, timeout=5)
        with pytest.raises(UserFacingError) as busy:
            RedirectServer(port=server.port)
        assert str(server.port) in str(busy.value.sentence)


def test_stored_results_come_back_translatable() -> None:
    from wizard.core import i18n
    from wizard.core.codec import decode_result, encode_result
    from wizard.core.i18n import N_

    delay = N_("Permission changes can take up to 30 minutes to take effect: re-check "
               "later.")
    original = CheckResult("rooms", Status.FAIL,
                           Msg(N_("The room list {address} contains no rooms."),
                               address="rooms@x"),
                           Msg(N_("Assign the ApplicationImpersonation role to the service "
                                  "account, scoped to the room mailboxes. {delay}"),
                               delay=Msg(delay)),
                           code="exchange.no_rooms")
    i18n.set_language("de")  # saved by a German session …
    try:
        stored = json.loads(json.dumps(encode_result(original)))
    finally:
        i18n.set_language("en")
    restored = decode_result(stored)  # … resumed in English, nested parameters included
    assert str(restored.detail) == str(original.detail)
    assert str(restored.remedy) == str(original.remedy)
    assert "30 minutes" in str(restored.remedy)
    assert restored.code == "exchange.no_rooms"
    i18n.set_language("de")
    try:
        assert "enthält keine Räume" in str(restored.detail)  # not frozen in English
        assert "rooms@x" in str(restored.detail)
    finally:
        i18n.set_language("en")
    plain = decode_result({"id": "x", "status": "pass", "detail": "old profile"})
    assert plain.detail == "old profile"  # profiles written before detail_id still load
    flat = decode_result({"id": "x", "status": "fail", "detail": "alt", "detail_id":
                          "The room list {address} contains no rooms.",
                          "detail_params": {"address": "r@x"}})
    assert str(flat.detail) == "The room list r@x contains no rooms."  # before codes


def test_a_stored_count_keeps_its_plural_in_both_languages() -> None:
    """A result's count sentence came back from the profile as its singular msgid:
    "3 prerequisite is not met" after a resume, "in 1 days" worked around with Msg."""
    from wizard.core import i18n
    from wizard.core.codec import decode_result, encode_result
    from wizard.core.model import Plural

    for n, english, german in ((1, "1 prerequisite is not met",
                                "1 Voraussetzung ist nicht erfüllt"),
                               (3, "3 prerequisites are not met",
                                "3 Voraussetzungen sind nicht erfüllt")):
        original = CheckResult(
            "rooms", Status.FAIL,
            Plural("{count} prerequisite is not met", "{count} prerequisites are not met",
                   n, count=n),
            Msg("{inner}", inner=Plural("{count} prerequisite is not met",
                                        "{count} prerequisites are not met", n, count=n)))
        restored = decode_result(json.loads(json.dumps(encode_result(original))))
        assert restored.detail == original.detail
        assert str(restored.detail) == english
        assert str(restored.remedy) == english
        i18n.set_language("de")
        try:
            assert str(restored.detail) == german
            assert str(restored.remedy) == german
        finally:
            i18n.set_language("en")
