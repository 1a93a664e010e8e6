"""Step 2 as it really runs: the wizard links Cronofy through the roomcal relay (the demo's,
on loopback beside the sandbox's Cronofy, or a relay process), and Cronofy proves each
room. Nothing here mocks the relay: it is the real one, over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from relay_support import Relay, enroll, relay_env
from scenes import settle
from textual.widgets import Static

from ui_support import link_screen, make_app, walk_to_assign
from wizard.cli import main
from wizard.core.flow import Step
from wizard.sandbox import Sandbox, browser
from wizard.sandbox.scenario import Scenario
from wizard.ui.screens.connect import LinkScreen
from wizard.ui.screens.connected import ConnectedScreen

ROOT = Path(__file__).resolve().parent.parent


def scenario_file(tmp_path: Path, cronofy: str, relay: str = "") -> str:
    path = tmp_path / "scenario.toml"
    path.write_text(f"[rooms]\ncount = 6\n\n[relay]\n{relay}\n\n[cronofy]\n{cronofy}\n",
                    encoding="utf-8")
    return str(path)


CASES = [
    # (scenario [cronofy] lines, [relay] lines, extra args, ok?, phrase in the error or None)
    ("", "", [], True, None),
    ("expire_first_token = true", "", [], True, None),  # the relay refreshes, silently
    ("fail = { resources = 429 }\nfail_times = 2", "", [], True, None),  # paced, retried
    ('fail = { resources = 429 }\nretry_after = "http-date"', "", [], True, None),
    ("deny = true", "", [], False, "consent was refused"),
    ("fail = { token = 401 }", "", [], False, "did not accept the sign-in's code"),
    ("fail = { resources = 402 }", "", [], False, "did not list the room calendars (HTTP 402)"),
    ("fail = { resources = 403 }", "", [], False, "did not list the room calendars (HTTP 403)"),
    ("", "unreachable = true", [], False, "could not be reached"),
    ("", "link_ttl_s = 0", [], False, "sign-in link expired"),
]


@pytest.mark.parametrize(("cronofy", "relay", "extra", "ok", "phrase"), CASES,
                         ids=[(c[0] + c[1]).replace("\n", "; ") + " ".join(c[2]) or "healthy"
                              for c in CASES])
def test_connect_cli_through_the_relay(cronofy: str, relay: str, extra: list[str], ok: bool,
                                       phrase: str | None, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario",
                 scenario_file(tmp_path, cronofy, relay), "--json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    payload = json.loads(out)
    assert payload["ok"] is ok, payload
    assert code == (0 if ok else 1)
    if ok:
        assert len(payload["resources"]) == 6
        assert payload["connection"]["region"] == "de"
        assert payload["connection"]["link_id"].startswith("lnk_")
        assert payload["rooms"] == []  # --authorize none
    else:
        assert phrase in payload["error"], payload
        assert payload["remedy"]


def test_a_data_centre_the_relay_does_not_serve_is_refused_before_linking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's relay serves one data centre: asked for another by name, the command says
    which it serves and stops (exit 2, as other usage errors); without --region it links
    in the relay's own (the healthy case above)."""
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario",
                 scenario_file(tmp_path, ""), "--json", "--region", "us"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 2
    assert payload["code"] == "relay.unknown_region"
    assert payload["error"] == ("The roomcal relay serves these Cronofy data centres: de; "
                                "“us” is not one of them.")


def test_each_room_proven_by_cronofy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--authorize all: a room an access policy excludes, a disconnected profile, 429s on the
    authorizations; each room's status and stable code, exit 1 unless every room passes."""
    rooms = Scenario("r", data={"rooms": {"count": 6}}).rooms
    excluded, disconnected = rooms[1].email, rooms[2].email
    path = scenario_file(tmp_path, f'policy_excluded_rooms = ["{excluded}"]\n'
                                   f'disconnected_rooms = ["{disconnected}"]\n'
                                   "fail = { authorizations = 429 }\nfail_times = 3")
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario", path, "--json",
                 "--authorize", "all"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["ok"] is False
    proven = {r["email"]: r for r in payload["rooms"]}
    assert set(proven) == {r.email.lower() for r in rooms}
    assert proven[excluded.lower()]["status"] == "fail"
    assert proven[excluded.lower()]["code"] == "authorization_refused"
    assert "access policy" in proven[excluded.lower()]["cause"]
    assert proven[disconnected.lower()]["code"] == "profile_disconnected"
    assert proven[disconnected.lower()]["relink_url"].startswith("https://")
    assert [r["status"] for e, r in proven.items()
            if e not in (excluded.lower(), disconnected.lower())] == ["pass"] * 4
    assert payload["summary"] == {"pass": 4, "fail": 2, "pending": 0}


