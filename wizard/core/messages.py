"""Extract the translatable messages from the source (for catalogs and tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

KEYWORDS = {"_": None, "N_": None, "Msg": None, "ngettext": (1, 2)}
PACKAGE = Path(__file__).resolve().parents[1]


def extract(package: Path = PACKAGE) -> Iterator[tuple[str, str, int]]:
    """(msgid, file, line) of every message marked in the package's Python files."""
    from babel.messages.extract import extract_python

    for path in sorted(package.rglob("*.py")):
        if "sandbox" in path.parts and path.name not in ("__init__.py",):
            # Sandbox servers speak to client libraries, not to people.
            continue
        with path.open("rb") as handle:
            for lineno, _funcname, messages, _comments in extract_python(
                handle, KEYWORDS, [], {}
            ):
                values = messages if isinstance(messages, tuple) else (messages,)
                for message in values:
                    if message:
                        yield message, str(path.relative_to(package.parent)), lineno
