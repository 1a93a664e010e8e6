"""Profiles: atomic 0600 writes, corruption kept as .bak, read-only dirs, resume."""

from __future__ import annotations

import json
import os
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
    session.update(step="prepare")  # keeps working in memory, without raising
    assert session.profile.step == "prepare"
    assert store.warning in session.warnings


def test_session_resumes_where_it_left_off(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    session = Session("acme", store=store)
    session.update(provider="exchange")
    session.set_step(Step.CONNECT)
    again = Session("acme", store=ProfileStore(tmp_path))
    assert again.step == Step.CONNECT
    assert again.provider is not None and again.provider.value == "exchange"


def test_resume_never_lands_beyond_what_exists(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.path("p").write_text(json.dumps({"step": "assign", "provider": "google"}))
    assert Session("p", store=store).step == Step.CONNECT  # no connection yet
    store.path("q").write_text(json.dumps({"step": "prepare", "provider": ""}))
    assert Session("q", store=store).step == Step.WELCOME  # no provider chosen


def test_secrets_never_reach_the_profile(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    session = Session("p", store=store)
    session.choose_provider(__import__("wizard.core.model").core.model.Provider.EXCHANGE)
    session.set_secret("password", "S3cr3t-Passw0rd!")
    session.set_value("username", "svc@acme.example")
    assert "S3cr3t" not in store.path("p").read_text(encoding="utf-8")
    assert session.secret("password") == "S3cr3t-Passw0rd!"


def test_start_over_keeps_a_backup(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    session = Session("p", store=store)
    session.update(provider="google", step="prepare")
    session.reset()
    assert session.profile.provider == ""
    assert json.loads(store.path("p").with_suffix(".json.bak").read_text())["provider"] == \
        "google"


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
