"""Words a customer misreads (issue 18): server text as the sentence, "an den Support" naming
no one, placeholders that look like data, counts in two formats, a CSV that German Excel
opens as one column, the CLI's sandbox and usage, and a catalog extractor that missed ids."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.core import catalogs, export, i18n
from wizard.core.messages import extract
from wizard.core.model import RoomMapping

LOCALE = Path(i18n.LOCALE_DIR)


# -- the catalog's extractor: gettext's own rules -----------------------------------------------

def test_extractor_finds_markers_nested_in_calls(tmp_path: Path) -> None:
    """xgettext's rule: a marker is a message wherever it stands — inside another call's
    arguments too (Babel's Python extractor skips ``Msg(table.get(k, N_("…")))``)."""
    package = tmp_path / "probe"
    package.mkdir()
    (package / "probe.py").write_text(
        'Msg(TABLE.get(error, N_("The sign-in failed.")), error=error)\n'
        '_(wrap(_("Inner")))\n'
        'Msg(pick(Plural("{count} room", "{count} rooms", n, count=n)))\n',
        encoding="utf-8")
    found = [m for m, _path, _line in extract(package)]
    assert found == ["The sign-in failed.", "Inner", ("{count} room", "{count} rooms")]


# -- whom to tell, and no markup on a screen ---------------------------------------------------

def _texts(lang: str) -> list[str]:
    texts = []
    for message in catalogs.merged_catalog(LOCALE, lang):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        texts += [t for t in forms if t]
    return texts


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_support_is_always_someone(lang: str) -> None:
    """"send it to support": whose? roomcal's own errors go to the meeting-room vendor."""
    support = re.compile(r"\bto support\b|\ban den Support\b(?! (des|Ihres|von) )")
    assert [t for t in _texts(lang) if support.search(t)] == []


def test_no_german_text_shows_markdown_backticks() -> None:
    assert [t for t in _texts("de") if "`" in t] == []


def test_a_cronofy_refusal_through_the_relay_is_our_sentence(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Cronofy's 422 reaches the admin through the relay: a German sentence with the status,
    then whom to tell — no server text, no markdown."""
    assert main(["--lang", "de", "connect", "--accept-terms", "--scenario",
                 "cronofy-errors"]) == 1
    err = capsys.readouterr().err
    ours = "Cronofy hat die Raumkalender nicht aufgelistet (HTTP 422)."
    assert ours in err, err
    assert "email must be specified" not in err  # Cronofy's English stays at the relay
    assert "`" not in err
    assert "Anbieter Ihres Besprechungsraumsystems" in err, err


# -- Microsoft's role names, in the language of the screen -------------------------------------

def test_role_names_are_microsofts_german_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "de", "check", "microsoft365", "--scenario", "healthy"]) == 0
    out = capsys.readouterr().out
    assert "als Globaler Administrator" in out, out
    assert "Global Administrator" not in out
    assert main(["--lang", "de", "check", "microsoft365", "--scenario", "m365-app-admin"]) == 1
    out = capsys.readouterr().out
    assert "Anwendungsadministrator" in out and "Application Administrator" not in out, out


# -- counts: one format, everywhere ------------------------------------------------------------

def _large_tenant(tmp_path: Path) -> str:
    """A tenant of 1 525 rooms: a count of four digits, at a third of many-rooms' cost."""
    path = tmp_path / "large-tenant.toml"
    path.write_text("[rooms]\ncount = 1525\n", encoding="utf-8")
    return str(path)


def test_counts_are_grouped_the_same_everywhere(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    main(["--lang", "de", "check", "google", "--scenario", _large_tenant(tmp_path)])
    out = capsys.readouterr().out
    assert "1\u00a0525 Konferenzräume gefunden." in out, out
    # A count of four digits or more is grouped; the sandbox's room names ("Raum 0501")
    # are names, not counts.
    assert re.findall(r"(?<!Raum )\b\d{4,}", out) == [], out


# -- the sandbox's world: the Marketplace app is installed --------------------------------------

def test_check_google_healthy_scenario_ends_healthy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", "google", "--scenario", "healthy"]) == 0
    out = capsys.readouterr().out
    assert "Every prerequisite is met." in out or "All prerequisites are met." in out, out


# -- usage of the command that was mistyped ----------------------------------------------------

@pytest.mark.parametrize(("argv", "mistyped", "usage"), [
    (["check", "exchange", "--bogus"], "--bogus", "usage: roomcal check exchange"),
    (["connect", "--regoin", "de"], "--regoin de", "usage: roomcal connect"),
    (["sandbox", "--prot", "1"], "--prot 1", "usage: roomcal sandbox"),
])
def test_mistyped_option_shows_the_subcommands_usage(
        argv: list[str], mistyped: str, usage: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "en", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert f"error: unrecognized arguments: {mistyped}" in err, err


# -- the CSV as German Excel opens it ----------------------------------------------------------

ROOMS = [RoomMapping("r1", "Raum Förde", "foerde@acme.example", "Förde Süd"),
         RoomMapping("r2", "Raum Elbe", "elbe@acme.example", "Elbe; groß")]


@pytest.mark.parametrize(("lang", "delimiter"), [("de", ";"), ("en", ",")])
def test_csv_opens_in_excel_of_the_language(lang: str, delimiter: str, tmp_path: Path) -> None:
    i18n.set_language(lang)
    try:
        (path,) = export.write(ROOMS, [tmp_path / "rooms.csv"])
    finally:
        i18n.set_language("en")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel's sign
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    assert rows[0] == ["room", "calendar", "email", "resource_id", "authorization"]
    assert rows[1][:3] == ["Förde Süd", "Raum Förde", "foerde@acme.example"]
    assert rows[2][0] == "Elbe; groß"


# -- roomcal sandbox: what to type into the other wizard ---------------------------------------

def _ignoring_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_sandbox_prints_the_demo_account_room_list_and_password() -> None:
    """Started from a script's background job (Ctrl+C ignored, inherited), it
    still stops on Ctrl+C, as its last line says."""
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", "wizard", "--lang", "en", "sandbox"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=_ignoring_ctrl_c)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl+C" in line:  # its last line, before it waits
                break
    finally:
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=30)
    text = "".join(lines) + out
    assert "svc-cronofy@demo.example.com" in text, text  # Exchange's service account
    assert "rooms@demo.example.com" in text, text  # its room list
    assert "Sandbox-Passw0rd!" in text, text  # the sandbox's, typed into the form
    assert "admin@demo.example.com" in text, text  # Google's and Microsoft 365's admin
    assert "demo.example.com" in text


# -- the hand-off's sender ---------------------------------------------------------------------

def test_handoff_does_not_name_a_login_on_a_jump_host(tmp_path: Path) -> None:
    import getpass
    import socket

    path = tmp_path / "handoff.md"
    assert main(["--lang", "de", "check", "exchange", "--scenario", "impersonation-denied",
                 "--handoff", str(path)]) == 1
    text = path.read_text(encoding="utf-8")
    assert f"{getpass.getuser()} auf {socket.gethostname()}" not in text
    assert f"Sagen Sie {getpass.getuser()}" not in text
    assert "roomcal" in text



def test_connect_counts_rooms_in_the_same_format(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "de", "connect", "--accept-terms", "--scenario",
                 _large_tenant(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Raumkalender: 1\u00a0525" in out, out[:2000]
    assert re.findall(r"(?<![\d.:])\d{4,}(?![\d.])", out.split("\n    ")[0]) == [], out[:2000]


def test_a_replayed_report_keeps_an_unconfirmed_marketplace_app(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sandbox's world confirms the app only where the customer's had: a report whose
    admin never confirmed it replays as unconfirmed."""
    import json

    report = tmp_path / "report.json"
    assert main(["--lang", "en", "check", "google", "--scenario", "not-super-admin", "--json",
                 "--report", str(report)]) == 1
    capsys.readouterr()
    assert main(["--lang", "en", "check", "google", "--scenario", str(report), "--json"]) == 1
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["cronofy_app"]["status"] == "manual", checks["cronofy_app"]
