"""Exports of the room assignments: formula-safe CSV, versioned JSON, files never overwritten
unasked, and the export dialog driven by keys."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Button, Input

from ui_support import make_app, sandbox, shown_text, walk_to_assign
from wizard.core import export, mapping
from wizard.core.flow import Step
from wizard.core.model import RoomMapping
from wizard.ui.dialogs.confirm import ConfirmModal
from wizard.ui.dialogs.export import ExportModal
from wizard.ui.screens.assign import AssignScreen

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


# -- files: where, which, never over anything unasked -------------------------------------

ROOMS = [RoomMapping("r1", "Raum Alster", "alster@acme.example", "Alster"),
         RoomMapping("r2", "Raum Elbe", "elbe@acme.example", "=Elbe")]


def test_json_export_carries_its_format_version() -> None:
    data = json.loads(mapping.to_json(ROOMS))
    assert next(iter(data)) == "format" and data["format"] == 1
    assert [r["room"] for r in data["rooms"]] == ["Alster", "=Elbe"]  # JSON is not a sheet


def test_default_target_is_in_home_and_named_after_the_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert export.default_path("acme") == tmp_path / "roomcal-rooms-acme.json"


def test_targets_are_absolute_and_follow_the_format(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    both = export.targets("~/out/rooms.json", export.ExportFormat.BOTH)
    assert both == [tmp_path / "out" / "rooms.json", tmp_path / "out" / "rooms.csv"]
    assert export.targets("rooms.json", export.ExportFormat.CSV) == [tmp_path / "rooms.csv"]
    assert export.targets("rooms", export.ExportFormat.JSON) == [tmp_path / "rooms.json"]
    assert export.targets("rooms.txt", export.ExportFormat.CSV) == [tmp_path / "rooms.txt.csv"]
    with pytest.raises(ValueError):
        export.targets("   ", export.ExportFormat.JSON)


def test_export_writes_new_files_and_never_replaces_unasked(tmp_path: Path) -> None:
    paths = [tmp_path / "rooms.json", tmp_path / "rooms.csv"]
    assert export.write(ROOMS, paths) == paths
    assert json.loads(paths[0].read_text("utf-8"))["rooms"][0]["room"] == "Alster"
    assert "'=Elbe" in paths[1].read_text("utf-8")
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o644}  # meant to be shared
    paths[1].write_text("someone's spreadsheet", encoding="utf-8")
    with pytest.raises(export.ExportError) as info:
        export.write(ROOMS[:1], paths)
    assert info.value.path == paths[0] and info.value.written == []
    assert paths[1].read_text("utf-8") == "someone's spreadsheet"
    assert export.existing(paths) == paths
    assert export.write(ROOMS[:1], paths, replace=True) == paths  # asked: replaced
    assert "Raum Elbe" not in paths[1].read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rooms.csv", "rooms.json"]  # no temps


def test_replacing_a_symlink_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("do not touch", encoding="utf-8")
    link = tmp_path / "rooms.json"
    link.symlink_to(precious)
    with pytest.raises(export.ExportError):
        export.write(ROOMS, [link])  # not asked to replace: the link stays as it is
    assert link.is_symlink()
    export.write(ROOMS, [link], replace=True)
    assert precious.read_text("utf-8") == "do not touch"
    assert not link.is_symlink() and json.loads(link.read_text("utf-8"))["format"] == 1


def test_an_unwritable_folder_is_one_error_and_nothing_is_written(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    paths = [tmp_path / "rooms.json", blocker / "rooms.csv"]
    with pytest.raises(export.ExportError) as info:
        export.write(ROOMS, paths)
    assert info.value.folder and info.value.path == blocker
    assert info.value.reason == "Not a directory" and info.value.written == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]  # not even the JSON


def test_a_folder_as_target_is_named(tmp_path: Path) -> None:
    (tmp_path / "rooms.json").mkdir()
    assert export.folders([tmp_path / "rooms.json", tmp_path / "rooms.csv"]) == \
        [tmp_path / "rooms.json"]


# -- the dialog, as a person uses it ------------------------------------------------------

async def _assign_screen(pilot) -> None:
    await walk_to_assign(pilot)
    assert isinstance(pilot.app.screen, AssignScreen)
    await pilot.click("#room")
    await pilot.press(*"Alster", "enter")  # one assignment, so the export has a row
    await settle(pilot)


@pytest.fixture
def short_home() -> Iterator[Path]:
    """A home folder with a short path: the dialog's tests type paths into it key by key
    (Pilot waits ~60 ms a key), and tmp_path's are ~70 characters long."""
    home = Path(tempfile.mkdtemp(prefix="rc-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
async def test_export_asks_where_then_writes_there_and_says_so(
        tmp_path: Path, short_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, work = short_home, tmp_path / "work"
    work.mkdir()
    (home / "blocked").write_text("a file where a folder is expected", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, profile="acme")
        async with app.run_test(size=(80, 24)) as pilot:
            await _assign_screen(pilot)
            await pilot.press("ctrl+e")
            await settle(pilot)
            assert isinstance(app.screen, ExportModal)
            json_path, csv_path = home / "roomcal-rooms-acme.json", home / "roomcal-rooms-acme.csv"
            assert app.screen.query_one("#export-path", Input).value == str(json_path)
            targets = shown_text(app, "#export-targets")
            assert str(json_path) in targets and str(csv_path) in targets
            assert not json_path.exists()  # nothing is written before the user says so
            # A language switch keeps what was typed and chosen (ctrl+l recomposes).
            await pilot.press("tab", "down", "enter", "shift+tab", "end", *"-x")  # JSON only, -x
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert isinstance(app.screen, ExportModal)
            assert app.screen.query_one("#export-write", Button).label.plain == "Exportieren"
            json_path = home / "roomcal-rooms-acme.json-x"
            assert app.screen.query_one("#export-path", Input).value == str(json_path)
            json_path = json_path.with_name(json_path.name + ".json")  # unknown endings stay
            assert str(json_path) in shown_text(app, "#export-targets")
            assert ".csv" not in shown_text(app, "#export-targets")
            # A folder that cannot be written: one sentence with the reason, nothing written,
            # and the dialog stays open to fix the path.
            await pilot.press("ctrl+l", "ctrl+u", *f"{home}/blocked/rooms.json", "tab", "up")
            await pilot.press("enter", "shift+tab", "enter")  # back to JSON and CSV, export
            await settle(pilot)
            assert isinstance(app.screen, ExportModal)
            error = shown_text(app, "#export-error")
            assert f"{home}/blocked" in error and "Not a directory" in error, error
            assert sorted(p.name for p in home.iterdir()) == ["blocked"]
            json_path, csv_path = home / "rooms.json", home / "rooms.csv"
            await pilot.press("ctrl+u", *str(json_path), "enter")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            status = shown_text(app, "#assign-status")
            assert str(json_path) in status and str(csv_path) in status, status
    assert json.loads(json_path.read_text("utf-8"))["rooms"][0]["room"] == "Alster"
    assert "Alster" in csv_path.read_text("utf-8")
    assert list(work.iterdir()) == []  # the current directory is left alone
    assert (home / "blocked").read_text("utf-8") == "a file where a folder is expected"


@pytest.mark.slow
async def test_export_never_overwrites_without_asking(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    csv_path = tmp_path / "roomcal-rooms-acme.csv"
    csv_path.write_text("someone's spreadsheet", encoding="utf-8")
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, profile="acme",
                       language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await _assign_screen(pilot)
            await pilot.click("#export")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)  # the CSV exists: ask first
            await pilot.press("enter")  # the focused default is "Abbrechen"
            await settle(pilot)
            assert isinstance(app.screen, ExportModal)  # back in the dialog, nothing written
            assert csv_path.read_text("utf-8") == "someone's spreadsheet"
            assert not (tmp_path / "roomcal-rooms-acme.json").exists()
            # Only CSV, to another name: down to "CSV" in the format list, choose it.
            await pilot.press("tab", "down", "down", "enter")
            await settle(pilot)
            assert app.screen.query_one("#export-path", Input).value == str(csv_path)
            await pilot.press("shift+tab", "end", *["backspace"] * len(".csv"))
            await pilot.press(*"-neu.csv", "enter")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            # As German Excel opens it: UTF-8 with BOM, ";" between the columns.
            with (tmp_path / "roomcal-rooms-acme-neu.csv").open(encoding="utf-8-sig",
                                                                 newline="") as handle:
                rows = list(csv.reader(handle, delimiter=";"))
            assert rows[0][:3] == ["room", "calendar", "email"] and rows[1][0] == "Alster"
            assert csv_path.read_text("utf-8") == "someone's spreadsheet"
            assert not (tmp_path / "roomcal-rooms-acme-neu.json").exists()
            # And once more onto the existing file, this time agreeing to replace it.
            await pilot.press("ctrl+e")  # the table has the focus again
            await settle(pilot)
            await pilot.press("tab", "down", "down", "enter", "shift+tab", "enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            assert "Alster" in csv_path.read_text("utf-8")
