"""Exports of the room assignments: formula-safe CSV, versioned JSON, files never overwritten
unasked, and the export dialog driven by keys."""

from __future__ import annotations

import csv
import io

import pytest

from wizard.core import mapping
from wizard.core.model import RoomMapping

# What a spreadsheet would run as a formula, however it is dressed up.
HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"Raum\")",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=HYPERLINK(\"http://evil.example\")",
    "\r=HYPERLINK(\"http://evil.example\")",
    "\n=1+1",
    "  =1+1",  # some spreadsheets trim leading blanks before they look for a formula
    "\u00a0=1+1",
    "\uff1d1+1",  # full-width equals sign: read as "=" by East Asian spreadsheet locales
]


def _cells(mappings: list[RoomMapping]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(mapping.to_csv(mappings))))


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_csv_cells_never_start_a_formula(name: str) -> None:
    row = _cells([RoomMapping("r1", name, name, name)])[0]
    for column in ("room", "calendar", "email"):
        assert row[column] == "'" + name, (column, row[column])


@pytest.mark.parametrize("name", ["Alster", "Raum 3-4", "alster@acme.example", "", "'quoted",
                                  "Zimmer =1"])
def test_csv_leaves_harmless_cells_alone(name: str) -> None:
    assert _cells([RoomMapping("r1", name, name, name)])[0]["room"] == name
