"""Merge German translations into a catalog fragment (default: roomcal.po).

    python scripts/add_translations.py TRANSLATIONS.py [FRAGMENT]

TRANSLATIONS.py defines a dict ``DE = {msgid: msgstr}``. Existing entries are
updated, new ones added; the fragment is rewritten sorted by msgid.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "wizard" / "locale" / "de" / "LC_MESSAGES"


def main() -> int:
    translations: dict[str, str] = runpy.run_path(sys.argv[1])["DE"]
    target = LOCALE / (sys.argv[2] if len(sys.argv) > 2 else "roomcal.po")
    if target.exists():
        with target.open("rb") as handle:
            catalog = read_po(handle, locale="de")
    else:
        catalog = Catalog(locale="de", domain="roomcal", project="roomcal", fuzzy=False)
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr)
    catalog.fuzzy = False
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    print(f"{target}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
