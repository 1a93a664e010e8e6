"""Room calendars → conference rooms: assign (idempotent), and the mapping as JSON or CSV.

Where the files go is wizard/core/export.py's business.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from wizard.core.formats import EXPORT_JSON
from wizard.core.model import RoomMapping

# The CSV carries no format version, on purpose: it is read by spreadsheets and CSV
# imports, which expect one header row and then one row per room — a version column would
# repeat "1" on every row, a comment line above the header would break them. The header row
# is the contract instead: columns are only ever appended, never renamed, removed or
# reordered (docs/contracts.md).
CSV_FIELDS = ("room", "calendar", "email", "resource_id", "authorization")


def assign(
    mappings: Iterable[RoomMapping], *, resource_id: str, calendar: str, email: str, room: str
) -> list[RoomMapping]:
    """Set (or clear, with an empty room) the room of one calendar; order is kept."""
    result: list[RoomMapping] = []
    found = False
    for mapping in mappings:
        if mapping.resource_id == resource_id:
            found = True
            if room:
                result.append(RoomMapping(resource_id, calendar, email, room,
                                          mapping.authorization if mapping.room == room else ""))
            continue
        result.append(mapping)
    if not found and room:
        result.append(RoomMapping(resource_id, calendar, email, room))
    return result


# OWASP "CSV injection": a cell a spreadsheet would read as a formula. Tab, CR, LF and NUL
# first are triggers of their own; blanks are skipped too, because spreadsheets trim them
# before they look for "="; the full-width signs are read as formulas by East Asian locales.
FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
TRIGGER_FIRST = frozenset("\t\r\n\0")


def _safe_cell(value: str) -> str:
    """Prefix ``'`` (the spreadsheets' "this is text") to a cell that would start a formula."""
    if value[:1] in TRIGGER_FIRST or value.lstrip()[:1] in FORMULA_START:
        return "'" + value
    return value


def to_csv(mappings: Iterable[RoomMapping], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, delimiter=delimiter)
    writer.writeheader()
    for mapping in mappings:
        row = mapping.to_json()
        writer.writerow({k: _safe_cell(row[k]) for k in CSV_FIELDS})
    return buffer.getvalue()


def to_json(mappings: Iterable[RoomMapping]) -> str:
    return json.dumps({"format": EXPORT_JSON, "rooms": [m.to_json() for m in mappings]},
                      ensure_ascii=False, indent=2)
