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
    """(msgid, file, line) of every message marked in the package's Python files.

    GNU xgettext reads them, as gettext's own tools do: a marker counts wherever it
    stands, also inside another call's arguments (``Msg(table.get(k, N_("…")))``), which
    Babel's Python extractor passes over. Babel then reads xgettext's output.
    """
    import io
    import shutil
    import subprocess
    import tempfile

    from babel.messages.pofile import read_po

    xgettext = shutil.which("xgettext")
    if xgettext is None:
        raise RuntimeError("xgettext not found: install GNU gettext (apt-get install gettext)")
    files = [str(p.relative_to(package.parent)) for p in sorted(package.rglob("*.py"))
             if speaks_to_people(p)]
    keywords = [f"--keyword={name}" if spec is None else
                f"--keyword={name}:{','.join(map(str, spec))}"
                for name, spec in KEYWORDS.items()]
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(files) + "\n", encoding="utf-8")
        output = Path(tmp) / "messages.pot"
        subprocess.run([xgettext, "--language=Python", "--from-code=UTF-8", "--keyword",
                        *keywords, "--sort-by-file", "--no-wrap",
                        f"--files-from={listing}", f"--output={output}"],
                       cwd=package.parent, check=True, capture_output=True)
        # A template's header has placeholders ("nplurals=INTEGER", "charset=CHARSET" when
        # every msgid is ASCII) that Babel cannot read; the text is UTF-8 (--from-code).
        text = output.read_text(encoding="utf-8").replace(
            "nplurals=INTEGER; plural=EXPRESSION;", "nplurals=2; plural=(n != 1);").replace(
            "charset=CHARSET", "charset=UTF-8")
        catalog = read_po(io.BytesIO(text.encode("utf-8")))
    found: list[tuple[str, int, MessageId]] = []
    for message in catalog:
        msgid: MessageId = message.id if isinstance(message.id, str) else tuple(message.id)
        if not message.id or not all(msgid if isinstance(msgid, tuple) else (msgid,)):
            continue
        for path, line in message.locations:
            found.append((str(path), int(line or 0), msgid))
    for path, line, msgid in sorted(found, key=lambda f: (f[0], f[1])):
        yield msgid, path, line
