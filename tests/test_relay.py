"""roomcal relay for real: a process on loopback, driven over HTTP as the wizard and an
attacker would, against the sandbox's Cronofy — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from relay_support import KEY, Relay, clients_file, enroll, postgres_database, relay_env, wait_for

from wizard.cli import main
from wizard.sandbox import Sandbox, browser
from wizard.sandbox.scenario import Scenario


@pytest.fixture
def box() -> Iterator[Sandbox]:
    scenario = Scenario("relay", data={"rooms": {"count": 6}, "cronofy": {}})
    rooms = [r.email for r in scenario.rooms]
    scenario = Scenario("relay", data={"rooms": {"count": 6}, "cronofy": {
        "hidden_rooms": [rooms[4]], "disconnected_rooms": [rooms[5]]}})
    sandbox = Sandbox(scenario).start(("cronofy",))
    yield sandbox
    sandbox.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'relay.sqlite3'}"
        return
    with postgres_database() as url:
        yield url


def start_link(client: httpx.Client) -> dict[str, Any]:
    answer = client.post("/v1/links", json={"region": "de", "provider": "exchange"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def sign_in(box: Sandbox, authorize_url: str) -> str:
    """What the admin's browser does: Cronofy's page, then the redirect to the relay."""
    final = browser.follow(authorize_url, box.ports(), ca_bundle=box.endpoints.ca_bundle)
    assert "/ec/redirect?" in final
    return final


def test_link_authorize_and_prove_rooms(box: Sandbox, database: str, tmp_path: Path) -> None:
    env = relay_env(box, tmp_path, database)
    token = enroll(env, "acme")
    other = enroll(env, "globex")
    relay = Relay(env, tmp_path).start()
    emails = [r.email.lower() for r in box.scenario.rooms]
    cronofy = box.services["cronofy"].state
    try:
        with relay.client(token) as acme, relay.client(other) as globex, relay.client() as anyone:
            link = start_link(acme)
            assert link["status"] == "pending"
            assert "redirect_uri=" + httpx.QueryParams(
                {"x": f"{relay.url}/ec/redirect"})["x"].replace(":", "%3A").replace(
                "/", "%2F") in link["authorize_url"]
            final = sign_in(box, link["authorize_url"])
            assert httpx.get(final).status_code == 200
            assert acme.get(f"/v1/links/{link['id']}").json()["status"] == "linked"
            # One organisation never sees another's link; no token sees nothing.
            assert globex.get(f"/v1/links/{link['id']}").status_code == 404
            assert globex.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"}
                               ).status_code == 404
            assert anyone.get(f"/v1/links/{link['id']}").status_code == 401
            # The browser's redirect again (a replay): refused, the link unchanged.
            assert httpx.get(final).status_code == 400
            assert acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"}
                             ).status_code == 202

            def settled() -> list[dict[str, Any]] | None:
                rooms: list[dict[str, Any]] = acme.get(
                    f"/v1/links/{link['id']}/rooms").json()["rooms"]
                return rooms if rooms and all(r["status"] != "pending" for r in rooms) else None

            rooms = {r["email"]: r for r in wait_for(settled)}
            assert [rooms[e]["status"] for e in emails[:4]] == ["pass"] * 4
            assert emails[4] not in rooms  # hidden from Cronofy: "all" is what it lists
            assert rooms[emails[5]]["code"] == "profile_disconnected"
            assert rooms[emails[5]]["relink_url"].startswith("https://")
            # Asked by name, the hidden room fails with its own code.
            asked = acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": [emails[4]]})
            assert {r["email"]: r["code"] for r in asked.json()["rooms"]}[emails[4]] == \
                "not_listed"
            # Cronofy's callback replayed, and one forged: nothing changes.
            first = cronofy.authorizations[0]
            before = acme.get(f"/v1/links/{link['id']}/rooms").json()
            for payload in ({"authorization": {"code": "forged", "state": first["state"]}},
                            {"authorization": {"error": "access_denied",
                                               "state": first["state"]}},
                            {"authorization": {"code": "x", "state": "rm_nope.guess"}},
                            {"nonsense": True}):
                assert httpx.post(f"{relay.url}/ec/callback", json=payload).status_code == 200
            assert httpx.post(f"{relay.url}/ec/callback", content=b"{").status_code == 200
            assert acme.get(f"/v1/links/{link['id']}/rooms").json() == before
            assert acme.get("/health").json() == {"status": "ok"}
    finally:
        assert relay.stop() == 0  # graceful on SIGTERM
    log = relay.log.read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    assert {"link.linked", "room.proved", "callback.refused"} <= {e["event"] for e in lines}
    secrets = [*cronofy.issued_codes, *cronofy.access, *cronofy.refresh, KEY,
               "sandbox-client-secret-not-real", token, other]
    for secret in secrets:
        assert secret not in log
    assert "sbx-at-" not in log and "sbx-rt-" not in log
    if database.startswith("sqlite:"):
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("relay.sqlite3*"))
        assert b"sbx-at-" not in raw and b"sbx-rt-" not in raw
        assert b"relay_links" in raw and b"v1." in raw  # the file read holds the records
        assert token.encode() not in raw and b"ser_" not in raw


def test_a_restarted_relay_completes_the_link_in_progress(box: Sandbox, tmp_path: Path) -> None:
    env = relay_env(box, tmp_path, f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, tmp_path).start()
    with relay.client(token) as acme:
        link = start_link(acme)
    assert relay.stop() == 0
    again = Relay(env, tmp_path, port=relay.port).start()
    try:
        assert httpx.get(sign_in(box, link["authorize_url"])).status_code == 200
        with again.client(token) as acme:
            assert acme.get(f"/v1/links/{link['id']}").json()["status"] == "linked"
    finally:
        again.stop()


def test_revoked_token_and_refused_consent(tmp_path: Path) -> None:
    box = Sandbox(Scenario("deny", data={"rooms": {"count": 2}, "cronofy": {"deny": True}})
                  ).start(("cronofy",))
    env = relay_env(box, tmp_path, f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, tmp_path).start()
    try:
        with relay.client(token) as acme:
            link = start_link(acme)
            assert httpx.get(sign_in(box, link["authorize_url"])).status_code == 200
            view = acme.get(f"/v1/links/{link['id']}").json()
            assert (view["status"], view["code"]) == ("refused", "consent_refused")
            assert acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"}
                             ).status_code == 409
            assert acme.post("/v1/links", json={"region": "us", "provider": "exchange"}
                             ).json()["error"] == "unknown_region"
        done = subprocess.run([sys.executable, "-P", "-m", "wizard", "relay", "revoke", "acme"],
                              env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        with relay.client(token) as acme:
            assert acme.get(f"/v1/links/{link['id']}").status_code == 401
    finally:
        relay.stop()
        box.stop()


@pytest.mark.parametrize(("setting", "phrase"), [
    ("mode", "may be read by other users (mode 644): run chmod 600"),
    ("key", "ROOMCAL_RELAY_KEY must be set to at least 32 characters"),
    ("url", "--public-url must be the relay's https:// address"),
])
def test_bad_configuration_is_one_sentence(setting: str, phrase: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    clients = clients_file(tmp_path, 0o644 if setting == "mode" else 0o600)
    monkeypatch.setenv("ROOMCAL_RELAY_CLIENTS", str(clients))
    monkeypatch.setenv("ROOMCAL_RELAY_KEY", "short" if setting == "key" else KEY)
    monkeypatch.setenv("ROOMCAL_RELAY_DATABASE", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    url = "http://relay.example.com" if setting == "url" else "https://relay.example.com"
    code = main(["--lang", "en", "relay", "serve", "--public-url", url, "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert phrase in err
    assert "Traceback" not in err and err.count("\n") == 1


@contextmanager
def rooms_requested(tmp_path: Path, cronofy: dict[str, Any], *, callback_timeout: int
                    ) -> Iterator[tuple[Sandbox, Relay, httpx.Client, dict[str, Any]]]:
    """Three rooms, linked through a relay (SQLite) and every room asked for."""
    box = Sandbox(Scenario("rooms", data={"rooms": {"count": 3}, "cronofy": cronofy})).start(
        ("cronofy",))
    env = relay_env(box, tmp_path, f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, tmp_path, None, "--callback-timeout", str(callback_timeout)).start()
    try:
        with relay.client(token) as acme:
            link = start_link(acme)
            assert httpx.get(sign_in(box, link["authorize_url"])).status_code == 200
            acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"})
            yield box, relay, acme, link
    finally:
        relay.stop()
        box.stop()


def _statuses(acme: httpx.Client, link: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {r["email"]: (r["status"], r["code"])
            for r in acme.get(f"/v1/links/{link['id']}/rooms").json()["rooms"]}


def test_a_forged_state_for_a_waiting_room_changes_nothing(tmp_path: Path) -> None:
    """The attacker knows the room's id (it is in the state Cronofy was sent) but not its
    secret: nothing changes. Cronofy's own state works, once."""
    scenario = Scenario("rooms", data={"rooms": {"count": 3}})
    silent, heard, forgotten = (r.email.lower() for r in scenario.rooms)
    with rooms_requested(tmp_path, {"silent_rooms": [silent, forgotten]},
                         callback_timeout=3) as (box, relay, acme, link):
        wait_for(lambda: _statuses(acme, link)[heard][0] == "pass")
        state = next(a["state"] for a in box.services["cronofy"].state.authorizations
                     if a["email"].lower() == silent)
        room_id, _dot, secret = state.partition(".")
        for forged in (f"{room_id}.{secret[:-1]}x", f"{room_id}.", room_id,
                       f"{room_id}.{secret}.extra"):
            httpx.post(f"{relay.url}/ec/callback",
                       json={"authorization": {"code": "attacker", "state": forged}})
        assert _statuses(acme, link)[silent] == ("pending", "")
        real = {"authorization": {"error": "access_denied", "state": state}}
        httpx.post(f"{relay.url}/ec/callback", json=real)
        assert _statuses(acme, link)[silent] == ("fail", "authorization_refused")
        httpx.post(f"{relay.url}/ec/callback",
                   json={"authorization": {"code": "late", "state": state}})
        assert _statuses(acme, link)[silent] == ("fail", "authorization_refused")
        # The room Cronofy never calls back for fails once --callback-timeout passed.
        assert wait_for(lambda: _statuses(acme, link)[forgotten] == ("fail", "no_callback"))


