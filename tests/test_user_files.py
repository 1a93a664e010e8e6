"""Files a person names (or finds planted): one sentence and exit 2, never a hang or exit 70.

Each test does what a person or an attacker would: plants a FIFO or a device where
a file is expected, writes a profile or a report of the wrong shape, names a folder
that does not exist, holds the profile from a second process, sends a real SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.core.settings import Settings


def profiles() -> Path:
    return Settings.from_env().profiles_dir


def roomcal(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def one_sentence(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.strip().count("\n") == 0, err


# -- planted FIFOs and devices: refused at once, not read forever ---------------------------

@pytest.mark.parametrize("option", ["demo --scenario", "--answers", "sandbox --scenario"])
def test_a_fifo_named_as_a_file_is_refused_at_once(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)  # nobody ever writes into it: reading would wait forever
    result = roomcal(*option.split(), str(fifo), timeout=20)
    assert result.returncode == 2, result.stderr
    one_sentence(result.stderr)
    assert str(fifo) in result.stderr and "not a regular file" in result.stderr


def test_dev_zero_as_a_scenario_is_refused_at_once() -> None:
    result = roomcal("demo", "--scenario", "/dev/zero", timeout=20)  # endless zeros
    assert result.returncode == 2, result.stderr
    one_sentence(result.stderr)
    assert "/dev/zero" in result.stderr and "not a regular file" in result.stderr


def test_a_huge_answers_file_is_refused_by_its_size(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "answers.toml"
    with huge.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)  # sparse: 65 MB that cost no disk
    assert main(["--answers", str(huge)]) == 2
    err = capsys.readouterr().err
    one_sentence(err)
    assert "larger than" in err


def test_a_planted_fifo_as_the_profile_does_not_hang_the_report() -> None:
    profiles().mkdir(parents=True)
    os.mkfifo(profiles() / "default.json")
    result = roomcal("report", timeout=20)
    assert result.returncode == 2, result.stderr  # nothing readable: no calendar service yet
    assert "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifo_as_the_ca_bundle_is_named_for_what_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    code = main(["check", "exchange", "--ews-url", "https://127.0.0.1:9/EWS/Exchange.asmx",
                 "--username", "svc@example.com", "--room-list", "rooms@example.com",
                 "--ca-bundle", str(fifo)])
    err = capsys.readouterr().err
    assert code == 2, err
    one_sentence(err)
    assert "not a regular file" in err and "does not exist" not in err


def test_german_sentence_for_a_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "antworten.toml"
    os.mkfifo(fifo)
    assert main(["--lang", "de", "--answers", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert "keine gewöhnliche Datei" in err, err


# -- profiles of the wrong shape: a .bak, a fresh start and a notice ------------------------

WRONG_SHAPES = [
    {"step": 5},
    {"provider": ["exchange"]},
    {"inputs": {"exchange": 3}},
    {"inputs": {"exchange": {"ews_url": 7}}},
    {"results": {"exchange": "x"}},
    {"confirmations": "cronofy_app"},
    {"connection": {"provider": 1}},
    {"connection": "linked"},
    {"mappings": [{"resource_id": "r1"}]},
    {"mappings": {"a": 1}},
    {"continue_anyway": "yes"},
    {"checked": {"exchange": []}},
    {"region": "zz"},  # the link screen's data-centre list has no such entry
]


@pytest.mark.parametrize("shape", WRONG_SHAPES, ids=lambda s: next(iter(s)))
def test_a_wrong_typed_profile_is_kept_as_bak_and_started_fresh(
        shape: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    profiles().mkdir(parents=True)
    text = json.dumps({"name": "default", "provider": "exchange", **shape})
    (profiles() / "default.json").write_text(text, encoding="utf-8")
    code = main(["report"])
    err = capsys.readouterr().err
    assert code == 2, err  # a fresh profile has no calendar service yet
    assert "damaged; a copy was kept as" in err and "internal error" not in err
    backups = list(profiles().glob("default.json.*.bak"))
    assert [b.read_text(encoding="utf-8") for b in backups] == [text]


def test_a_profile_from_before_the_relay_still_loads(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Links ran on this machine then, and a profile kept the one under way
    ("pending_link"): that key is no longer read, and the profile loads as it was."""
    profiles().mkdir(parents=True)
    (profiles() / "default.json").write_text(json.dumps({
        "name": "default", "provider": "exchange", "region": "uk", "step": "connect",
        "pending_link": {"state": "STATE", "port": 8751, "region": "uk",
                         "redirect_uri": "http://127.0.0.1:8751/", "started": 1.0e9}}),
        encoding="utf-8")
    assert main(["report"]) == 0
    out, err = capsys.readouterr()
    assert "damaged" not in err and not list(profiles().glob("*.bak"))
    assert '"provider": "exchange"' in out


def test_a_profile_nested_100000_deep_is_kept_as_bak(capsys: pytest.CaptureFixture[str]) -> None:
    profiles().mkdir(parents=True)
    (profiles() / "default.json").write_text("[" * 100_000, encoding="utf-8")
    assert main(["report"]) == 2
    err = capsys.readouterr().err
    assert "damaged; a copy was kept as" in err and "internal error" not in err
    assert len(list(profiles().glob("default.json.*.bak"))) == 1


