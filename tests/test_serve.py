"""``roomcal serve`` is no open remote control: token, Origin, binding, port in use.

Against a real ``roomcal serve`` subprocess on a free port; "no wizard started" is
read from /proc (the processes the server spawned), not from the server's word.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from serve_support import Served, argv_and_environment, serve_env, serving, wait_until
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


async def _websocket_status(served: Served, *, origin: str | None, cookie: str | None = None,
                            query: str = "", host: str | None = None) -> int:
    """101 if the server accepted the WebSocket, else the HTTP status it refused with."""
    headers = {}
    if cookie is not None:
        headers["Cookie"] = f"roomcal-serve-{served.port}={cookie}"
    if host is not None:
        headers["Host"] = host
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"{served.base}/ws?width=80&height=24{query}",
                                          origin=origin, headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


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


async def test_without_the_token_nothing_is_served_and_no_wizard_starts(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        for path in ("/", "/static/js/textual.js", "/download/x", "/ws"):
            status, body, response = await _get(served.base + path)
            assert status == 403, path
            assert NO_TOKEN in body
            assert "Set-Cookie" not in response.headers
        assert await _websocket_status(served, origin=served.base) == 403
        assert served.wizards() == []


async def test_a_wrong_token_is_refused(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        for wrong in ("wrong", served.token[:-1], served.token + "x", "ü" * 43, ""):
            status, body, _response = await _get(f"{served.base}/?token={wrong}")
            assert (status, NO_TOKEN in body) == (403, True), wrong
            cookie = f"roomcal-serve-{served.port}={wrong}"
            status, _body, _response = await _get(f"{served.base}/", Cookie=cookie)
            assert status == 403
            assert await _websocket_status(served, origin=served.base, cookie=wrong) == 403
        # Another server's cookie (cookies ignore the port) does not open this one.
        other = f"roomcal-serve-{served.port + 1}={served.token}"
        assert (await _get(f"{served.base}/", Cookie=other))[0] == 403
        assert served.wizards() == []


async def test_the_websocket_needs_the_pages_own_origin(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        token = served.token
        for origin in ("https://evil.example", f"http://127.0.0.1:{served.port + 1}",
                       f"http://localhost:{served.port}", "null", None):
            assert await _websocket_status(served, origin=origin, cookie=token) == 403, origin
            assert await _websocket_status(served, origin=origin,
                                           query=f"&token={token}") == 403, origin
        # DNS rebinding: a foreign name resolved to 127.0.0.1 carries its own Host.
        status, body, _response = await _get(served.url, Host=f"evil.example:{served.port}")
        assert (status, FOREIGN in body) == (403, True)
        assert await _websocket_status(served, origin=f"http://evil.example:{served.port}",
                                       cookie=token, host=f"evil.example:{served.port}") == 403
        assert served.wizards() == []


async def test_the_token_opens_the_page_and_its_websocket_starts_the_demo(
        tmp_path: Path) -> None:
    with serving("--scenario", "healthy", state=tmp_path) as served:
        status, page, response = await _get(served.url)
        assert status == 200
        cookie = response.cookies[f"roomcal-serve-{served.port}"]
        assert cookie.value == served.token
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
        # Opened as localhost, the page's WebSocket stays on localhost (same origin, cookie).
        local = served.url.replace("127.0.0.1", "localhost")
        assert f'"ws://localhost:{served.port}/ws"' in (await _get(local))[1]
        # A refused request that carries the token: the log must not keep it either.
        assert await _websocket_status(served, origin="https://evil.example",
                                       query=f"&token={served.token}") == 403

        headers = {"Cookie": f"roomcal-serve-{served.port}={served.token}"}
        async with aiohttp.ClientSession() as session, session.ws_connect(
                f"{served.base}/ws?width=80&height=24", origin=served.base,
                headers=headers) as websocket:
            message = await asyncio.wait_for(websocket.receive(), timeout=30)
            assert message.type == aiohttp.WSMsgType.BINARY  # the wizard's terminal output
            wizards = served.wizards()
            assert wizards
            seen = b"\n".join(argv_and_environment(pid) for pid in wizards)
            assert b"demo\x00--scenario\x00healthy" in seen or b"demo --scenario healthy" in seen
            assert served.token.encode() not in seen
        assert await asyncio.to_thread(wait_until, lambda: served.wizards() == [], 20)

    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "serve-stdout.log":
            assert served.token not in path.read_text(errors="replace"), path
    log = (tmp_path / "state" / "roomcal.log").read_text()
    assert "refused GET /ws: foreign Origin" in log


async def test_stopping_the_server_with_a_tab_open_ends_its_wizard(tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        headers = {"Cookie": f"roomcal-serve-{served.port}={served.token}"}
        async with aiohttp.ClientSession() as session, session.ws_connect(
                f"{served.base}/ws?width=80&height=24", origin=served.base,
                headers=headers) as websocket:
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

    def listen_on_loopback(_address: object, _port: int) -> socket.socket:
        # The address logic is under test, not the network: never open a real remote port.
        return real_listen(serve.bind_address("127.0.0.1", allow_remote=False), 0)

    def record(self: GuardedServer, debug: bool = False) -> None:
        served.append(self.door)
        self.listening.close()

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
    door = Door(token="t" * 43, port=8000, host_names=frozenset({"127.0.0.1", "localhost"}))
    good = {"path": "/ws", "host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000",
            "query_token": None, "cookie_token": "t" * 43}
    assert door.refusal(**good) is None
    assert door.refusal(**{**good, "host": "localhost:8000",
                           "origin": "http://LOCALHOST:8000"}) is None
    # Forwarded with another local port (ssh -L 9000:127.0.0.1:8000): still its own page.
    assert door.refusal(**{**good, "host": "127.0.0.1:9000",
                           "origin": "http://127.0.0.1:9000"}) is None
    assert door.refusal(**{**good, "path": "/", "origin": None}) is None  # a navigation
    refused = [
        {"cookie_token": None},
        {"cookie_token": "T" * 43},
        {"origin": None},
        {"origin": "http://127.0.0.1:8001"},
        {"host": "evil.example:8000", "origin": "http://evil.example:8000"},
        {"host": '127.0.0.1:8000"><script>', "origin": None, "path": "/"},
    ]
    for change in refused:
        assert door.refusal(**{**good, **change}) is not None, change
    remote = Door(token="t" * 43, port=8000, host_names=None)
    assert remote.refusal(**{**good, "host": "jump.example:8000",
                             "origin": "http://jump.example:8000"}) is None
    ipv6 = Door(token="t" * 43, port=8000, host_names=frozenset({"::1"}))
    assert ipv6.refusal(**{**good, "host": "[::1]:8000", "origin": "http://[::1]:8000"}) is None
