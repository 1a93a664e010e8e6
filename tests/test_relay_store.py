"""The relay's storage interface, the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from relay_support import postgres_database

from wizard.relay.store import Store, open_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = Store(open_database(f"sqlite:///{tmp_path / 'relay.sqlite3'}"))
        yield opened
        opened.close()
        return
    with postgres_database() as url:
        opened = Store(open_database(url))
        yield opened
        opened.close()


def _room(store: Store, email: str = "room-1@example.com") -> str:
    store.add_link({"id": "lnk_1", "org": "acme", "region": "de", "provider": "exchange",
                    "state_hash": "h", "status": "linked", "created": time.time(),
                    "expires": time.time() + 60})
    store.add_rooms([{"id": "rm_1", "link_id": "lnk_1", "email": email, "phase": "queued",
                      "status": "pending"}])
    return "rm_1"


def test_enrollment_tokens_replace_and_revoke(store: Store) -> None:
    store.enroll("acme", "hash-1")
    store.enroll("acme", "hash-2")  # enrolling again replaces the token
    assert store.org_by_token_hash("hash-1") is None
    assert store.org_by_token_hash("hash-2") == {"name": "acme", "token_hash": "hash-2"}
    assert store.revoke("acme") is True
    assert store.revoke("acme") is False
    assert store.org_by_token_hash("hash-2") is None
    Store(store.db)  # the schema is created once; opening again changes nothing


def test_a_state_is_spent_once(store: Store) -> None:
    room = _room(store)
    assert store.update_room(room, when_phase="queued", phase="requested") is True
    assert store.update_room(room, when_phase="queued", phase="requested") is False
    assert store.update_link("lnk_1", when_status="pending", status="refused") is False
    assert store.link("lnk_1")["status"] == "linked"  # type: ignore[index]


def test_a_callback_is_taken_in_either_waiting_phase_once(store: Store) -> None:
    """The request's own answer ('requesting' → 'requested') may land between a callback's
    read and its update: the callback is still taken, once."""
    room = _room(store)
    assert store.update_room(room, when_phase="queued", phase="requesting") is True
    assert store.update_room(room, when_phase="requesting", phase="requested") is True
    waiting = ("requesting", "requested")
    assert store.update_room(room, when_phase=waiting, phase="callback") is True
    assert store.update_room(room, when_phase=waiting, phase="callback") is False
    assert store.room(room)["phase"] == "callback"


def test_claims_of_a_stopped_instance_go_back_to_the_queue(store: Store) -> None:
    room = _room(store)
    store.heartbeat("ins_a")
    assert store.update_room(room, when_phase="queued", phase="requesting",
                             claimed_by="ins_a")
    assert store.reclaim(time.time() - 30) == 0  # ins_a is alive: its claim stands
    assert store.room(room)["phase"] == "requesting"  # type: ignore[index]
    store.forget_instance("ins_a")  # a graceful stop signs off
    assert store.reclaim(time.time() - 30) == 1
    assert store.room(room)["phase"] == "queued"  # type: ignore[index]


def test_asking_again_requeues_failed_rooms_only(store: Store) -> None:
    room = _room(store)
    store.update_room(room, phase="done", status="fail", code="no_callback")
    again = [{"id": "rm_2", "link_id": "lnk_1", "email": "room-1@example.com",
              "phase": "queued", "status": "pending"}]
    assert store.add_rooms(again) == 1
    assert [r["id"] for r in store.rooms("lnk_1")] == ["rm_2"]
    assert store.add_rooms([{**again[0], "id": "rm_3"}]) == 0  # pending: left alone
