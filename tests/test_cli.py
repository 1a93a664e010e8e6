"""The CLI contract: help, version, bad input, exit codes, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard import __version__
from wizard.cli import main


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> \
        subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['roomcal', '--help']\n"
        "try:\n"
        "    runpy.run_module('wizard', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('textual', 'exchangelib', 'msal', 'httpx', 'google_auth_oauthlib',"
        " 'keyring', 'rich') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "HEAVY []" in result.stderr
    assert "demo" in result.stdout and "check" in result.stdout


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_language_lists_supported(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "fr", "demo"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "fr" in err and "de, en" in err
    assert "Traceback" not in err


def test_help_in_german() -> None:
    result = run("--lang", "de", "--help")
    assert result.returncode == 0
    assert "Sandbox" in result.stdout or "sandbox" in result.stdout
    assert "the wizard against" not in result.stdout  # translated, not English


def test_unknown_scenario_lists_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--scenario", "no-such-thing"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no-such-thing" in err and "healthy" in err and "many-rooms" in err


def test_unreadable_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("this is = = not toml", encoding="utf-8")
    assert main(["demo", "--scenario", str(broken)]) == 2
    assert "broken.toml" in capsys.readouterr().err


def test_invalid_profile_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "../etc/passwd"]) == 2
    assert "profile" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["report"], ["demo"], ["connect"]])
def test_a_profile_named_before_the_command_is_the_one_used(
        command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`roomcal --profile x report` is `roomcal report --profile x`: the subcommand's own
    default must not overwrite what was given before it."""
    assert main(["--profile", "../etc/passwd", *command]) == 2
    assert "invalid profile name '../etc/passwd'" in capsys.readouterr().err


def test_check_without_required_arguments_is_a_usage_error() -> None:
    result = run("check", "exchange", env={"ROOMCAL_PASSWORD": "x"})
    assert result.returncode == 2, result.stderr
    assert "--ews-url" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_without_password_and_tty_exits_2() -> None:
    result = run("check", "exchange", "--ews-url", "https://127.0.0.1:9/EWS/Exchange.asmx",
                 "--username", "svc@example.com", "--room-list", "rooms@example.com")
    assert result.returncode == 2
    assert "ROOMCAL_PASSWORD" in result.stderr


def test_password_is_not_an_option() -> None:
    result = run("check", "exchange", "--help")
    assert result.returncode == 0
    assert "--password" not in result.stdout
    assert "--ews-url" in result.stdout


