"""Step 2 against the Cronofy sandbox: every error, resume after a crash, tokens kept secret."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from scenes import settle
from textual.widgets import Static

from ui_support import link_screen, make_app, walk_to_assign
from wizard.cli import main
from wizard.connect.cronofy import CronofyClient, CronofyError
from wizard.connect.link import LinkRequest, run_link
from wizard.core.errors import UserFacingError
from wizard.core.flow import Step, resumable
from wizard.core.interaction import SignInRequest
from wizard.core.model import render
from wizard.core.secrets import SecretStore
from wizard.sandbox import Sandbox, browser
from wizard.sandbox.scenario import Scenario
from wizard.ui.screens.connect import LinkScreen
from wizard.ui.screens.connected import ConnectedScreen


def scenario_file(tmp_path: Path, cronofy: str) -> str:
    path = tmp_path / "scenario.toml"
    path.write_text(f"[rooms]\ncount = 6\n\n[cronofy]\n{cronofy}\n", encoding="utf-8")
    return str(path)


CASES = [
    # (scenario [cronofy] lines, extra args, ok?, phrase in the error or None)
    ("", [], True, None),
    ("expire_first_token = true", [], True, None),  # refreshed once, silently
    ("fail = { resources = 429 }\nfail_times = 2", [], True, None),  # back-off recovers
    # Retry-After as an HTTP-date (RFC 9110) or garbage: still a bounded back-off.
    ('fail = { resources = 429 }\nretry_after = "http-date"', [], True, None),
    ('fail = { resources = 429 }\nretry_after = "NaN"', [], True, None),
    ('fail = { token = 429 }\nretry_after = "soon"', [], True, None),
    ("deny = true", [], False, "consent was refused"),
    ("", ["--region", "us"], False, "data centre (us) does not know the application"),
    ("fail = { token = 401 }", [], False, "does not know the client"),
    ("fail = { resources = 402 }", [], False, "HTTP 402"),
    ("fail = { resources = 403 }", [], False, "lacks a permission"),
    ("fail = { resources = 404 }", [], False, "HTTP 404"),
    ("fail = { resources = 422 }", [], False, "email: email must be specified; callback_url"),
    ("fail = { resources = 429 }\nfail_times = 99", [], False, "rate-limiting"),
    ("fail = { resources = 500 }\nfail_times = 99", [], False, "server error (HTTP 500)"),
    ("fail = { userinfo = 503 }\nfail_times = 99", [], False, "server error (HTTP 503)"),
]


@pytest.mark.parametrize(("cronofy", "extra", "ok", "phrase"), CASES,
                         ids=[c[0].replace("\n", "; ") + " ".join(c[1]) or "healthy"
                              for c in CASES])
def test_connect_cli(cronofy: str, extra: list[str], ok: bool, phrase: str | None,
                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario",
                 scenario_file(tmp_path, cronofy), "--json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    payload = json.loads(out)
    assert payload["ok"] is ok, payload
    assert code == (0 if ok else 1)
    if ok:
        assert len(payload["rooms"]) == 6
        assert payload["connection"]["region"] == "de"
    else:
        assert phrase in payload["error"], payload
        assert payload["remedy"]


# Cronofy answering 200 (or 400) with JSON of a shape it never sends: one sentence, no crash.
ODD_ANSWERS = [
    "answer = { token = [1] }",
    'answer = { token = { token_type = "bearer" } }',
    'answer = { token = { access_token = "a", expires_in = "soon" } }',
    "answer = { token = { access_token = [1] } }",
    "answer = { token = [1] }\nanswer_status = { token = 400 }",
    "answer = { userinfo = [1] }",
    'answer = { userinfo = "text" }',
    'answer = { resources = { resources = "none" } }',
    "answer = { resources = { resources = [1, 2] } }",
    "answer = { resources = [1] }",
    "answer = { resources = { resources = [{ email = [1] }] } }",
    "answer = { resources = { errors = [1] } }\nanswer_status = { resources = 422 }",
]


@pytest.mark.parametrize("cronofy", ODD_ANSWERS)
def test_an_answer_of_an_unexpected_shape_is_one_sentence(
        cronofy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--accept-terms", "--scenario",
                 scenario_file(tmp_path, cronofy), "--json"])
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in out + err, err
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False
    assert "Cronofy sent an answer roomcal does not understand" in payload["error"] or \
        "HTTP 422" in payload["error"], payload
    assert payload["remedy"]


def test_network_failure_is_a_sentence() -> None:
    client = CronofyClient("http://127.0.0.1:9", "id", "secret")  # nothing listens on 9
    with pytest.raises(CronofyError) as info:
        # A code as long as a real one: registered secrets are scrubbed from every
        # later output of this process, and "code" would mask words in sentences.
        client.exchange_code("c0de-" + "x" * 20, "http://127.0.0.1:1/")
    assert "could not be reached" in render(info.value.sentence)
    assert "connection to 127.0.0.1:9 was refused" in render(info.value.sentence)
    assert render(info.value.remedy)


def test_cli_keeps_tokens_out_of_output_log_and_profile(tmp_path: Path) -> None:
    env = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
           "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "connect",
                             "--accept-terms", "--scenario", "healthy"], capture_output=True,
                            text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The calendar service is connected" in result.stdout
    assert (tmp_path / "config").exists() and (tmp_path / "state" / "roomcal.log").exists()
    texts = [result.stdout, result.stderr]
    texts += [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    for text in texts:
        assert "sbx-at-" not in text and "sbx-rt-" not in text


# -- resume after a crash between "Link" and the callback ---------------------------------

class Pasting:
    """An Interaction that pastes whatever URLs it is given (a forged one first)."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.requests: list[SignInRequest] = []
        self.notes: list[str] = []

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        self.requests.append(request)
        pasted: queue.Queue[str] = queue.Queue()
        for url in self.urls:
            pasted.put(url)
        return pasted

    def end_sign_in(self) -> None:
        pass

    def notify(self, text: Any) -> None:
        self.notes.append(render(text))


