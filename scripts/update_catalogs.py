"""Regenerate the English catalog and list German msgids still to translate.

    python scripts/update_catalogs.py          # writes en/…/roomcal.po, prints missing de
    python scripts/update_catalogs.py --check  # exit 1 if anything is missing

The English catalog is derived (msgstr = msgid; a plural entry gets its two msgids as
its two forms). German translations live in per-area fragments under
wizard/locale/de/LC_MESSAGES/*.po; new msgids of the UI go into ui.po, of the core into
roomcal.po (scripts/add_translations.py). A plural entry counts as translated when
every form the language has (Plural-Forms: nplurals=2 for de) is.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog, Message  # noqa: E402
from babel.messages.pofile import write_po  # noqa: E402

from wizard.core import catalogs  # noqa: E402
from wizard.core.messages import MessageId, extract, singular  # noqa: E402

LOCALE = ROOT / "wizard" / "locale"


def translated(catalog: Catalog, msgid: MessageId) -> bool:
    """``msgid`` has a translation of the right shape: one string, or every plural form."""
    message: Message | None = catalog.get(singular(msgid))
    if message is None or not message.string:
        return False
    if isinstance(msgid, str):
        return not message.pluralizable
    forms = message.string
    return (message.pluralizable and tuple(message.id) == msgid
            and len(forms) == catalog.num_plurals and all(forms))


def main() -> int:
    found: dict[MessageId, list[tuple[str, int]]] = {}
    for msgid, path, line in extract():
        found.setdefault(msgid, []).append((path, line))
    ordered = sorted(found, key=singular)
    english = Catalog(locale="en", domain="roomcal", project="roomcal", fuzzy=False)
    for msgid in ordered:
        english.add(msgid, msgid, locations=found[msgid])
    if "--check" not in sys.argv:
        with (LOCALE / "en" / "LC_MESSAGES" / "roomcal.po").open("wb") as handle:
            write_po(handle, english, width=100, omit_header=False)
    german = catalogs.merged_catalog(LOCALE, "de")
    missing = [m for m in ordered if not translated(german, m)]
    for msgid in missing:
        path, line = found[msgid][0]
        print(f"{path}:{line}: {msgid!r}")
    used = {singular(m) for m in found}
    obsolete = sorted(singular(m.id) for m in german if m.id and singular(m.id) not in used)
    for msgid in obsolete:
        print(f"obsolete in de (no code uses it): {msgid!r}", file=sys.stderr)
    print(f"{len(found)} messages, {len(missing)} without German translation", file=sys.stderr)
    catalogs.compile_all(LOCALE)
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
