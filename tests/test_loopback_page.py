"""The page the browser shows after the redirect tells the truth about the sign-in."""

from __future__ import annotations

import queue
import re
import socket
import struct
import threading
import time
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
    """A foreign state is ignored (its page says why), a missing code noted, an error raised,
    a good code returned."""
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
    assert not any("state mismatch" in note for note in notes)
    assert any("no authorization code" in note for note in notes)
    httpx.get(f"{server.redirect_uri}?error=access_denied&state={STATE}", timeout=5)
    with pytest.raises(RedirectError) as refused:
        server.wait(pasted=queue.Queue(), cancel=threading.Event(), timeout=10)
    assert refused.value.error == "access_denied"


def _forge(port: int, query: str, *, reset: bool = False, partial: bool = False) -> None:
    """Another user on the host: a forged redirect, read to its end — or, with ``reset``,
    the connection torn down with a RST (SO_LINGER 0) before the answer is read."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        line = f"GET /?{query} HTTP/1.0\r\n"
        sock.sendall((line if partial else line + "\r\n").encode())
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        while sock.recv(65536):
            pass


def test_a_flood_of_forged_redirects_costs_nothing(server: RedirectServer,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    """Forged redirects (wrong state) at full speed, and connections reset by their peer,
    while the real redirect arrives: it completes at once, no notification per forgery,
    nothing on the terminal. Before: every forgery queued a notification, handled one per
    50 ms (18 000 of them pushed the real redirect past the 15-minute limit), and each
    reset printed a traceback on the admin's terminal."""
    notes: list[str] = []
    answered = [0]
    stop = threading.Event()

    class Notes:
        def notify(self, text: object) -> None:
            notes.append(str(text))

    def flood() -> None:
        while not stop.is_set():
            _forge(server.port, f"code=forged-{answered[0]}&state=forged")
            answered[0] += 1

    def resets() -> None:
        while not stop.is_set():
            _forge(server.port, "code=forged&state=forged", reset=True, partial=True)
            _forge(server.port, "code=forged&state=forged", reset=True)

    flooders = [threading.Thread(target=work, daemon=True) for work in (flood, flood, resets)]
    for thread in flooders:
        thread.start()
    try:
        while answered[0] < 300:  # a backlog the real redirect would queue behind
            time.sleep(0.01)
        threading.Thread(target=httpx.get, args=(f"{server.redirect_uri}?code={CODE}&"
                                                 f"state={STATE}",),
                         kwargs={"timeout": 5}, daemon=True).start()
        # Within its limit (before: the 300 ahead of it alone took 15 s).
        redirect = server.wait(pasted=queue.Queue(), cancel=threading.Event(), timeout=5,
                               interaction=Notes())  # type: ignore[arg-type]
    finally:
        stop.set()
        for thread in flooders:
            thread.join(10)
    assert redirect.code == CODE
    assert notes == []  # the browser's page says it; the admin's terminal is not spammed
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Connection" not in err, err[-2000:]


def test_idle_connections_are_bounded_and_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections that send nothing hold at most MAX_CONNECTIONS threads, each for at most
    REQUEST_DEADLINE; then the real redirect gets through."""
    from wizard.connect import oauth_loopback

    monkeypatch.setattr(oauth_loopback, "REQUEST_DEADLINE", 0.3)
    before = threading.active_count()
    with RedirectServer(state=STATE) as running:
        idle = [socket.create_connection(("127.0.0.1", running.port), timeout=5)
                for _ in range(oauth_loopback.MAX_CONNECTIONS + 40)]
        try:
            time.sleep(0.1)
            assert threading.active_count() - before <= oauth_loopback.MAX_CONNECTIONS + 1
            for sock in idle:  # each closed by the server: refused, or its deadline passed
                assert sock.recv(1) == b""
            response = httpx.get(f"{running.redirect_uri}?code={CODE}&state={STATE}",
                                 timeout=5)
            assert response.status_code == 200
            redirect = running.wait(pasted=queue.Queue(), cancel=threading.Event(), timeout=3)
        finally:
            for sock in idle:
                sock.close()
    assert redirect.code == CODE
