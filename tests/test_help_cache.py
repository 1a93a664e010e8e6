"""``roomcal --help`` from its cache: never stale, and never in the real home during tests."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

import wizard

PACKAGE = Path(wizard.__file__).resolve().parent
HELP = "import sys; from wizard.cli import main; sys.exit(main(['--help']))"


def _help(env: dict[str, str], *, cwd: Path | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", HELP], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "80", **env}, cwd=cwd, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _files(directory: Path) -> dict[str, int]:
    if not directory.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}


def test_a_help_run_in_a_test_writes_its_cache_under_the_test_home(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests used to fill the developer's ~/.cache/roomcal with help files."""
    real_cache = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "roomcal"
    before = _files(real_cache)
    _help({})  # the environment a test's subprocess inherits
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser()
    tests_temp = tmp_path_factory.getbasetemp()  # this run's, where every tmp_path is
    assert cache_home.is_relative_to(tests_temp), cache_home
    assert list((cache_home / "roomcal").glob("help-*")), "no help cache under the test's home"
    assert Path.home().is_relative_to(tests_temp)
    assert _files(real_cache) == before