def _crashed_link(box: Sandbox, store: SecretStore) -> tuple[dict[str, Any], str]:
    """Start a link, let the "browser" finish while the wizard is gone; (pending, final URL)."""
    pending: dict[str, Any] = {}
    shown: list[SignInRequest] = []
    cancel = threading.Event()

    class Vanishing(Pasting):
        def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
            shown.append(request)
            cancel.set()  # the process dies here: the loopback server goes away
            return queue.Queue()

    with pytest.raises(UserFacingError):
        run_link(_request(), endpoints=box.endpoints, secrets=store,
                 credentials=_credentials(box), interaction=Vanishing([]), cancel=cancel,
                 on_pending=pending.update)
    # The admin finishes in the browser meanwhile; it ends on the dead loopback URL.
    final = browser.follow(shown[0].url, box.ports(), ca_bundle=box.endpoints.ca_bundle)
    assert final.startswith(f"http://127.0.0.1:{pending['port']}/")
    return pending, final


def _request(**changes: Any) -> LinkRequest:
    base = {"provider": "exchange", "region": "de", "port": 0,
            "step1_rooms": [], "profile": "p"}
    return LinkRequest(**{**base, **changes})


def _credentials(box: Sandbox) -> tuple[str, str]:
    demo = box.secrets("cronofy")
    return demo["client_id"], demo["client_secret"]


@pytest.fixture
def cronofy() -> Any:
    box = Sandbox(Scenario("c", data={"rooms": {"count": 6}})).start(("cronofy",))
    yield box
    box.stop()


def test_pasting_the_url_after_a_crash_completes_the_same_link(cronofy: Sandbox) -> None:
    store = SecretStore()
    pending, final = _crashed_link(cronofy, store)
    assert resumable(pending, "de")
    forged = final.replace(f"state={pending['state']}", "state=forged")
    interaction = Pasting([forged, final])
    outcome = run_link(_request(resume=pending), endpoints=cronofy.endpoints, secrets=store,
                       credentials=_credentials(cronofy), interaction=interaction,
                       cancel=threading.Event())
    assert len(outcome.resources) == 6
    assert "Resuming the link" in render(interaction.requests[0].message)
    assert f"state={pending['state']}" in interaction.requests[0].url  # the same attempt
    assert any("state mismatch" in note for note in interaction.notes)


def test_stale_or_other_region_pending_links_start_afresh(cronofy: Sandbox) -> None:
    pending, _final = _crashed_link(cronofy, SecretStore())
    assert not resumable(pending, "us")
    assert not resumable({**pending, "started": time.time() - 16 * 60}, "de")
    assert not resumable({}, "de")
    interaction = Pasting([])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(UserFacingError):
        run_link(_request(resume={**pending, "started": 0}), endpoints=cronofy.endpoints,
                 secrets=SecretStore(), credentials=_credentials(cronofy),
                 interaction=interaction, cancel=cancel)
    assert f"state={pending['state']}" not in interaction.requests[0].url


async def test_tui_returns_to_the_cut_short_link_and_finishes_it() -> None:
    box = Sandbox("healthy").start()
    try:
        app = make_app(box, provider="exchange", step=Step.CONNECT)
        pending, _final = _crashed_link(box, app.setup.secrets)
        app.setup.connect.accept_all()  # as the person did before the crash
        app.setup.session.keep_pending_link(pending)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, sign_in=False)
            assert isinstance(app.screen, LinkScreen)  # straight back to where it stopped
            notice = str(app.screen.query_one("#link-resume", Static).render())
            assert "cut short" in notice
            await pilot.click("#sign-in")
            await settle(pilot)
            assert isinstance(app.screen, ConnectedScreen), app.screen
            assert app.session.profile.pending_link == {}
            assert app.session.profile.connection is not None
    finally:
        box.stop()


def _linked(box: Sandbox, store: SecretStore) -> Any:
    class Browsing(Pasting):
        def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
            pasted: queue.Queue[str] = queue.Queue()
            pasted.put(browser.follow(request.url, box.ports(),
                                      ca_bundle=box.endpoints.ca_bundle))
            return pasted

    return run_link(_request(), endpoints=box.endpoints, secrets=store,
                    credentials=_credentials(box), interaction=Browsing([]),
                    cancel=threading.Event())