# -- damaged scenario and report files ------------------------------------------------------

DAMAGED = [
    ("report.json", '{"roomcal_report": 1, "provider": 5, "checks": "x"}'),
    ("report.json", '{"roomcal_report": 2, "provider": "exchange", "checks": [1, "x"]}'),
    ("report.json", '{"roomcal_report": 2, "provider": "exchange", "inputs": []}'),
    ("report.json", '[1]'),
    ("report.json", "[" * 100_000),
    ("scenario.toml", "rooms = 5\n"),
    ("scenario.toml", "latency_ms = 'slow'\n"),
    ("scenario.toml", "[rooms]\nlist = [1, 2]\n"),
    ("scenario.toml", "[rooms]\ncount = 'many'\n"),
    ("scenario.toml", "exchange = 3\n"),
    ("scenario.toml", "description = 5\n"),
    ("scenario.toml", "[cronofy]\nfail = 5\n"),
    ("scenario.toml", "[exchange]\nlatency_ms = 'x'\n"),
]


@pytest.mark.parametrize(("name", "text"), DAMAGED)
def test_a_damaged_scenario_or_report_is_one_sentence(
        tmp_path: Path, name: str, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["sandbox", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    one_sentence(err)
    assert str(path) in err


def test_the_demo_refuses_a_scenario_table_of_the_wrong_type_before_its_first_screen(
        tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text("[cronofy]\nfail = 5\n", encoding="utf-8")  # read by the sandbox's Cronofy
    result = roomcal("demo", "--scenario", str(path), timeout=30)
    assert result.returncode == 2, result.stderr
    one_sentence(result.stderr)
    assert "[cronofy]" in result.stderr and str(path) in result.stderr


# -- ROOMCAL_PROVIDERS naming a module that is not there ------------------------------------

@pytest.mark.parametrize("args", [["report"], ["--help"], ["check", "exchange", "--help"]])
def test_a_missing_provider_module_is_one_sentence(args: list[str]) -> None:
    result = roomcal(*args, env={"ROOMCAL_PROVIDERS": "roomcal_nosuch.provider"})
    assert result.returncode == 2, result.stderr
    one_sentence(result.stderr)
    assert "ROOMCAL_PROVIDERS" in result.stderr and "roomcal_nosuch.provider" in result.stderr


# -- report destinations: checked before any work, never replaced unasked -------------------

def test_check_report_into_a_missing_folder_fails_before_the_checks(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "report.json"
    started = time.monotonic()
    result = roomcal("check", "exchange", "--scenario", "slow", "--report", str(target))
    assert result.returncode == 2, result.stderr
    one_sentence(result.stderr)
    assert "no such folder" in result.stderr
    assert time.monotonic() - started < 10  # the slow scenario's checks never ran
    assert "✓" not in result.stdout + result.stderr


def test_check_report_does_not_replace_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("keep me", encoding="utf-8")
    result = roomcal("check", "exchange", "--scenario", "healthy", "--report", str(target))
    assert result.returncode == 2, result.stderr
    assert "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
    forced = roomcal("check", "exchange", "--scenario", "healthy", "--report", str(target),
                     "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["provider"] == "exchange"


def _profile_with_a_provider() -> None:
    profiles().mkdir(parents=True)
    (profiles() / "default.json").write_text('{"provider": "exchange"}', encoding="utf-8")


def test_report_output_never_replaces_a_file_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _profile_with_a_provider()
    target = tmp_path / "report.json"
    target.write_text("an earlier report", encoding="utf-8")
    assert main(["report", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "an earlier report"
    assert main(["report", "-o", str(target), "--force"]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["provider"] == "exchange"


@pytest.mark.parametrize(("answer", "replaced"), [("y", True), ("n", False)])
def test_report_output_on_a_terminal_asks_before_replacing(tmp_path: Path, answer: str,
                                                           replaced: bool) -> None:
    import pty

    _profile_with_a_provider()
    target = tmp_path / "report.json"
    target.write_text("an earlier report", encoding="utf-8")
    pid, fd = pty.fork()
    if pid == 0:  # a person at a terminal, as over SSH
        os.execv(sys.executable, [sys.executable, "-m", "wizard", "report", "-o", str(target)])
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"Replace it?" not in seen and time.monotonic() < deadline:
            seen += _drain(fd)
        assert b"Replace it? [y/N]" in seen, seen
        os.write(fd, answer.encode() + b"\n")
        _pid, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == (0 if replaced else 2)
    text = target.read_text(encoding="utf-8")
    assert (text != "an earlier report") is replaced


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_report_output_into_a_missing_folder_or_onto_a_folder(
        tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    _profile_with_a_provider()
    target = tmp_path / "nowhere" / "r.json" if where == "missing" else tmp_path
    assert main(["report", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    one_sentence(err)
    assert str(target) in err


# -- two wizards on one profile -------------------------------------------------------------

HOLD = """
import sys, time
from wizard.core.settings import Settings
from wizard.core.store import ProfileStore
store = ProfileStore(getattr(Settings.from_env(), sys.argv[2]))
store.claim(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_wizard_on_a_held_profile_is_refused_with_a_sentence() -> None:
    # connect --scenario is the demo's step 2: it saves the demo's profile of that name.
    holder = subprocess.Popen([sys.executable, "-c", HOLD, "default", "demo_profiles_dir"],
                              stdout=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = roomcal("connect", "--accept-terms", "--scenario", "healthy")
        assert result.returncode == 2, result.stderr
        one_sentence(result.stderr)
        assert "in use by another roomcal" in result.stderr
        assert f"process {holder.pid}" in result.stderr and "--profile" in result.stderr
        # Another profile is free.
        assert roomcal("connect", "--accept-terms", "--profile", "other", "--scenario", "healthy"
                       ).returncode == 0
    finally:
        holder.kill()
        holder.wait()
    # Once the first is gone, the profile is free again (the lock died with it).
    assert roomcal("connect", "--accept-terms", "--scenario", "healthy").returncode == 0


# -- SIGTERM/SIGHUP: the sandbox's key folder goes with it ----------------------------------

def _key_folders(tmp: Path) -> list[Path]:
    return list(tmp.glob("roomcal-sandbox-tls-*"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_roomcal_sandbox_removes_its_key_folder(tmp_path: Path,
                                                           sig: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "wizard", "sandbox"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(tmp)},
                               stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert "running" in lines[0], lines
        assert len(_key_folders(tmp)) == 1
        process.send_signal(sig)
        process.wait(timeout=20)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -sig  # it dies of the signal, as before, only tidily
    assert _key_folders(tmp) == []


def test_sigterm_to_roomcal_demo_removes_its_key_folder(tmp_path: Path) -> None:
    import pty

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    pid, fd = pty.fork()
    if pid == 0:  # the child: roomcal demo in a terminal of its own, as over SSH
        os.environ.update({"TMPDIR": str(tmp), "TERM": "xterm-256color",
                           "COLUMNS": "80", "LINES": "24"})
        os.execv(sys.executable, [sys.executable, "-m", "wizard", "demo"])
    try:
        deadline = time.monotonic() + 30
        while not _key_folders(tmp) and time.monotonic() < deadline:
            _drain(fd)
        assert len(_key_folders(tmp)) == 1
        time.sleep(0.3)  # the servers are up too
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            _drain(fd)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        assert status is not None and os.WIFSIGNALED(status), status
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    assert _key_folders(tmp) == []


def _drain(fd: int) -> bytes:
    import select

    ready, _w, _x = select.select([fd], [], [], 0.1)
    if ready:
        with contextlib.suppress(OSError):
            return os.read(fd, 65536)
    return b""



# -- the demo keeps its own profiles ---------------------------------------------------------

async def test_the_demo_never_writes_the_real_profile_and_a_restart_links_afresh() -> None:
    import threading

    from scenes import settle

    from ui_support import make_app, make_setup
    from wizard.app import Setup
    from wizard.commands.common import CliInteraction
    from wizard.core.flow import Step
    from wizard.core.model import render
    from wizard.sandbox import Sandbox
    from wizard.ui.screens.connect import ConnectScreen

    first = Sandbox("healthy").start()
    try:  # a guide walks the demo to the assign screen, on the default profile
        demo = make_setup(first, profile="default", provider="exchange", step=Step.CONNECT)
        demo.link(CliInteraction(first), threading.Event())
        demo.session.set_step(Step.ASSIGN)
    finally:
        first.stop()  # the demo ends: its sandbox, and the tokens it issued, are gone
    real = Setup("default", settings=Settings.from_env())
    assert real.session.profile.connection is None and not real.session.profile.provider
    assert not (profiles() / "default.json").exists()

    second = Sandbox("healthy").start()
    try:  # the demo again: not into a link whose tokens died with the first sandbox
        app = make_app(second, profile="default")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, ConnectScreen), app.screen
            assert app.session.profile.connection is None
            notes = " ".join(render(w) for w in app.session.warnings)
            assert "link again" in notes, notes
    finally:
        second.stop()


async def test_a_profile_naming_a_service_no_longer_installed_reaches_the_link_screen() -> None:
    """A profile saved with a provider from ROOMCAL_PROVIDERS that is gone now: step 2's
    service list cannot show it; the link screen offers step 1's service instead."""
    from ui_support import link_screen, make_app, sandbox, settle
    from wizard.core.flow import Step
    from wizard.ui.screens.connect import LinkScreen

    folder = Settings.from_env().demo_profiles_dir
    folder.mkdir(parents=True)
    (folder / "test.json").write_text(json.dumps(
        {"provider": "exchange", "service": "acme_rooms", "step": "prepare"}), encoding="utf-8")
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await link_screen(pilot)
            assert isinstance(app.screen, LinkScreen), app.screen
            assert app.session.profile.service in ("", "exchange")
