"""``roomcal serve`` is no open remote control: token, Origin, binding, port in use.

Against a real ``roomcal serve`` subprocess on a free port; "no wizard started" is
read from /proc (the processes the server spawned), not from the server's word.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from serve_support import (
    SESSION_IN_PAGE,
    Served,
    argv_and_environment,
    open_session,
    plant_imports,
    serve_env,
    serving,
    wait_until,
    wizard,
)
from wizard.cli import main
from wizard.serve_guard import Door

NO_TOKEN = "needs the token"
FOREIGN = "only from its own page"


def _roomcal(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", *args],
                          capture_output=True, text=True, env=serve_env(state), timeout=60,
                          stdin=subprocess.DEVNULL)


async def _get(url: str, **headers: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with aiohttp.ClientSession() as session, \
            session.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, await response.text(), response


async def _websocket_status(served: Served, *, origin: str | None, session: str = "x" * 43,
                            cookie: str | None = None, host: str | None = None) -> int:
    """101 if the server accepted the WebSocket, else the HTTP status it refused with."""
    headers = {}
    if cookie is not None:
        headers["Cookie"] = cookie
    if host is not None:
        headers["Host"] = host
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(f"{served.base}/ws/{session}?width=80&height=24",
                                         origin=origin, headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def _session_in(page: str) -> str:
    match = SESSION_IN_PAGE.search(page)
    assert match is not None, page
    return match[1]


def test_printed_url_has_the_real_port_and_a_new_token_per_start(tmp_path: Path) -> None:
    with serving(state=tmp_path / "a") as first, serving(state=tmp_path / "b") as second:
        assert first.port != 0 and second.port != 0 and first.port != second.port
        assert first.token != second.token and len(first.token) >= 43
        for served in (first, second):
            assert wait_until(lambda s=served: "Ctrl+C" in "".join(s.stderr), 10)
            printed = "".join(served.stderr)
            assert printed.count(served.token) == 1  # once, inside the URL
            assert f"ssh -L {served.port}:127.0.0.1:{served.port}" in printed
    for state in (tmp_path / "a", tmp_path / "b"):
        assert "token=" not in (state / "serve-stdout.log").read_text()


async def test_without_the_token_no_wizard_starts(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        status, page, response = await _get(served.base + "/")
        assert status == 200 and NO_TOKEN in page  # the page, saying what it needs
        assert _session_in(page) == ""
        assert "Set-Cookie" not in response.headers
        # textual-serve's script and font are public files; downloads are not served.
        assert (await _get(served.base + "/static/js/textual.js"))[0] == 200
        assert (await _get(served.base + "/download/x"))[0] == 404
        assert (await _get(served.base + "/ws"))[0] == 403
        assert await _websocket_status(served, origin=served.base) == 403
        assert served.wizards() == []


async def test_a_wrong_token_or_session_is_refused(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        for wrong in ("wrong", served.token[:-1], served.token + "x", "ü" * 43, ""):
            status, body, response = await _get(f"{served.base}/?token={wrong}")
            assert (status, NO_TOKEN in body) == (403, True), wrong
            assert "Set-Cookie" not in response.headers
            assert await _websocket_status(served, origin=served.base,
                                           session=wrong) in (403, 404), wrong
        # The token is no session, and the old cookie (the token itself) opens nothing.
        assert await _websocket_status(served, origin=served.base, session=served.token) == 403
        cookie = f"roomcal-serve-{served.port}={served.token}"
        assert _session_in((await _get(f"{served.base}/", Cookie=cookie))[1]) == ""
        assert served.wizards() == []


async def test_the_printed_address_works_once_and_leaves_the_address_bar(
        tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        status, _body, response = await _get(served.url)
        assert (status, response.headers["Location"]) == (303, "/")
        handoff = response.cookies[f"roomcal-serve-{served.port}"]
        assert handoff.value != served.token and len(handoff.value) >= 43
        assert handoff["httponly"] and handoff["samesite"] == "Strict"
        assert (handoff["path"], handoff["max-age"]) == ("/", "60")
        # The same address again (the history, a shoulder, the shared screen): refused.
        status, body, _response = await _get(served.url)
        assert (status, "used already" in body) == (403, True)
        # The hand-off opens the page once; the page deletes it.
        cookie = f"{handoff.key}={handoff.value}"
        _status, page, response = await _get(served.base + "/", Cookie=cookie)
        session = _session_in(page)
        assert len(session) >= 43 and session not in (served.token, handoff.value)
        assert response.cookies[handoff.key]["max-age"] == "0"
        assert _session_in((await _get(served.base + "/", Cookie=cookie))[1]) == ""
        # The admin is told, and given a new address for another browser, which works.
        assert await asyncio.to_thread(wait_until, lambda: len(served.printed_urls()) == 2, 10)
        printed = "".join(served.stderr)
        assert "a browser opened the wizard" in printed and "not you" in printed
        assert len(await open_session(served, served.printed_urls()[1])) >= 43
        assert served.wizards() == []


async def test_what_another_port_receives_opens_no_wizard(tmp_path: Path) -> None:
    """Cookies ignore ports: whatever the browser keeps for 127.0.0.1 after the admin
    opened the wizard, another user's server on another port receives. It must be
    nothing that opens this one, whatever Origin and Host a program sends with it."""
    with serving(state=tmp_path) as served:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser, \
                browser.get(served.url) as response:
            assert _session_in(await response.text())
        assert list(jar) == []  # the hand-off was spent and deleted on the way
        # Even a hand-off caught in flight is spent by the time another port sees it.
        async with aiohttp.ClientSession() as client, \
                client.get(served.printed_urls()[-1], allow_redirects=False) as response:
            handoff = response.cookies[f"roomcal-serve-{served.port}"]
        cookie = f"{handoff.key}={handoff.value}"
        await _get(served.base + "/", Cookie=cookie)  # the browser following the redirect
        assert _session_in((await _get(served.base + "/", Cookie=cookie))[1]) == ""
        for session in (handoff.value, served.token, "x" * 43):
            assert await _websocket_status(served, origin=served.base, session=session,
                                           cookie=cookie) == 403
        assert served.wizards() == []


async def test_the_websocket_needs_the_pages_own_origin(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        session = await open_session(served)
        for origin in ("https://evil.example", f"http://127.0.0.1:{served.port + 1}",
                       f"http://localhost:{served.port}", "null", None):
            assert await _websocket_status(served, origin=origin, session=session) == 403, origin
        # DNS rebinding: a foreign name resolved to 127.0.0.1 carries its own Host.
        status, body, _response = await _get(served.url, Host=f"evil.example:{served.port}")
        assert (status, FOREIGN in body) == (403, True)
        assert await _websocket_status(served, origin=f"http://evil.example:{served.port}",
                                       session=session,
                                       host=f"evil.example:{served.port}") == 403
        assert served.wizards() == []


async def test_the_session_opens_the_page_and_its_websocket_starts_the_demo(
        tmp_path: Path) -> None:
    with serving("--scenario", "healthy", state=tmp_path) as served:
        status, _page, response = await _get(served.url)
        assert status == 303
        handoff = response.cookies[f"roomcal-serve-{served.port}"]
        status, page, response = await _get(served.base + "/",
                                            Cookie=f"{handoff.key}={handoff.value}")
        assert status == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "https://" not in page  # nothing from elsewhere
        session = _session_in(page)
        # A refused request that carries the session: the log must not keep it either.
        assert await _websocket_status(served, origin="https://evil.example",
                                       session=session) == 403

        async with wizard(served, session) as websocket:
            message = await asyncio.wait_for(websocket.receive(), timeout=30)
            assert message.type == aiohttp.WSMsgType.BINARY  # the wizard's terminal output
            wizards = served.wizards()
            assert wizards
            seen = b"\n".join(argv_and_environment(pid) for pid in wizards)
            assert b"demo\x00--scenario\x00healthy" in seen or b"demo --scenario healthy" in seen
            for secret in (served.token, session):
                assert secret.encode() not in seen
        assert await asyncio.to_thread(wait_until, lambda: served.wizards() == [], 20)

    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "serve-stdout.log":
            text = path.read_text(errors="replace")
            assert served.token not in text and session not in text, path
    log = (tmp_path / "state" / "roomcal.log").read_text()
    assert "refused GET /ws: foreign Origin" in log


async def test_a_tab_closed_before_its_first_resize_ends_its_wizard_cleanly(
        tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        session = await open_session(served)
        async with wizard(served, session):
            pass  # the tab is gone before its page sent the terminal's size
        assert await asyncio.to_thread(wait_until, lambda: served.wizards() == [], 20)
    log = (tmp_path / "state" / "roomcal.log").read_text()
    assert "DuplicateIds" not in log and "internal error" not in log, log


async def test_a_second_tab_is_told_the_profile_is_in_use(tmp_path: Path) -> None:
    """One wizard per profile (two would overwrite each other's saves): a second tab, or
    a tab while the admin's terminal runs roomcal, gets the sentence in its terminal —
    the refused wizard's own stderr never reaches a browser."""
    with serving(state=tmp_path) as served:
        session = await open_session(served)
        async with wizard(served, session) as first:
            await asyncio.wait_for(first.receive(), timeout=30)  # it started
            assert await asyncio.to_thread(wait_until, lambda: served.wizards() != [], 20)
            running = served.wizards()
            async with wizard(served, session) as second:
                message = await asyncio.wait_for(second.receive(), timeout=10)
                text = message.data.decode()
                assert "The profile default is in use by another roomcal (process" in text
                assert "--profile NAME" in text
                assert served.wizards() == running  # no second wizard was started


async def test_a_reloaded_tab_gets_a_wizard_not_the_in_use_sentence(tmp_path: Path) -> None:
    """A reload closes the tab's wizard as it opens the next: the new one waits for the old
    one to let go of the profile instead of being told the profile is in use."""
    with serving(state=tmp_path) as served:
        session = await open_session(served)
        async with wizard(served, session) as first:
            await asyncio.wait_for(first.receive(), timeout=30)  # it started
        async with wizard(served, session) as second:  # at once: the first is still ending
            message = await asyncio.wait_for(second.receive(), timeout=30)
            text = message.data.decode(errors="replace") if isinstance(message.data, bytes) \
                else str(message.data)
            assert "is in use by another roomcal" not in text


async def test_localhost_is_ours_on_ipv6_too(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        with socket.socket(socket.AF_INET6) as squatter, pytest.raises(OSError) as taken:
            squatter.bind(("::1", served.port))  # another user, for localhost's sake
        assert taken.value.errno == errno.EADDRINUSE
        ipv6 = f"http://[::1]:{served.port}"
        status, _body, _response = await _get(f"{ipv6}/?token={served.token}")
        assert status == 303  # the page answers on [::1] as on 127.0.0.1
        assert (await _get(f"http://localhost:{served.port}/"))[0] == 200


def test_a_port_held_by_another_user_on_ipv6_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET6) as taken:
        taken.bind(("::1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _roomcal("serve", "--port", str(port), state=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "::1" in lines[0], result.stderr


async def test_stopping_the_server_with_a_tab_open_ends_its_wizard(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        async with wizard(served, await open_session(served)) as websocket:
            await asyncio.wait_for(websocket.receive(), timeout=30)
            wizards = served.wizards()
            served.process.terminate()  # what Ctrl+C does, as SIGTERM
            code = await asyncio.to_thread(served.process.wait, 10)
        assert code == 0
        assert await asyncio.to_thread(
            wait_until, lambda: not any(Path(f"/proc/{pid}").exists() for pid in wizards), 10)


def test_a_port_in_use_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _roomcal("serve", "--port", str(port), state=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0] and "--port" in lines[0] and "in use" in lines[0]


def test_a_port_in_use_in_german(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _roomcal("--lang", "de", "serve", "--port", str(port), state=tmp_path)
    assert result.returncode == 2
    assert "bereits belegt" in result.stderr and str(port) in result.stderr


def test_a_network_address_needs_allow_remote(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        result = _roomcal("serve", "--port", "0", "--host", host, state=tmp_path)
        assert result.returncode == 2, host
        assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr
    result = _roomcal("serve", "--host", "jumphost.example", state=tmp_path)
    assert result.returncode == 2 and "IP address" in result.stderr


def test_allow_remote_warns_that_only_the_token_protects_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.commands import serve
    from wizard.serve_guard import GuardedServer

    served: list[Door] = []
    real_listen = serve.listen

    def listen_on_loopback(_address: object, _port: int) -> list[socket.socket]:
        # The address logic is under test, not the network: never open a real remote port.
        return real_listen(serve.bind_address("127.0.0.1", allow_remote=False), 0)

    def record(self: GuardedServer, debug: bool = False) -> None:
        served.append(self.door)
        for sock in self.listening:
            sock.close()

    monkeypatch.setattr(serve, "listen", listen_on_loopback)
    monkeypatch.setattr(GuardedServer, "serve", record)
    handlers = list(logging.getLogger().handlers)
    try:
        assert main(["serve", "--host", "0.0.0.0", "--allow-remote", "--port", "0"]) == 0
    finally:  # the command's log file lives in this test's directory: leave no handler on it
        for handler in set(logging.getLogger().handlers) - set(handlers):
            logging.getLogger().removeHandler(handler)
            handler.close()
    err = capsys.readouterr().err
    assert "reachable from the network" in err and "only the token" in err
    assert served[0].host_names is None  # reached by names we cannot know: the token decides


def test_an_unknown_scenario_is_the_demo_sentence(tmp_path: Path) -> None:
    served = _roomcal("serve", "--port", "0", "--scenario", "no-such-thing", state=tmp_path)
    demo = _roomcal("demo", "--scenario", "no-such-thing", state=tmp_path)
    assert served.returncode == demo.returncode == 2
    assert served.stderr == demo.stderr
    assert "no-such-thing" in served.stderr and "healthy" in served.stderr


def test_the_door() -> None:
    door = Door(port=8000, host_names=frozenset({"127.0.0.1", "::1", "localhost"}))
    good = {"path": "/ws/s", "host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}
    assert door.refusal(**good) is None
    assert door.refusal(**{**good, "host": "localhost:8000",
                           "origin": "http://LOCALHOST:8000"}) is None
    # Forwarded with another local port (ssh -L 9000:127.0.0.1:8000): still its own page.
    assert door.refusal(**{**good, "host": "127.0.0.1:9000",
                           "origin": "http://127.0.0.1:9000"}) is None
    assert door.refusal(**{**good, "path": "/", "origin": None}) is None  # a navigation
    refused = [
        {"origin": None},
        {"origin": "http://127.0.0.1:8001"},
        {"host": "evil.example:8000", "origin": "http://evil.example:8000"},
        {"host": '127.0.0.1:8000"><script>', "origin": None, "path": "/"},
    ]
    for change in refused:
        assert door.refusal(**{**good, **change}) is not None, change
    remote = Door(port=8000, host_names=None)
    assert remote.refusal(**{**good, "host": "jump.example:8000",
                             "origin": "http://jump.example:8000"}) is None
    assert door.refusal(**{**good, "host": "[::1]:8000", "origin": "http://[::1]:8000"}) is None


async def test_a_wizard_imports_nothing_from_the_directory_serve_was_started_in(
        tmp_path: Path) -> None:
    shared = tmp_path / "shared"  # /tmp or a team share: another user can write there
    marker = tmp_path / "imported-as-the-admin"
    plant_imports(shared, marker)
    with serving("--scenario", "healthy", state=tmp_path / "state", cwd=shared) as served:
        async with wizard(served, await open_session(served)) as websocket:
            message = await asyncio.wait_for(websocket.receive(), timeout=30)
            assert message.type == aiohttp.WSMsgType.BINARY, message  # the real wizard
    assert not marker.exists(), marker.read_text()


def test_without_textual_serve_it_says_what_installs_it_here(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``roomcal-wizard`` is not on PyPI: the sentence names what works for this
    installation — here an editable install of this checkout, so its ``serve`` extra."""
    for name in [n for n in sys.modules if n.split(".")[0] == "textual_serve"]:
        monkeypatch.setitem(sys.modules, name, None)  # not installed
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.delitem(sys.modules, "wizard.serve_guard", raising=False)
    checkout = Path(__file__).resolve().parents[1]
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "textual-serve is not installed" in err and "Traceback" not in err
    assert f"{sys.executable} -m pip install -e {shlex.quote(f'{checkout}[serve]')}" in err, err
    assert "pip install 'roomcal-wizard[serve]'" not in err