def test_a_callback_that_comes_before_cronofys_answer_counts(tmp_path: Path) -> None:
    """A busy Cronofy may call back before its 202 reaches the relay: the room's state is
    the relay's from before the request, so the callback counts (5 rooms of 5 000 waited
    for a callback already refused, in benchmarks/relay.py)."""
    with rooms_requested(tmp_path, {"callback_first": True},
                         callback_timeout=5) as (_box, _relay, acme, link):
        assert wait_for(lambda: "pending" not in {s for s, _c in _statuses(acme, link).values()})
        assert set(_statuses(acme, link).values()) == {("pass", "")}


def test_rate_limits_and_an_expired_token_are_waited_out(tmp_path: Path) -> None:
    box = Sandbox(Scenario("busy", data={"rooms": {"count": 3}, "cronofy": {
        "expire_first_token": True, "fail": {"authorizations": 429}, "fail_times": 2,
        "retry_after": "1"}})).start(("cronofy",))
    env = relay_env(box, tmp_path, f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, tmp_path).start()
    try:
        with relay.client(token) as acme:
            assert acme.get("/v1/regions").json() == {"regions": ["de"]}
            link = start_link(acme)
            assert httpx.get(sign_in(box, link["authorize_url"])).status_code == 200
            assert acme.get(f"/v1/links/{link['id']}").json()["account"]  # refreshed
            acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"})
            rooms = wait_for(lambda: [r for r in acme.get(
                f"/v1/links/{link['id']}/rooms").json()["rooms"] if r["status"] == "pass"]
                if acme.get(f"/v1/links/{link['id']}/rooms").json()["summary"]["pass"] == 3
                else None)
            assert len(rooms) == 3
    finally:
        relay.stop()
        box.stop()
    events = [json.loads(line) for line in relay.log.read_text().splitlines()]
    waits = [e["wait"] for e in events if e["event"] == "cronofy.rate_limited"]
    assert waits == [1.0, 1.0]