def test_check_json_against_sandbox_healthy() -> None:
    result = run("check", "exchange", "--scenario", "healthy", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert next(iter(payload)) == "format" and payload["format"] == 1  # a script checks it first
    assert payload["provider"] == "exchange" and payload["ok"] is True
    assert {c["id"] for c in payload["checks"]} >= {"endpoint", "credentials", "impersonation"}
    for check in payload["checks"]:
        assert set(check) >= {"id", "title", "status", "detail", "remedy"}


def test_check_failure_exits_1_and_report_has_no_password(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run("check", "exchange", "--scenario", "impersonation-denied", "--report",
                 str(report))
    assert result.returncode == 1, result.stderr
    assert "ApplicationImpersonation" in result.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["provider"] == "exchange"
    from wizard.sandbox import Sandbox

    password = Sandbox("healthy").start(("exchange",))
    try:
        secret = password.secrets("exchange")["password"]
    finally:
        password.stop()
    assert secret not in report.read_text(encoding="utf-8")
    assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize(("scenario", "ok"), [("healthy", True), ("cronofy-plan", False)])
def test_connect_json_carries_its_format_version(scenario: str, ok: bool,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario", scenario, "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == (0 if ok else 1)
    assert next(iter(payload)) == "format" and payload["format"] == 1, payload
    assert payload["ok"] is ok
    assert set(payload) >= ({"connection", "rooms"} if ok else {"error", "remedy"})


@pytest.mark.parametrize(("lang", "words"), [("en", "terms of use"),
                                            ("de", "Nutzungsbedingungen")])
def test_connect_refuses_to_link_without_the_terms(lang: str, words: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The TUI links only after its terms toggles: `roomcal connect` asks for them as a
    flag, and without it links nothing (one sentence, exit 2)."""
    code = main(["--lang", lang, "connect", "--scenario", "healthy"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "--accept-terms" in lines[0], err
    # Nothing was linked, and the refusal is what the profile says of the terms.
    from wizard.commands.common import read_settings
    from wizard.core.store import ProfileStore

    profile = ProfileStore(read_settings().demo_profiles_dir).load("default").profile
    assert profile.connection is None and not profile.terms_link


def test_a_refused_connect_changes_nothing_in_the_profile(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A wizard ticked the terms and chose a data centre; `roomcal connect` without
    --accept-terms is refused — and leaves the profile as the wizard left it."""
    from wizard.app import Setup
    from wizard.commands.common import read_settings
    from wizard.core.store import ProfileStore

    settings = read_settings()
    store = ProfileStore(settings.demo_profiles_dir)
    setup = Setup("ticked", store=store, settings=settings)
    setup.welcome.choose("exchange")
    setup.connect.acknowledge_reminder()
    setup.connect.accept_terms_connect(True)
    setup.connect.accept_terms_link(True)
    setup.connect.choose_region("sg")
    before = store.load("ticked").profile
    code = main(["--lang", "en", "connect", "--profile", "ticked", "--scenario", "healthy",
                 "--region", "uk", "--provider", "google"])
    assert code == 2, capsys.readouterr().err
    after = store.load("ticked").profile
    assert (after.reminder_acknowledged, after.terms_connect, after.terms_link) == \
        (True, True, True)
    assert (after.region, after.service) == (before.region, before.service) == ("sg", "")
    assert after.saved_at == before.saved_at  # not even written again


def test_help_has_examples_variables_exit_codes_and_the_log() -> None:
    from wizard.core.settings import Settings

    result = run("--help", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    log = str(Path(os.environ["ROOMCAL_STATE_DIR"]) / "roomcal.log")
    for heading in ("examples:", "environment variables:", "exit codes:"):
        assert f"\n{heading}\n" in out, heading
    assert "roomcal demo --lang de" in out and "roomcal check exchange --ews-url" in out
    for variable in Settings.variables():
        assert variable.name in out and variable.description.split(" (")[0][:25] in out
    for code in (0, 1, 2, 70, 130):
        assert f"\n  {code} " in out, code
    assert log in out
    assert all(len(line) <= 80 for line in out.splitlines() if log not in line), out


def test_help_follows_the_log_folder(tmp_path: Path) -> None:
    """The help shows the log's path: another ROOMCAL_STATE_DIR, another text."""
    for folder in ("one", "two", "one"):
        out = run("--help", env={"ROOMCAL_STATE_DIR": str(tmp_path / folder)}).stdout
        assert str(tmp_path / folder / "roomcal.log") in out


def test_help_in_german_lists_the_variables_in_german() -> None:
    out = run("--lang", "de", "--help", env={"COLUMNS": "80"}).stdout
    assert "Umgebungsvariablen:" in out and "Beispiele:" in out and "Rückgabewerte:" in out
    assert "Ordner für die Profile" in out and "Protokolldatei:" in out
    log = os.environ["ROOMCAL_STATE_DIR"]
    assert all(len(line) <= 80 for line in out.splitlines() if log not in line), out


def test_argparse_own_words_in_german() -> None:
    out = run("--lang", "de", "--help", env={"COLUMNS": "80"}).stdout
    assert out.startswith("Aufruf: roomcal ")
    assert "\nPositionsargumente:\n" in out and "\nOptionen:\n" in out
    assert "diese Hilfe anzeigen und beenden" in out
    assert "Versionsnummer des Programms anzeigen und beenden" in out
    for english in ("usage:", "options:", "positional arguments", "show this help message",
                    "show program's version number"):
        assert english not in out, english
    sub = run("--lang", "de", "check", "exchange", "--help").stdout
    assert sub.startswith("Aufruf: roomcal check exchange") and "\nOptionen:\n" in sub


@pytest.mark.parametrize(("argv", "german"), [
    (["check", "exchange", "--bogus"], "Fehler: nicht erkannte Argumente: --bogus"),
    (["check"], "die folgenden Argumente sind erforderlich: PROVIDER"),
    (["connect", "--region", "mars"], "Argument --region: ungültige Auswahl: 'mars'"),
    # serve checks its port itself (0–65535); the sandbox's is argparse's plain int.
    (["serve", "--port", "x"], "Argument --port: ungültiger Port 'x'"),
    (["sandbox", "--port", "x"], "ungültiger int-Wert: 'x'"),
    (["report", "-o"], "Argument -o/--output: erwartet ein Argument"),
])
def test_argparse_errors_in_german(argv: list[str], german: str) -> None:
    result = run("--lang", "de", *argv)
    assert result.returncode == 2
    assert result.stderr.startswith("Aufruf: roomcal"), result.stderr
    assert german in result.stderr, result.stderr


def test_argparse_german_from_the_environment_and_english_otherwise() -> None:
    german = run("check", "exchange", "--bogus", env={"LANG": "de_DE.UTF-8"})
    assert "nicht erkannte Argumente: --bogus" in german.stderr
    english = run("check", "exchange", "--bogus")
    assert english.stderr.startswith("usage: roomcal")
    assert "error: unrecognized arguments: --bogus" in english.stderr
