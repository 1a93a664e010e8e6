"""``roomcal --help`` from its cache: never stale, and never in the real home during tests."""

from __future__ import annotations

import os
import pwd
import shutil
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


def _copy_of_the_package(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    shutil.copytree(PACKAGE, root / "wizard", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _edit(root: Path, old: str, new: str) -> None:
    """Replace a help text wherever the package defines it."""
    for path in (root / "wizard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")
            return
    raise AssertionError(f"{old!r} is not in the package")


def test_an_edited_help_text_is_shown(tmp_path: Path) -> None:
    """The cache was keyed on cli.py, while the parser lives in commands/dispatch.py."""
    root = _copy_of_the_package(tmp_path)
    env = {"PYTHONPATH": str(root), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = _help(env, cwd=root)
    assert "the built-in sandbox" in first
    _edit(root, "the built-in sandbox", "the sandbox edited a moment ago")
    second = _help(env, cwd=root)
    assert "the sandbox edited a moment ago" in second
    assert _help(env, cwd=root) == second  # and that is cached again


def test_a_new_distribution_on_the_path_renders_the_help_anew(tmp_path: Path) -> None:
    """An installed plugin adds a dist-info to a sys.path directory: the parser may change."""
    plugins = tmp_path / "site"
    plugins.mkdir()
    cache = tmp_path / "cache"
    env = {"PYTHONPATH": str(plugins), "XDG_CACHE_HOME": str(cache)}
    _help(env)
    [cached] = (cache / "roomcal").glob("help-*")
    written = cached.stat().st_ino
    _help(env)
    assert cached.stat().st_ino == written  # answered from the cache
    (plugins / "roomcal_extra-1.0.dist-info").mkdir()
    _help(env)
    assert cached.stat().st_ino != written  # rendered and written anew
