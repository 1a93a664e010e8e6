"""Regenerate the English catalog and list German msgids still to translate.

    python scripts/update_catalogs.py          # writes en/…/roomcal.po, prints missing de
    python scripts/update_catalogs.py --check  # exit 1 if anything is missing

The English catalog is derived (msgstr = msgid). German translations live in
per-area fragments under wizard/locale/de/LC_MESSAGES/*.po; new msgids of the
UI and core go into roomcal.po.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import write_po  # noqa: E402

from wizard.core import catalogs  # noqa: E402
from wizard.core.messages import extract  # noqa: E402

LOCALE = ROOT / "wizard" / "locale"


def main() -> int:
    found: dict[str, list[tuple[str, int]]] = {}
    for msgid, path, line in extract():
        found.setdefault(msgid, []).append((path, line))
    english = Catalog(locale="en", domain="roomcal", project="roomcal", fuzzy=False)
    for msgid, locations in sorted(found.items()):
        english.add(msgid, msgid, locations=locations)
    if "--check" not in sys.argv:
        with (LOCALE / "en" / "LC_MESSAGES" / "roomcal.po").open("wb") as handle:
            write_po(handle, english, width=100, omit_header=False)
    german = catalogs.merged_catalog(LOCALE, "de")
    missing = [m for m in sorted(found) if not (german.get(m) and german.get(m).string)]
    for msgid in missing:
        path, line = found[msgid][0]
        print(f"{path}:{line}: {msgid!r}")
    print(f"{len(found)} messages, {len(missing)} without German translation", file=sys.stderr)
    catalogs.compile_all(LOCALE)
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
