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

from ui_support import make_app
from wizard.cli import main
from wizard.connect.cronofy import CronofyClient, CronofyError
from wizard.connect.link import LinkRequest, resumable, run_link
from wizard.core.errors import UserFacingError
from wizard.core.flow import Step
from wizard.core.interaction import SignInRequest
from wizard.core.model import Provider, render
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
                         ids=[c[0].split("\n")[0] + " ".join(c[1]) or "healthy" for c in CASES])
def test_connect_cli(cronofy: str, extra: list[str], ok: bool, phrase: str | None,
                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "connect", "--scenario", scenario_file(tmp_path, cronofy),
                 "--json", *extra])
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


def test_network_failure_is_a_sentence() -> None:
    client = CronofyClient("http://127.0.0.1:9", "id", "secret")  # nothing listens on 9
    with pytest.raises(CronofyError) as info:
        client.exchange_code("code", "http://127.0.0.1:1/")
    assert "could not be reached" in render(info.value.sentence)
    assert "connection was refused" in render(info.value.sentence)
    assert render(info.value.remedy)


def test_cli_keeps_tokens_out_of_output_log_and_profile(tmp_path: Path) -> None:
    env = {**os.environ, "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
           "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "connect",
                             "--scenario", "healthy"], capture_output=True, text=True, env=env,
                            timeout=120, stdin=subprocess.DEVNULL)
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
    base = {"provider": Provider.EXCHANGE, "region": "de", "port": 0,
            "step1_rooms": [], "profile": "p"}
    return LinkRequest(**{**base, **changes})


def _credentials(box: Sandbox) -> tuple[str, str]:
    demo = box.demo_secrets("cronofy")
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
        app = make_app(box, provider=Provider.EXCHANGE, step=Step.CONNECT)
        pending, _final = _crashed_link(box, app.session.secrets)
        app.session.update(reminder_acknowledged=True, terms_connect=True, terms_link=True,
                           pending_link=pending)
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
