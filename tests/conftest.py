"""Shared fixtures: an isolated home, an in-memory keyring, English by default."""

from __future__ import annotations

import compileall
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from memory_keyring import MemoryKeyring
from wizard.core import catalogs, i18n, redact

# The suite allocates as Textual does, dozens of app runs per worker: CPython collects its
# young generation every 700 allocations. Young cycles are still collected, a seventieth
# as often; the app's own policy (wizard/ui/memory.py) works relative to these and is
# tested as such. Measured on the UI tests pinned to one core each, A/B at the same time:
# 2-3 % less CPU.
gc.set_threshold(50_000, 50, 1_000)

# Byte-compile the package once, before the workers start: a clean checkout has no
# bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI images often set it) each of
# the six workers and every `python -m wizard` the tests start compiled it again.
if "PYTEST_XDIST_WORKER" not in os.environ:
    compileall.compile_dir(Path(i18n.__file__).resolve().parents[1], quiet=1)

# Compile the .po fragments once per run when they changed in this checkout.
catalogs.compile_all(Path(i18n.LOCALE_DIR), only_stale=True)

# Tests must be reproducible whatever the developer's shell says.
for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
    os.environ.pop(var, None)
os.environ["TEXTUAL_ANIMATIONS"] = "none"
# Textual composites a changed screen up to 60 times a second; headless, nobody sees the
# frames between Pilot's waits, which composite the screen anyway. At 12 a second the
# suite spends ~8 % less CPU (measured on the whole suite, 385 s → 355 s). The random-input
# test (tests/test_monkey.py) runs at Textual's 60, where the races of a real terminal are.
os.environ["TEXTUAL_FPS"] = "12"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: three workers per core, at least six.

    A test waits as well as computes — for the sandbox's sockets, for Pilot's idle checks,
    for a Retry-After — and a waiting worker leaves its core to another. Measured on this
    2-core machine (the whole suite, back to back): 3 workers 409 s, 4 workers 318 s,
    6 workers 301 s, 8 workers 304 s.
    """
    return max(6, 3 * (os.cpu_count() or 1))


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        _rewrite_test_modules_once(config)


def _rewrite_test_modules_once(config: pytest.Config) -> None:
    """Rewrite the test modules' asserts once, in the controller, for the workers to read.

    pytest caches a rewritten module beside it, unless PYTHONDONTWRITEBYTECODE is set (CI
    images often set it, this machine's does): then each of the six workers parsed and
    rewrote every test module again, 1.5 s of CPU each. The workers read the cache whatever
    that variable says. pytest is pinned (pyproject.toml); should these names move, the
    workers rewrite as before.
    """
    try:
        from _pytest.assertion.rewrite import (
            PYC_TAIL,
            _read_pyc,
            _rewrite_test,
            _write_pyc,
            assertstate_key,
            get_cache_dir,
        )
    except ImportError:
        return
    state = config.stash.get(assertstate_key, None)
    if state is None or state.mode != "rewrite":  # --assert=plain
        return
    for module in sorted(Path(__file__).parent.glob("test_*.py")):
        cache = get_cache_dir(module)
        pyc = cache / (module.name[:-3] + PYC_TAIL)
        if _read_pyc(module, pyc) is None:
            cache.mkdir(exist_ok=True)
            source, code = _rewrite_test(module, config)
            _write_pyc(state, code, source, pyc)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked ``slow``) first: under pytest-xdist, tests are handed out in
    this order, and a 30-second test handed out last runs on alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# Where a test's files go, home and XDG base directories alike: into a temporary home of
# its own, so that nothing a test or its subprocesses write (profiles, secrets, caches,
# logs, exports) lands in the developer's real home. Beside the test's tmp_path, not in
# it: tests list their tmp_path, or make a home of their own there.
HOME_DIRECTORIES = {
    "HOME": "",
    "XDG_CACHE_HOME": ".cache",
    "XDG_CONFIG_HOME": ".config",
    "XDG_STATE_HOME": ".local/state",
    "XDG_DATA_HOME": ".local/share",
}


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp(f"{tmp_path.name}-home", numbered=False)
    for variable, directory in HOME_DIRECTORIES.items():
        (home / directory).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(home / directory))
    monkeypatch.setenv("ROOMCAL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ROOMCAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("ROOMCAL_PASSWORD", raising=False)
    i18n.set_language("en")
    yield
    i18n.set_language("en")
    redact.forget_all()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