def test_every_room_passing_exits_0_and_says_what_cronofy_proved(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario",
                 scenario_file(tmp_path, ""), "--authorize", "all"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Rooms proven by Cronofy: 6 of 6" in out


def test_without_a_relay_step_2_refuses_in_one_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMCAL_")}
    env.update(ROOMCAL_CONFIG_DIR=str(tmp_path / "c"), ROOMCAL_STATE_DIR=str(tmp_path / "s"))
    done = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "connect",
                           "--accept-terms"], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    first = done.stderr.splitlines()[0]
    assert "needs your meeting-room vendor's roomcal relay" in first
    assert "ROOMCAL_RELAY_URL is not set" in first
    assert "Traceback" not in done.stderr


def test_the_wizard_links_through_a_relay_process(tmp_path: Path) -> None:
    """A vendor's relay (a process) and the admin's roomcal (another), the admin's browser
    elsewhere: the CLI shows the link, the browser signs in, the CLI sees it linked and
    proves the rooms. The admin's machine never holds a Cronofy secret or token."""
    box = Sandbox(Scenario("relay", data={"rooms": {"count": 4}})).start(("cronofy",))
    relay_folder = tmp_path / "vendor"
    relay_folder.mkdir()
    env = relay_env(box, relay_folder, f"sqlite:///{relay_folder / 'relay.sqlite3'}")
    token = enroll(env, "acme")
    relay = Relay(env, relay_folder).start()
    admin = {k: v for k, v in os.environ.items() if not k.startswith("ROOMCAL_")}
    admin.update(ROOMCAL_CONFIG_DIR=str(tmp_path / "config"),
                 ROOMCAL_STATE_DIR=str(tmp_path / "state"), ROOMCAL_RELAY_URL=relay.url,
                 ROOMCAL_RELAY_TOKEN=token,
                 PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    try:
        wizard = subprocess.Popen(
            [sys.executable, "-m", "wizard", "--lang", "en", "connect", "--accept-terms",
             "--provider", "exchange", "--json", "--authorize", "all"], env=admin, cwd=ROOT,
            text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert wizard.stderr is not None
        url = ""
        deadline = time.monotonic() + 30
        while not url and time.monotonic() < deadline:
            line = wizard.stderr.readline()
            if line.startswith("https://"):
                url = line.strip()
        assert "ec%2Fredirect" in url and "127.0.0.1%3A" + str(relay.port) in url
        final = browser.follow(url, box.ports(), ca_bundle=box.endpoints.ca_bundle)
        assert httpx.get(final).status_code == 200  # the relay's page
        out, err = wizard.communicate(timeout=60)
        assert wizard.returncode == 0, out + err
        payload = json.loads(out)
        assert payload["summary"] == {"pass": 4, "fail": 0, "pending": 0}
    finally:
        relay.stop()
        box.stop()
    cronofy = box.services["cronofy"].state
    texts = [out, err, *(p.read_text(encoding="utf-8", errors="replace")
                         for p in tmp_path.glob("[cs]*/**/*") if p.is_file())]
    for text in texts:
        assert "sbx-at-" not in text and "sbx-rt-" not in text
        assert "sandbox-client-secret-not-real" not in text
        for code in cronofy.issued_codes:
            assert code not in text


@pytest.mark.parametrize(("region", "app", "api"), [
    ("us", "https://app.cronofy.com", "https://api.cronofy.com"),
    ("uk", "https://app-uk.cronofy.com", "https://api-uk.cronofy.com"),
    ("de", "https://app-de.cronofy.com", "https://api-de.cronofy.com"),
    ("au", "https://app-au.cronofy.com", "https://api-au.cronofy.com"),
    ("ca", "https://app-ca.cronofy.com", "https://api-ca.cronofy.com"),
    ("sg", "https://app-sg.cronofy.com", "https://api-sg.cronofy.com"),
])
def test_region_maps_to_its_data_centre_hosts(region: str, app: str, api: str) -> None:
    from wizard.core.endpoints import Endpoints

    assert Endpoints().cronofy(region) == (app, api)


@pytest.mark.parametrize(("scenario", "phrase"), [
    ("cronofy-plan", "HTTP 402"),
    ("cronofy-forbidden", "HTTP 403"),
    ("cronofy-denied", "consent was refused"),
])
def test_named_cronofy_scenarios(scenario: str, phrase: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "connect", "--accept-terms", "--scenario", scenario,
                 "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and phrase in payload["error"], payload


@pytest.mark.parametrize(("scenario", "code", "failed", "cause"), [
    ("cronofy-policy-excluded", 1, {"elbe@demo.example.com": "authorization_refused"},
     "access policy"),
    ("cronofy-profile-disconnected", 1, {"isar@demo.example.com": "profile_disconnected"},
     "relink"),
    ("cronofy-authorizations-throttled", 0, {}, ""),
])
def test_named_step2_scenarios_prove_each_room(scenario: str, code: int,
                                               failed: dict[str, str], cause: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "connect", "--accept-terms", "--scenario", scenario, "--json",
                 "--authorize", "all"]) == code
    payload = json.loads(capsys.readouterr().out)
    rooms = {r["email"]: r for r in payload["rooms"]}
    assert len(rooms) == 6
    assert {e: r["code"] for e, r in rooms.items() if r["status"] != "pass"} == failed
    for email in failed:
        assert cause in rooms[email]["cause"]


@pytest.mark.parametrize(("scenario", "phrase"), [
    ("relay-unreachable", "roomcal relay at http://127.0.0.1:"),
    ("relay-link-expired", "sign-in link expired"),
])
def test_named_relay_scenarios(scenario: str, phrase: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "connect", "--accept-terms", "--scenario", scenario]) == 1
    assert phrase in capsys.readouterr().err


async def test_tui_shows_the_link_as_text_and_qr_and_a_failure_as_one_sentence() -> None:
    box = Sandbox("cronofy-plan").start()
    try:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(100, 60)) as pilot:
            await link_screen(pilot)
            await pilot.click("#terms-link")
            await pilot.click("#sign-in")
            for _attempt in range(600):  # not settle(): it would press the sandbox's button
                await pilot.pause(0.05)
                if app.screen.query("#sandbox"):
                    break
            modal = app.screen
            url = str(modal.query_one("#url", Static).render())
            assert "/enterprise_connect/oauth/authorize?" in url
            qr = modal.query_one("#qr")
            assert qr.display and "█" in str(qr.render())
            await pilot.click("#sandbox")  # the demo's browser signs in
            await settle(pilot)
            deadline = time.monotonic() + 20
            while not isinstance(app.screen, LinkScreen) or \
                    not str(app.screen.query_one("#link-error", Static).render()):
                assert time.monotonic() < deadline
                await pilot.pause(0.1)
            error = str(app.screen.query_one("#link-error", Static).render())
            assert "HTTP 402" in error and "Traceback" not in error
            remedy = str(app.screen.query_one("#link-remedy", Static).render())
            assert "Enterprise Connect" in remedy
            assert not app.screen.query_one("#sign-in").disabled  # try again is possible
    finally:
        box.stop()