def test_token_of_another_data_centre_is_a_sentence(cronofy: Sandbox) -> None:
    from dataclasses import replace

    from wizard.connect.link import load_connection

    store = SecretStore()
    outcome = _linked(cronofy, store)
    with pytest.raises(UserFacingError) as info:
        load_connection(replace(outcome.connection, region="us"), endpoints=cronofy.endpoints,
                        secrets=store, credentials=_credentials(cronofy), profile="p",
                        step1_rooms=[])
    text = render(info.value.sentence) + " " + render(info.value.remedy)
    assert "data centre" in text, text


def test_failed_refresh_asks_to_link_again(cronofy: Sandbox) -> None:
    from wizard.connect.link import load_connection

    store = SecretStore()
    outcome = _linked(cronofy, store)
    state = cronofy.services["cronofy"].state
    with state.lock:
        state.access.clear()  # the access token expired …
        state.refresh.clear()  # … and the refresh token was revoked
    with pytest.raises(UserFacingError) as info:
        load_connection(outcome.connection, endpoints=cronofy.endpoints, secrets=store,
                        credentials=_credentials(cronofy), profile="p", step1_rooms=[])
    assert "expired or was revoked" in render(info.value.sentence)
    assert "Link again" in render(info.value.remedy)


@pytest.mark.slow
async def test_authorize_rooms_is_idempotent_and_disconnect_revokes(tmp_path: Path) -> None:
    from wizard.connect.link import load_tokens
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
                await settle(pilot)
                mappings = app.session.profile.mappings
                assert [m.authorization for m in mappings] == ["authorized", "authorized"]
            assert {a["email"] for a in state.authorizations} == {m.email for m in mappings}
            config = Path(os.environ["ROOMCAL_CONFIG_DIR"])
            files = "".join(p.read_text(encoding="utf-8") for p in config.rglob("*")
                            if p.is_file())
            assert "sbx-at-" not in files and "sbx-rt-" not in files
            report = tmp_path / "report.json"
            assert main(["report", "--demo", "--profile", "test", "-o", str(report)]) == 0
            assert "sbx-" not in report.read_text(encoding="utf-8")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            await pilot.click("#disconnect")
            await settle(pilot)
            await pilot.click("#confirm-yes")  # Disconnect asks first
            await settle(pilot)
            assert app.session.profile.connection is None
            assert load_tokens(app.setup.secrets, "test") is None
            assert len(state.revoked) == 2  # refresh and access token
    finally:
        box.stop()


@pytest.mark.parametrize(("region", "app", "api"), [
    ("us", "https://app.cronofy.com", "https://api.cronofy.com"),
    ("uk", "https://app-uk.cronofy.com", "https://api-uk.cronofy.com"),
    ("de", "https://app-de.cronofy.com", "https://api-de.cronofy.com"),
    ("au", "https://app-au.cronofy.com", "https://api-au.cronofy.com"),
    ("ca", "https://app-ca.cronofy.com", "https://api-ca.cronofy.com"),
    ("sg", "https://app-sg.cronofy.com", "https://api-sg.cronofy.com"),
])
def test_region_maps_to_its_data_centre_hosts(region: str, app: str, api: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    from wizard.connect.link import authorize_url
    from wizard.core.endpoints import Endpoints

    assert Endpoints().cronofy(region) == (app, api)
    url = authorize_url(app, "client", "http://127.0.0.1:8751/", "st4te", "google")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == app
    assert parts.path == "/enterprise_connect/oauth/authorize"
    assert query["scope"] == "service_account/accounts/manage service_account/resources/manage"
    assert query["delegated_scope"] and query["state"] == "st4te"
    assert query["redirect_uri"] == "http://127.0.0.1:8751/"


@pytest.mark.parametrize(("scenario", "phrase"), [
    ("cronofy-errors", "email: email must be specified"),
    ("cronofy-plan", "HTTP 402"),
    ("cronofy-forbidden", "lacks a permission"),
    ("cronofy-outage", "server error (HTTP 503)"),
    ("cronofy-denied", "consent was refused"),
])
def test_named_cronofy_scenarios(scenario: str, phrase: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "connect", "--accept-terms", "--scenario", scenario,
                 "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and phrase in payload["error"], payload


async def test_tui_shows_a_cronofy_failure_as_one_sentence() -> None:
    box = Sandbox("cronofy-plan").start()
    try:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await link_screen(pilot)
            await pilot.click("#terms-link")
            await pilot.click("#sign-in")
            await settle(pilot)
            assert isinstance(app.screen, LinkScreen)  # not "connected"
            error = str(app.screen.query_one("#link-error", Static).render())
            assert "HTTP 402" in error and "Traceback" not in error
            remedy = str(app.screen.query_one("#link-remedy", Static).render())
            assert "Enterprise Connect" in remedy
            assert app.session.profile.pending_link == {}  # failed: nothing to resume
            assert not app.screen.query_one("#sign-in").disabled  # try again is possible
    finally:
        box.stop()
