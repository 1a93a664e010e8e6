"""Answers files: what a good one gives, how a bad one is refused, and `check --answers`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from leaks import collect_secrets, files_text, find_leaks
from wizard.app.answers import Answers, load
from wizard.cli import main

EXCHANGE = """\
language = "de"            # de | en
provider = "exchange"
unattended = true

[form]
ews_url = "https://mail.contoso.com/EWS/Exchange.asmx"
username = "svc-cronofy@contoso.com"
room_list = "rooms@contoso.com"
timeout = 45               # a number is fine where the form takes digits

[secrets]
password = "ROOMCAL_TEST_PASSWORD"

[connect]
region = "uk"
accept_terms = true
"""

SECRET = "Answers-Secret-0815!"


def _write(tmp_path: Path, text: str, name: str = "answers.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_every_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMCAL_TEST_PASSWORD", SECRET)
    answers = load(_write(tmp_path, EXCHANGE))
    assert isinstance(answers, Answers)
    assert (answers.language, answers.provider, answers.unattended) == ("de", "exchange", True)
    assert answers.form == {"ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
                            "username": "svc-cronofy@contoso.com",
                            "room_list": "rooms@contoso.com", "timeout": "45"}
    assert answers.secrets == {"password": SECRET}
    assert (answers.region, answers.service, answers.accept_terms) == ("uk", None, True)
    assert answers.confirm == frozenset()
    assert SECRET not in repr(answers)  # a traceback or a log line never shows it


def test_defaults_and_google_confirmation(tmp_path: Path) -> None:
    answers = load(_write(tmp_path, 'provider = "google"\n[confirm]\ncronofy_app = true\n'))
    assert (answers.language, answers.unattended, answers.accept_terms) == (None, False, False)
    assert answers.form == {} and answers.secrets == {}
    assert answers.confirm == frozenset({"cronofy_app"})


# (file text, what the one sentence must name: the key and the line) — exit 2 each.
BAD = {
    "unknown key": ('provider = "exchange"\nunatended = true\n', ["unatended", "line 2"]),
    "unknown table": ('provider = "exchange"\n\n[from]\nusername = "a@b.de"\n',
                      ["from", "line 3"]),
    "unknown form field": ('provider = "exchange"\n[form]\nusername = "a@b.de"\n'
                           'pasword = "x"\n', ["form.pasword", "line 4"]),
    "dotted unknown field": ('provider = "exchange"\nform.room_lst = "a@b.de"\n',
                             ["form.room_lst", "line 2"]),
    "wrong type": ('provider = "exchange"\nunattended = "yes"\n', ["unattended", "line 2"]),
    "wrong type in a table": ('provider = "exchange"\n[connect]\naccept_terms = 1\n',
                              ["connect.accept_terms", "line 3"]),
    "form is not a table": ('provider = "exchange"\nform = "x"\n', ["form", "line 2"]),
    "unknown provider": ('provider = "lotus-notes"\n', ["provider", "line 1", "exchange"]),
    "unknown language": ('language = "fr"\nprovider = "exchange"\n', ["language", "line 1"]),
    "unknown region": ('provider = "exchange"\n[connect]\n  region = "eu"\n',
                       ["connect.region", "line 3", "de"]),
    "unknown service": ('provider = "exchange"\n[connect]\nservice = "notes"\n',
                        ["connect.service", "line 3"]),
    "invalid value": ('provider = "exchange"\n[form]\nroom_list = "not an address"\n',
                      ["form.room_list", "line 3"]),
    "choice not offered": ('provider = "exchange"\n[form]\nauth = "kerberos"\n',
                           ["form.auth", "line 3", "ntlm"]),
    "secret not a secret": ('provider = "exchange"\n[secrets]\nusername = "USER"\n',
                            ["secrets.username", "line 3", "[form]"]),
    "confirmation unknown": ('provider = "exchange"\n[confirm]\ncronofy_app = true\n',
                             ["confirm.cronofy_app", "line 3"]),
    "missing provider": ('language = "de"\n', ["provider"]),
    "not toml": ('provider = "exchange"\n[form\n', ["line 2"]),
    "missing environment variable": ('provider = "exchange"\n[secrets]\n'
                                     'password = "ROOMCAL_TEST_UNSET"\n',
                                     ["secrets.password", "line 3", "ROOMCAL_TEST_UNSET"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_one_sentence_naming_key_and_line(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, named = BAD[case]
    path = _write(tmp_path, text)
    assert main(["--lang", "en", "demo", "--answers", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roomcal: ") and err.count("\n") == 1, err  # one sentence
    assert "answers.toml" in err, err
    for word in named:
        assert word in err, (word, err)
    assert "Traceback" not in err


def test_the_sentence_is_german_with_lang_de(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, 'provider = "exchange"\nunatended = true\n')
    assert main(["--lang", "de", "demo", "--answers", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Zeile 2" in err and "unatended" in err, err


@pytest.mark.parametrize("where", ["[form]", "[secrets]"])
def test_a_secret_written_inline_is_refused_and_never_repeated(
        where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, f'provider = "exchange"\n\n{where}\npassword = "{SECRET}"\n')
    assert main(["--lang", "en", "check", "exchange", "--answers", str(path)]) == 2
    captured = capsys.readouterr()
    assert "password" in captured.err and "line 4" in captured.err, captured.err
    assert "environment variable" in captured.err
    assert SECRET not in captured.out + captured.err
    assert not find_leaks(files_text(*_state_dirs()), {SECRET})


def _state_dirs() -> list[Path]:
    import os

    return [Path(os.environ[v]) for v in ("ROOMCAL_STATE_DIR", "ROOMCAL_CONFIG_DIR")
            if Path(os.environ[v]).exists()]


def test_check_reads_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file's form fills what the command line leaves out; argv wins over it."""
    path = _write(tmp_path, 'provider = "exchange"\n[form]\nroom_list = "nowhere@demo.example.com"'
                            '\n[confirm]\n')
    code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--answers",
                 str(path), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["ok"] is False
    room_list = next(c for c in payload["checks"] if c["id"] == "room_list")
    assert room_list["status"] == "fail" and "nowhere@demo.example.com" in room_list["detail"]

    code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--answers",
                 str(path), "--room-list", "rooms@demo.example.com", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["ok"] is True


