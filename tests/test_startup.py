"""``roomcal --help`` as an admin types it: the installed console script, started for real.

The command is a ``[project.scripts]`` entry point (what pip, pipx and every packager
generate a wrapper for). Its start-up stays short by importing no provider library and
no UI toolkit on the help path — proved here by the interpreter's own import log
(``-X importtime``), not by a clock: benchmarks/startup.py measures the time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from wizard.core.settings import Settings

# What `roomcal --help` must not pull in: each costs tens to hundreds of milliseconds.
HEAVY = ("textual", "exchangelib", "msal", "google_auth_oauthlib", "httpx")
# Nor the network stack: the help talks to nobody, and ssl alone was a tenth of its start.
NETWORK = ("ssl", "socket")


def _console_script() -> str:
    found = shutil.which("roomcal", path=str(Path(sys.executable).parent))
    assert found, "no roomcal command beside this Python: pip install -e '.[test]' again"
    return found


def _help(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPROFILEIMPORTTIME": "1"}
    return subprocess.run([_console_script(), *args, "--help"], capture_output=True, text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)


def _imported(import_log: str) -> set[str]:
    """Module names from ``-X importtime`` lines: ``import time: self | cumulative | name``."""
    return {line.rsplit("|", 1)[1].strip() for line in import_log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def test_roomcal_is_the_packages_console_script_entry_point() -> None:
    (entry,) = metadata.entry_points(group="console_scripts", name="roomcal")
    assert entry.value == "wizard.cli:run"
    assert entry.dist is not None and entry.dist.name == "roomcal-wizard"


def test_help_imports_no_ui_toolkit_and_no_provider_library() -> None:
    result = _help()
    assert result.returncode == 0, result.stderr
    imported = _imported(result.stderr)
    assert "argparse" in imported  # the log was read: the help was built here, not cached
    heavy = sorted(name for name in imported if name.split(".")[0] in HEAVY)
    assert heavy == [], f"roomcal --help imported {heavy}"


def test_help_imports_no_network_stack() -> None:
    imported = _imported(_help().stderr)
    assert "argparse" in imported
    assert [name for name in NETWORK if name in imported] == []


def test_help_lists_the_variables_exit_codes_and_log_path() -> None:
    out = _help().stdout
    for variable in Settings.variables():
        assert variable.name in out, variable.name
    for heading in ("environment variables:", "exit codes:"):
        assert f"\n{heading}\n" in out, heading
    for code in (0, 1, 2, 70, 130):
        assert f"\n  {code} " in out, code
    assert str(Path(os.environ["ROOMCAL_STATE_DIR"]) / "roomcal.log") in out


def test_help_writes_nothing_into_the_home() -> None:
    """It used to keep a copy of the help in ~/.cache/roomcal: on a shared jump host,
    a file per language and terminal width in every admin's home."""
    home = Path(os.environ["HOME"])
    before = sorted(home.rglob("*"))
    assert _help().returncode == 0
    assert _help("--lang", "de").returncode == 0
    assert sorted(home.rglob("*")) == before
