"""What a package ships besides code: the licence named in pyproject.toml, and how to install."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_file_is_the_one_pyproject_names() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 The roomcal authors" in text
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_sdist_carries_the_licence() -> None:
    assert "LICENSE" in PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]


def test_the_readme_offers_pipx_beside_the_venv() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # CI runs the command after the marker; the demo line is what people copy first.
    assert readme.index(
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/roomcal demo --lang de"
    ) < readme.index("<!-- test-command -->\n```sh\npython3 -m venv .venv && .venv/bin/pip "
                     "install -e '.[test]' && .venv/bin/python -m pytest -q -p no:cacheprovider\n")
    assert "pipx install ." in readme and "pipx run" in readme


def test_the_readme_is_read_in_three_minutes() -> None:
    """A newcomer's page: the two commands first, the rest in docs/ (issue 19)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 8 * 1024
    first_block = readme.index("```sh")
    assert readme.index(".venv/bin/roomcal demo") > first_block
    assert readme.index("<!-- test-command -->") < readme.index("## ")
    for link in ("docs/security.md", "docs/cli.md", "docs/providers.md", "docs/performance.md",
                 "docs/development.md", "docs/answers.md", "docs/contracts.md"):
        assert f"({link})" in readme and (ROOT / link).is_file(), link
