"""Profiles: atomic 0600 writes, every corruption kept as its own .bak, read-only dirs, resume."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path

import pytest

from wizard.core.flow import Step
from wizard.core.model import Connection, RoomMapping
from wizard.core.session import Session
from wizard.core.store import Profile, ProfileStore


def test_round_trip_and_permissions(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles")
    profile = Profile(name="acme", provider="exchange", step="connect")
    profile.inputs["exchange"] = {"ews_url": "https://mail.acme.example/EWS/Exchange.asmx"}
    profile.connection = Connection("exchange", "svc@acme.example", "de", "ser_1", 3)
    profile.mappings = [RoomMapping("r1", "Raum Alster", "alster@acme.example", "Alster")]
    assert store.save(profile)
    path = store.path("acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = store.load("acme")
    assert loaded.warning is None
    assert loaded.profile.to_json() == profile.to_json()
    # No temp files are left behind by the atomic write.
    assert [p.name for p in path.parent.iterdir()] == ["acme.json"]


def test_corrupt_profile_is_kept_as_bak_and_fresh_start(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("acme").write_text('{"name": "acme", "step": ', encoding="utf-8")
    result = store.load("acme")
    assert result.profile.step == "welcome"
    assert result.warning is not None
    assert "damaged" in str(result.warning)
    assert result.backup is not None
    assert result.backup.read_text(encoding="utf-8") == '{"name": "acme", "step": '
    # The original is not deleted either: nothing is lost until the next save.
    assert store.path("acme").exists()


BACKUP_NAME = re.compile(r"^[A-Za-z0-9._-]+\.json\.\d{8}T\d{6}Z(-\d+)?\.bak$")
NOON = dt.datetime(2026, 11, 29, 9, 15, 3, tzinfo=dt.UTC)


def test_every_corruption_keeps_its_own_backup(tmp_path: Path) -> None:
    """Two damaged versions in a row (same second even): two backups, neither overwritten."""
    store = ProfileStore(tmp_path)
    store.clock = lambda: NOON  # both in the same second: the worst case
    backups = []
    for damaged in ('{"name": "acme", "step": ', '{"first": "version"'):
        store.path("acme").write_text(damaged, encoding="utf-8")
        result = store.load("acme")
        assert result.backup is not None
        assert str(result.backup) in str(result.warning)  # the sentence says where
        backups.append(result.backup)
        store.save(result.profile)  # the fresh start is saved over the damaged file
    first, second = backups
    assert first != second
    assert first.parent == second.parent == tmp_path
    assert first.name == "acme.json.20261129T091503Z.bak"
    assert second.name == "acme.json.20261129T091503Z-2.bak"
    assert first.read_text(encoding="utf-8") == '{"name": "acme", "step": '
    assert second.read_text(encoding="utf-8") == '{"first": "version"'
    assert {stat.S_IMODE(b.stat().st_mode) for b in backups} == {0o600}
    assert store.names() == ["acme"]  # backups are not profiles


def test_a_backup_never_replaces_an_existing_file(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.clock = lambda: NOON
    store.path("acme").write_text("damaged", encoding="utf-8")
    # Someone's files already carry the names this second's backup would get first.
    for taken in ("acme.json.20261129T091503Z.bak", "acme.json.20261129T091503Z-2.bak"):
        (tmp_path / taken).write_text("keep me")
    (tmp_path / "acme.json.20261129T091503Z-3.bak").symlink_to(tmp_path / "elsewhere")
    backup = store.load("acme").backup
    assert backup == tmp_path / "acme.json.20261129T091503Z-4.bak"
    assert backup.read_text(encoding="utf-8") == "damaged"
    assert [(tmp_path / f"acme.json.20261129T091503Z{n}.bak").read_text()
            for n in ("", "-2")] == ["keep me", "keep me"]
    assert not (tmp_path / "elsewhere").exists()  # a dangling link is not written through


def test_a_profile_that_is_not_utf8_counts_as_damaged(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("acme").write_bytes(b"\xff\xfe garbage from a broken disk")
    result = store.load("acme")
    assert result.backup is not None and result.profile.step == "welcome"
    assert result.backup.read_bytes() == b"\xff\xfe garbage from a broken disk"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_damaged_profile_that_cannot_be_copied_is_never_overwritten(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("acme").write_text("damaged", encoding="utf-8")
    tmp_path.chmod(0o500)  # no backup can be created next to it
    try:
        result = store.load("acme")
        assert result.backup is None
        assert "memory" in str(result.warning) and str(store.path("acme")) in str(result.warning)
        assert not store.save(result.profile)  # the fresh start stays in memory
    finally:
        tmp_path.chmod(0o700)
    assert store.path("acme").read_text(encoding="utf-8") == "damaged"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_profile_is_never_overwritten(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("acme").write_text('{"step": "prepare"}', encoding="utf-8")
    store.path("acme").chmod(0o000)
    try:
        result = store.load("acme")
        assert result.warning is not None and "leaves the file as it is" in str(result.warning)
        assert not store.save(result.profile)  # and that holds after a save too
    finally:
        store.path("acme").chmod(0o600)
    assert store.path("acme").read_text(encoding="utf-8") == '{"step": "prepare"}'


@pytest.mark.parametrize("payload", ['[1, 2]', '{"inputs": 5}', '{"mappings": [{"x": 1}]}'])
def test_wrong_shapes_count_as_corrupt(tmp_path: Path, payload: str) -> None:
    store = ProfileStore(tmp_path)
    store.path("p").write_text(payload, encoding="utf-8")
    result = store.load("p")
    assert result.warning is not None and result.backup is not None


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_degrades_to_memory(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        store = ProfileStore(directory)
        assert not store.save(Profile(name="x"))
        assert store.in_memory and store.warning is not None
    finally:
        directory.chmod(0o700)


def test_unwritable_directory_degrades_to_memory(tmp_path: Path) -> None:
    # Works as root too: a file where the directory should be cannot be written into.
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory")
    store = ProfileStore(blocker / "profiles")
    assert not store.save(Profile(name="x"))
    assert store.in_memory
    assert "memory" in str(store.warning)
    session = Session("x", store=store)
    session.set_step(Step.PREPARE)  # keeps working in memory, without raising
    assert session.profile.step == "prepare"
    assert store.warning in session.warnings


def test_session_resumes_where_it_left_off(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    session = Session("acme", store=store)
    session.choose_provider("exchange")
    session.set_step(Step.CONNECT)
    again = Session("acme", store=ProfileStore(tmp_path))
    assert again.step == Step.CONNECT
    assert again.provider is not None and again.provider == "exchange"


def test_resume_never_lands_beyond_what_exists(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("p").write_text(json.dumps({"step": "assign", "provider": "google"}))
    assert Session("p", store=store).step == Step.CONNECT  # no connection yet
    store.path("q").write_text(json.dumps({"step": "prepare", "provider": ""}))
    assert Session("q", store=store).step == Step.WELCOME  # no provider chosen


def test_secrets_never_reach_the_profile(tmp_path: Path) -> None:
    from wizard.app import Setup

    store = ProfileStore(tmp_path)
    setup = Setup("p", store=store)
    setup.session.choose_provider("exchange")
    setup.commit_secret("password", "S3cr3t-Passw0rd!")
    setup.session.set_value("username", "svc@acme.example")
    assert "S3cr3t" not in store.path("p").read_text(encoding="utf-8")
    assert setup.secret("password") == "S3cr3t-Passw0rd!"


def test_start_over_keeps_a_backup(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    session = Session("p", store=store)
    session.choose_provider("google")
    session.set_step(Step.PREPARE)
    backup = session.reset()
    assert session.profile.provider == ""
    assert backup is not None and BACKUP_NAME.match(backup.name), backup
    assert json.loads(backup.read_text())["provider"] == "google"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    # A second start-over keeps its own copy: the first one is still there, unchanged.
    session.choose_provider("exchange")
    second = session.reset()
    assert second is not None and second != backup
    assert json.loads(backup.read_text())["provider"] == "google"
    assert json.loads(second.read_text())["provider"] == "exchange"
    assert store.names() == ["p"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_start_over_without_a_backup_clears_nothing(tmp_path: Path) -> None:
    session = Session("p", store=ProfileStore(tmp_path))
    session.choose_provider("google")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            session.reset()
    finally:
        tmp_path.chmod(0o700)
    assert session.profile.provider == "google"
    assert json.loads(session.store.path("p").read_text())["provider"] == "google"


def test_start_over_of_a_profile_never_saved_keeps_nothing(tmp_path: Path) -> None:
    session = Session("fresh", store=ProfileStore(tmp_path))
    session.store.path("fresh").unlink(missing_ok=True)
    assert session.reset() is None
    assert not list(tmp_path.glob("*.bak"))


def test_background_writes_land_on_flush_and_keep_their_snapshot(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.background = True
    profile = Profile(name="bg")
    profile.inputs["exchange"] = {"username": "first@x"}
    assert store.save(profile)
    profile.inputs["exchange"]["username"] = "second@x"  # edited while the write is queued
    for i in range(50):  # a burst coalesces: the latest snapshot wins
        profile.inputs["exchange"]["room_list"] = f"rooms{i}@x"
        store.save(profile)
    store.flush()
    saved = json.loads(store.path("bg").read_text(encoding="utf-8"))
    assert saved["inputs"]["exchange"] == {"username": "second@x", "room_list": "rooms49@x"}
    assert oct(store.path("bg").stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob(".bg.*.tmp"))  # no temporary files left behind
