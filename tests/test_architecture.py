"""Layering (import-linter), lint (ruff) and types (mypy), enforced in the test run CI executes."""

from __future__ import annotations

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


def _lint_imports() -> subprocess.CompletedProcess[str]:
    return subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


# Tests that write a probe module into the package, and those that read the whole tree,
# share one worker: in parallel, one's probe would be another's finding.
PACKAGE_TREE = pytest.mark.xdist_group("package-tree")


@PACKAGE_TREE
def test_import_contracts() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    # The contracts bite: the sandbox named under TYPE_CHECKING in core is a broken
    # contract too (a Sandbox in a signature is a dependency).
    probe = ROOT / "wizard" / "core" / "_contract_probe.py"
    probe.write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                     "    from wizard.sandbox import Sandbox\n", encoding="utf-8")
    try:
        broken = _lint_imports()
    finally:
        probe.unlink()
    assert broken.returncode != 0
    assert "wizard.core._contract_probe -> wizard.sandbox" in broken.stdout


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
