"""Merge German translations into the catalog fragments (new entries: ui.po by default).

    python scripts/add_translations.py TRANSLATIONS.py [FRAGMENT]

TRANSLATIONS.py defines a dict ``DE = {msgid: msgstr}``; a plural entry is
``DE = {("{count} room", "{count} rooms"): ("{count} Raum", "{count} Räume")}``.
It may also list ``OBSOLETE = [msgid, …]``: translations whose msgid the code no
longer uses (a reworded message), removed from whichever fragment holds them.

A msgid some fragment already holds is corrected *there* (its msgstr replaced), so a
message never lives in two fragments; new msgids go into FRAGMENT. Fragments are
rewritten sorted by msgid.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "wizard" / "locale" / "de" / "LC_MESSAGES"
DEFAULT_FRAGMENT = "ui.po"

MessageId = str | tuple[str, ...]


def key(msgid: MessageId) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def load(path: Path) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale="de")
    return Catalog(locale="de", domain="roomcal", project="roomcal", fuzzy=False)


def put(catalog: Catalog, msgid: MessageId, msgstr: MessageId) -> None:
    """Add or replace one entry. Babel's ``add`` keeps an existing msgstr: replace it."""
    existing = catalog.get(key(msgid))
    if existing is not None:
        flags = existing.flags
        catalog.delete(key(msgid))
        catalog[msgid] = Message(msgid, msgstr, flags=flags)
    else:
        catalog.add(msgid, msgstr)


def main(argv: list[str] | None = None, locale: Path = LOCALE) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec = runpy.run_path(args[0])
    translations: dict[MessageId, MessageId] = spec.get("DE", {})
    obsolete: list[str] = [key(m) for m in spec.get("OBSOLETE", [])]
    target = locale / (args[1] if len(args) > 1 else DEFAULT_FRAGMENT)
    fragments = {path: load(path) for path in sorted(locale.glob("*.po"))}
    fragments.setdefault(target, load(target))
    changed: set[Path] = set()
    for msgid, msgstr in translations.items():
        home = next((p for p, c in fragments.items() if c.get(key(msgid)) is not None), target)
        put(fragments[home], msgid, msgstr)
        changed.add(home)
    for msgid in obsolete:
        for path, catalog in fragments.items():
            if catalog.get(msgid) is not None:
                catalog.delete(msgid)
                changed.add(path)
    for path in sorted(changed):
        catalog = fragments[path]
        catalog.fuzzy = False
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True)
        print(f"{path}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