@pytest.mark.slow
async def test_authorize_in_the_tui_and_disconnect_revokes_at_cronofy(tmp_path: Path) -> None:
    from wizard.ui.screens.assign import AssignScreen

    box = Sandbox("healthy").start()
    try:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await walk_to_assign(pilot)
            assert isinstance(app.screen, AssignScreen)
            for room in ("Alster", "Elbe"):
                await pilot.click("#room")
                await pilot.press(*room, "enter")
                await settle(pilot)
            state = box.services["cronofy"].state
            for _round in range(2):  # a second run changes nothing
                await pilot.click("#authorize")
                deadline = time.monotonic() + 20
                while any(m.authorization != "authorized"
                          for m in app.session.profile.mappings):
                    assert time.monotonic() < deadline, app.session.profile.mappings
                    await pilot.pause(0.1)
                await settle(pilot)
            mappings = app.session.profile.mappings
            assert {a["email"].lower() for a in state.authorizations} == \
                {m.email.lower() for m in mappings}
            config = Path(os.environ["ROOMCAL_CONFIG_DIR"])
            files = "".join(p.read_text(encoding="utf-8") for p in config.rglob("*")
                            if p.is_file())
            assert "sbx-at-" not in files and "sbx-rt-" not in files
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            await pilot.click("#disconnect")
            await settle(pilot)
            await pilot.click("#confirm-yes")  # Disconnect asks first
            await settle(pilot)
            assert app.session.profile.connection is None
            # The relay revoked the link's token and each proven room's at Cronofy.
            assert len(state.revoked) == 1 + len(mappings)
            assert all(re.match(r"sbx-rt-", token) for token in state.revoked)
    finally:
        box.stop()


def test_start_over_revokes_the_link(tmp_path: Path) -> None:
    from ui_support import make_setup
    from wizard.core.interaction import NoInteraction

    box = Sandbox(Scenario("s", data={"rooms": {"count": 3}})).start()
    try:
        setup = make_setup(box, provider="exchange", step=Step.CONNECT)

        class Approving(NoInteraction):
            def begin_sign_in(self, request: Any) -> Any:
                box.approve(request)
                return super().begin_sign_in(request)

        import threading

        setup.link(Approving(), threading.Event())
        assert setup.session.profile.connection is not None
        setup.start_over()
        assert setup.session.profile.connection is None
        assert len(box.services["cronofy"].state.revoked) == 1
    finally:
        box.stop()
