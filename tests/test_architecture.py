"""Layering (import-linter), lint (ruff) and types (mypy), enforced in the test run CI executes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed (pip install -e '.[test]')"
    return found


def _lint_imports(checkout: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """lint-imports on ``checkout``'s package (its directory first on the path)."""
    return subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=checkout,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(checkout)})


# Tests that read the whole tree share one worker. A probe module goes into a copy of the
# package (tmp_path), never into the tree: in parallel, it would be another test's finding.
PACKAGE_TREE = pytest.mark.xdist_group("package-tree")


@PACKAGE_TREE
def test_import_contracts(tmp_path: Path) -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    # The contracts bite: the sandbox named under TYPE_CHECKING in core is a broken
    # contract too (a Sandbox in a signature is a dependency). The probe goes into a copy of
    # the package, never into the tree other tests read while this one runs.
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "wizard", copy / "wizard",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    (copy / "wizard" / "core" / "_contract_probe.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from wizard.sandbox import Sandbox\n", encoding="utf-8")
    # And the session is the application layer's: a screen importing it breaks one.
    (copy / "wizard" / "ui" / "_session_probe.py").write_text(
        "from wizard.core.session import Session\n", encoding="utf-8")
    broken = _lint_imports(copy)
    assert broken.returncode != 0
    assert "wizard.core._contract_probe -> wizard.sandbox" in broken.stdout
    assert "wizard.ui._session_probe -> wizard.core.session" in broken.stdout


@PACKAGE_TREE
def test_ruff() -> None:
    result = subprocess.run([_tool("ruff"), "check", "wizard", "tests", "benchmarks", "scripts"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # ~13 s without a cache (as in CI)
@PACKAGE_TREE
def test_mypy() -> None:
    # Strict, for the package ([tool.mypy]); its cache is .mypy_cache in the checkout.
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_styles_ship_inside_the_package() -> None:
    from wizard.ui.app import STYLES

    assert STYLES.is_file()
    assert STYLES.is_relative_to(ROOT / "wizard")