def test_check_takes_the_password_from_the_files_variable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """[secrets] names the variable: it wins over ROOMCAL_PASSWORD and the demo's own."""
    path = _write(tmp_path, 'provider = "exchange"\n[secrets]\npassword = "ROOMCAL_EWS_PASSWORD"\n')
    monkeypatch.setenv("ROOMCAL_EWS_PASSWORD", SECRET)  # not the sandbox's password
    monkeypatch.setenv("ROOMCAL_PASSWORD", "Sandbox-Passw0rd!")
    with collect_secrets() as seen:
        code = main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--answers",
                     str(path), "--json"])
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert code == 1
    credentials = next(c for c in payload["checks"] if c["id"] == "credentials")
    assert credentials["status"] == "fail", credentials
    assert not find_leaks({"stdout": captured.out, "stderr": captured.err,
                           **files_text(*_state_dirs())}, seen | {SECRET})


def test_check_refuses_a_file_for_another_provider(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, 'language = "en"\nprovider = "google"\n')
    assert main(["check", "exchange", "--answers", str(path)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"line 2\b", err) and "google" in err, err


def test_check_answers_confirm_and_language(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """[confirm] is --confirm; the file's language is used unless --lang says otherwise."""
    path = _write(tmp_path, 'language = "de"\nprovider = "google"\n[confirm]\n'
                            'cronofy_app = true\n')
    code = main(["check", "google", "--scenario", "healthy", "--answers", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Alle Voraussetzungen sind erfüllt." in out


def test_the_documented_examples_are_good_files(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/answers.md's examples stay true: each complete one loads as it is written."""
    docs = Path(__file__).resolve().parents[1] / "docs" / "answers.md"
    blocks = re.findall(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    examples = [block for block in blocks if "provider =" in block]
    assert len(examples) >= 5
    monkeypatch.chdir(tmp_path)
    (tmp_path / "contoso-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    monkeypatch.setenv("ROOMCAL_PASSWORD", SECRET)
    providers = set()
    for number, block in enumerate(examples):
        answers = load(_write(tmp_path, block, f"example{number}.toml"))
        providers.add(answers.provider)
    assert providers == {"exchange", "microsoft365", "google"}
