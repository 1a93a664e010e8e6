"""The page the browser shows after the redirect tells the truth about the sign-in."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator

import httpx
import pytest

from wizard.connect.oauth_loopback import RedirectError, RedirectServer
from wizard.core import i18n

STATE = "s-" + "7" * 30
CODE = "c0de-" + "x" * 24


@pytest.fixture
def server() -> Iterator[RedirectServer]:
    with RedirectServer(state=STATE) as running:
        yield running


def _page(server: RedirectServer, query: str) -> httpx.Response:
    response = httpx.get(f"{server.redirect_uri}?{query}", timeout=5)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert CODE not in response.text and STATE not in response.text  # nothing echoed
    return response


def _headline(response: httpx.Response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.text)
    assert match, response.text
    return match.group(1)


def test_right_state_and_code_is_complete(server: RedirectServer) -> None:
    response = _page(server, f"code={CODE}&state={STATE}")
    assert response.status_code == 200
    assert _headline(response) == "Sign-in complete"


def test_wrong_state_says_the_link_belongs_to_another_attempt(server: RedirectServer) -> None:
    response = _page(server, f"code={CODE}&state=older-attempt")
    assert _headline(response) != "Sign-in complete"
    assert "another sign-in attempt" in response.text
    assert "link shown in roomcal now" in response.text


def test_refused_consent_says_so(server: RedirectServer) -> None:
    response = _page(server, f"error=access_denied&state={STATE}")
    assert _headline(response) != "Sign-in complete"
    assert "The sign-in was cancelled or consent was refused." in response.text
    assert "roomcal" in response.text


def test_unknown_error_is_escaped_not_rendered(server: RedirectServer) -> None:
    response = _page(server, f"error=%3Cscript%3Ealert(1)%3C/script%3E&state={STATE}")
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_no_code_says_so(server: RedirectServer) -> None:
    response = _page(server, f"state={STATE}")
    assert _headline(response) != "Sign-in complete"
    assert "no authorization code" in response.text


def test_the_page_speaks_the_current_language(server: RedirectServer) -> None:
    i18n.set_language("de")
    response = _page(server, f"code={CODE}&state=older-attempt")
    assert 'lang="de"' in response.text
    assert "anderen Anmeldeversuch" in response.text


def test_the_waiting_side_is_unchanged(server: RedirectServer) -> None:
    """A foreign state is noted and ignored, an error raised, a good code returned."""
    notes: list[str] = []

    class Notes:
        def notify(self, text: object) -> None:
            notes.append(str(text))

    def browser() -> None:
        httpx.get(f"{server.redirect_uri}?code=forged&state=other", timeout=5)
        httpx.get(f"{server.redirect_uri}?state={STATE}", timeout=5)
        httpx.get(f"{server.redirect_uri}?code={CODE}&state={STATE}", timeout=5)

    threading.Thread(target=browser, daemon=True).start()
    redirect = server.wait(pasted=queue.Queue(), cancel=threading.Event(), timeout=10,
                           interaction=Notes())  # type: ignore[arg-type]
    assert redirect.code == CODE
    assert any("state mismatch" in note for note in notes)
    assert any("no authorization code" in note for note in notes)
    httpx.get(f"{server.redirect_uri}?error=access_denied&state={STATE}", timeout=5)
    with pytest.raises(RedirectError) as refused:
        server.wait(pasted=queue.Queue(), cancel=threading.Event(), timeout=10)
    assert refused.value.error == "access_denied"
