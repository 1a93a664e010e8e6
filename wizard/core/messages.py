"""Extract the translatable messages from the source (for catalogs and tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# Babel's keyword specs: None = the first argument is the msgid; (1, 2) = the first two
# are the singular and plural msgid of one entry (the number comes later).
KEYWORDS = {"_": None, "N_": None, "Msg": None, "ngettext": (1, 2), "Plural": (1, 2)}
PACKAGE = Path(__file__).resolve().parents[1]

# A plural entry is (singular, plural); Babel types it as any tuple of str.
MessageId = str | tuple[str, ...]


def singular(msgid: MessageId) -> str:
    """The singular msgid: how an entry is keyed in a catalog, and sorted."""
    return msgid if isinstance(msgid, str) else msgid[0]


# A provider's sandbox side: servers and replay rules speak to client libraries and to
# the sandbox, not to people.
SANDBOX_MODULES = ("sandbox.py", "replay.py", "ntlm.py")


def speaks_to_people(path: Path) -> bool:
    """False for the sandbox's modules, whose strings are protocol, not language."""
    if "sandbox" in path.parts and path.name != "__init__.py":
        return False
    return not ("providers" in path.parts and path.name in SANDBOX_MODULES)


def extract(package: Path = PACKAGE) -> Iterator[tuple[MessageId, str, int]]:
    """(msgid, file, line) of every message marked in the package's Python files."""
    from babel.messages.extract import extract as babel_extract

    for path in sorted(package.rglob("*.py")):
        if not speaks_to_people(path):
            continue
        with path.open("rb") as handle:
            for lineno, message, _comments, _context in babel_extract(
                "python", handle, KEYWORDS
            ):
                if message and all(message):
                    yield message, str(path.relative_to(package.parent)), lineno
