"""Merge and compile the per-area ``.po`` files of each language into ``roomcal.mo``.

Used by the build hook (hatch_build.py) and by tests/scripts when a catalog
changed in a source checkout. Needs Babel, which is a build/test dependency
only: the installed wizard reads the compiled ``.mo`` with plain gettext.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel is not installed at run time
    from babel.messages.catalog import Catalog

DOMAIN = "roomcal"
LANGUAGES = ("de", "en")


def po_files(locale_dir: Path, lang: str) -> list[Path]:
    return sorted((locale_dir / lang / "LC_MESSAGES").glob("*.po"))


def merged_catalog(locale_dir: Path, lang: str) -> Catalog:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang, domain=DOMAIN)
    for path in po_files(locale_dir, lang):
        with path.open("rb") as handle:
            part = read_po(handle, locale=lang)
        for message in part:
            if message.id and message.string and not message.fuzzy:
                merged.add(message.id, message.string)
    return merged


def mo_path(locale_dir: Path, lang: str) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def is_stale(locale_dir: Path, lang: str) -> bool:
    target = mo_path(locale_dir, lang)
    if not target.exists():
        return True
    built = target.stat().st_mtime
    return any(p.stat().st_mtime > built for p in po_files(locale_dir, lang))


def compile_all(locale_dir: Path, *, only_stale: bool = False) -> list[Path]:
    from babel.messages.mofile import write_mo

    written = []
    for lang in LANGUAGES:
        if only_stale and not is_stale(locale_dir, lang):
            continue
        catalog = merged_catalog(locale_dir, lang)
        target = mo_path(locale_dir, lang)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Per process: test workers (pytest-xdist) may compile the same catalog at once.
        tmp = target.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(target)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in compile_all(Path(__file__).resolve().parents[1] / "locale"):
        print(path)
