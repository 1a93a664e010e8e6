"""Extract the translatable messages from the source (for catalogs and tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

KEYWORDS = {"_": None, "N_": None, "Msg": None, "ngettext": (1, 2)}
PACKAGE = Path(__file__).resolve().parents[1]


# A provider's sandbox side: servers and replay rules speak to client libraries and to
# the sandbox, not to people.
SANDBOX_MODULES = ("sandbox.py", "replay.py", "ntlm.py")


def speaks_to_people(path: Path) -> bool:
    """False for the sandbox's modules, whose strings are protocol, not language."""
    if "sandbox" in path.parts and path.name != "__init__.py":
        return False
    return not ("providers" in path.parts and path.name in SANDBOX_MODULES)


def extract(package: Path = PACKAGE) -> Iterator[tuple[str, str, int]]:
    """(msgid, file, line) of every message marked in the package's Python files."""
    from babel.messages.extract import extract_python

    for path in sorted(package.rglob("*.py")):
        if not speaks_to_people(path):
            continue
        with path.open("rb") as handle:
            for lineno, _funcname, messages, _comments in extract_python(
                handle, KEYWORDS, [], {}
            ):
                values = messages if isinstance(messages, tuple) else (messages,)
                for message in values:
                    if message:
                        yield message, str(path.relative_to(package.parent)), lineno