@pytest.mark.parametrize(("args", "database", "phrase"), [
    (["enroll", "acme"], "postgresql://nobody@127.0.0.1:1/relay",
     "The relay's PostgreSQL database cannot be reached (OperationalError)."),
    (["enroll", "acme"], "sqlite:relay.db", "must be sqlite:///ABSOLUTE/PATH or postgresql://"),
    (["enroll", "acme"], "mysql://db/relay", "must be sqlite:///ABSOLUTE/PATH or postgresql://"),
    (["enroll", "Acme Corp"], "", "An organisation's name is 1 to 63 lower-case letters"),
    (["revoke", "nobody"], "", "nobody has no enrollment token: nothing to revoke."),
])
def test_enroll_and_revoke_say_what_is_wrong(args: list[str], database: str, phrase: str,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ROOMCAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ROOMCAL_RELAY_DATABASE", database)
    code = main(["--lang", "en", "relay", *args])
    out, err = capsys.readouterr()
    assert code in (1, 2) and out == ""
    assert phrase in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_rooms_in_progress_survive_a_restart(tmp_path: Path) -> None:
    """Cronofy says 429 "come back in 30 s" to the authorizations: the relay is stopped
    meanwhile; the next one takes the claimed rooms over at once."""
    box = Sandbox(Scenario("held", data={"rooms": {"count": 3}, "cronofy": {
        "fail": {"authorizations": 429}, "fail_times": 99, "retry_after": "30"}})
                  ).start(("cronofy",))
    env = relay_env(box, tmp_path, f"sqlite:///{tmp_path / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, tmp_path).start()
    try:
        with relay.client(token) as acme:
            link = start_link(acme)
            assert httpx.get(sign_in(box, link["authorize_url"])).status_code == 200
            acme.post(f"/v1/links/{link['id']}/rooms", json={"rooms": "all"})
            wait_for(lambda: "cronofy.rate_limited" in relay.log.read_text())
            assert acme.get(f"/v1/links/{link['id']}/rooms").json()["summary"]["pending"] == 3
    finally:
        assert relay.stop() == 0
    box.services["cronofy"].state.fail.clear()  # Cronofy is willing again
    again = Relay(env, tmp_path, relay.port).start()
    try:
        with again.client(token) as acme:
            assert wait_for(lambda: acme.get(f"/v1/links/{link['id']}/rooms").json()[
                "summary"]["pass"] == 3, timeout=20)
    finally:
        again.stop()
        box.stop()
