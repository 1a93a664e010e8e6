"""Progress of long checks on stderr: "1 525 of 5 000 rooms checked…".

Without ``--json`` progress lines go to stderr (a few per second at most); with
``--json`` stderr stays quiet unless it is a terminal, where one line is rewritten
in place (``\\r``). Microsoft 365 and Google report while they page through the
rooms, Microsoft 365 and Exchange while they probe each room's calendar.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wizard.cli import main

NBSP = "\u00a0"  # between thousands: "1 525" stays on one line


def test_counts_are_grouped_by_thousands() -> None:
    from wizard.core.progress import grouped

    assert [grouped(n) for n in (7, 1525, 5000, 1234567)] == [
        "7", f"1{NBSP}525", f"5{NBSP}000", f"1{NBSP}234{NBSP}567"]


def _scenario(tmp_path: Path, rooms: int, page_size: int, latency_ms: int = 0) -> str:
    path = tmp_path / "paged.toml"
    path.write_text(f"latency_ms = {latency_ms}\n[rooms]\ncount = {rooms}\n"
                    f"[microsoft365]\npage_size = {page_size}\n[google]\n"
                    f"page_size = {page_size}\n", encoding="utf-8")
    return str(path)


def test_microsoft365_reports_paging_and_probing(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "microsoft365", "--scenario",
                 _scenario(tmp_path, 60, 10)])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = err.splitlines()
    assert any(line.startswith("  … Room mailboxes exist: ") and line.endswith(
        " room mailboxes read…") for line in lines), err
    assert any(line.startswith("  … Room calendars readable: ") and line.endswith(
        " of 60 room calendars checked…") for line in lines), err
    assert "\r" not in err  # not a terminal: whole lines


def test_google_reports_paging(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--lang", "en", "check", "google", "--scenario", _scenario(tmp_path, 60, 10)])
    err = capsys.readouterr().err
    assert "Conference rooms exist: 10 conference rooms read…" in err, err


def test_progress_lines_are_few(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    main(["--lang", "en", "check", "microsoft365", "--scenario",
          _scenario(tmp_path, 120, 2, latency_ms=10)])
    elapsed = time.monotonic() - started
    progress = [line for line in capsys.readouterr().err.splitlines() if "…" in line]
    # 60 pages and 360 reads of rooms, yet at most about one line per check and second
    # (the sandbox's latency, not the room count, makes it last: little CPU).
    assert progress and len(progress) <= 2 * (elapsed + 2), (elapsed, progress)


def test_json_keeps_stderr_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--lang", "en", "check", "microsoft365", "--scenario",
          _scenario(tmp_path, 60, 10), "--json"])
    assert "…" not in capsys.readouterr().err


def test_on_a_terminal_one_line_is_rewritten_even_with_json(tmp_path: Path) -> None:
    """stderr a pseudo-terminal, stdout a pipe (a script reading the JSON, a person
    watching)."""
    main_fd, terminal = os.openpty()
    env = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
           "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"), "TERM": "xterm", "COLUMNS": "80"}
    stdout = (tmp_path / "stdout.json").open("w+b")  # a file: a full pipe would block it
    process = subprocess.Popen(
        [sys.executable, "-m", "wizard", "--lang", "en", "check", "microsoft365",
         "--scenario", _scenario(tmp_path, 60, 10, latency_ms=20), "--json"],
        stdout=stdout, stderr=terminal, stdin=subprocess.DEVNULL, env=env)
    os.close(terminal)
    seen = b""
    while True:
        ready, _w, _x = select.select([main_fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(main_fd)
    stdout.seek(0)
    out = stdout.read()
    stdout.close()
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert out.lstrip().startswith(b"{")  # the JSON, untouched, on stdout
    assert "\r" in text and "room calendars checked…" in text, text
    assert "room calendars checked…\r\n" not in text  # the line is rewritten, not ended
