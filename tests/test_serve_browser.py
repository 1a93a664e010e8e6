"""``roomcal serve`` in a real browser: Debian's Chromium, driven by Playwright.

Playwright cannot download browsers here; it drives the system's Chromium
(``apt-get install chromium``; .ci/run installs it when missing). textual-serve
draws the terminal on a canvas, so the test reads xterm.js's own screen buffer:
the page's script is delivered with one statement added that hands its Terminal
to the test. Every request the pages make is recorded (and anything not on
loopback blocked, to stay hermetic): a request to anyone else fails the test —
the page must not tell a third party (a font service) that the admin opened it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from serve_support import Served, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

CHROMIUM = Path(os.environ.get("ROOMCAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 # A foreign site that resolves to this machine (DNS rebinding).
                 "--host-resolver-rules=MAP evil.example 127.0.0.1"]
# textual-serve 1.1.3's textual.js creates one session object per terminal element here.
SESSION = "const t=new w(e,{ping:r});"
HAND_OVER = "(window.__roomcalTerminals=window.__roomcalTerminals||[]).push(t.terminal);"
SCREEN = """() => {
  const terminal = (window.__roomcalTerminals || [])[0];
  if (!terminal) return "";
  const buffer = terminal.buffer.active, rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""
OPEN_WEBSOCKET = """(url) => new Promise((resolve) => {
  const socket = new WebSocket(url);
  socket.onopen = () => { socket.close(); resolve("open"); };
  socket.onerror = () => resolve("refused");
  setTimeout(() => resolve("no answer"), 10000);
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]' (it pins playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(.ci/run does), or point ROOMCAL_CHROMIUM at one")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary user-data directory.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


LOOPBACK = ("http://127.0.0.1:", "ws://127.0.0.1:", "http://[::1]:", "http://evil.example:")


def _context(browser: Browser, served: Served, requests: list[str]) -> BrowserContext:
    """A browser profile whose every request (WebSockets too) lands in ``requests``."""
    context = browser.new_context(viewport={"width": 1000, "height": 640})
    context.set_default_timeout(30_000)
    context.on("request", lambda request: requests.append(request.url))
    context.on("page", lambda page: page.on(
        "websocket", lambda websocket: requests.append(websocket.url)))

    def route(route: Route) -> None:
        url = route.request.url
        if not url.startswith(LOOPBACK):
            route.abort()
        elif url.startswith(f"{served.base}/static/js/textual.js"):
            response = route.fetch()  # through the guarded server, with the page's cookie
            script = response.text()
            assert SESSION in script, "textual-serve's textual.js changed: update SESSION"
            route.fulfill(response=response, body=script.replace(SESSION, SESSION + HAND_OVER))
        else:
            route.continue_()

    context.route("**/*", route)
    return context


def _wait_for_screen(page: Page, text: str, *, first_line: bool = False) -> str:
    lines = "split('\\n').slice(0, 1).join('')" if first_line else "toString()"
    page.wait_for_function(f"(text) => ({SCREEN})().{lines}.includes(text)", arg=text,
                           polling=100)
    return str(page.evaluate(SCREEN))


def test_with_the_token_the_welcome_screen_appears_and_ctrl_l_switches_to_german(
        browser: Browser, tmp_path: Path) -> None:
    with serving("--scenario", "healthy", state=tmp_path) as served:
        requests: list[str] = []
        context = _context(browser, served, requests)
        page = context.new_page()
        refused: list[str] = []
        page.on("response", lambda r: refused.append(r.url) if r.status == 403 else None)
        response = page.goto(served.url)
        assert response is not None and response.status == 200
        assert page.url == served.base + "/"  # the token has left the address bar
        screen = _wait_for_screen(page, "Welcome", first_line=True)
        assert "Demo mode" in screen  # the demo of --scenario, not the admin's real profile
        page.locator("#terminal").click()
        page.keyboard.press("Control+l")
        screen = _wait_for_screen(page, "Willkommen", first_line=True)
        assert "Sprache" in screen  # the body follows the header
        # A reload keeps the tab's session (and starts a new wizard).
        page.reload()
        _wait_for_screen(page, "Welcome", first_line=True)
        assert refused == []
        # Nothing for other ports: cookies ignore ports, and this browser keeps none.
        assert context.cookies() == []
        assert requests and all(url.startswith(LOOPBACK[:2]) for url in requests), requests
        assert any(url.startswith(f"ws://127.0.0.1:{served.port}/ws/") for url in requests)
        assert any(url.endswith("/static/fonts/RobotoMono-VariableFont_wght.ttf")
                   for url in requests)  # the terminal's font, from this server
        context.close()



def test_without_the_token_no_wizard_starts(browser: Browser, tmp_path: Path) -> None:
    with serving(state=tmp_path) as served:
        context = _context(browser, served, [])
        page = context.new_page()
        response = page.goto(served.base + "/")
        assert response is not None and response.status == 200
        assert "needs the token" in page.inner_text("body")
        assert page.locator(".xterm").count() == 0
        # Even a script on the server's own origin gets no wizard without the token.
        assert page.evaluate(OPEN_WEBSOCKET, f"ws://127.0.0.1:{served.port}/ws") == "refused"
        assert served.wizards() == []
        context.close()
    log = (tmp_path / "state" / "roomcal.log").read_text()
    assert "refused GET /ws: no valid token" in log  # it reached the server, which said no


def test_a_foreign_page_cannot_open_the_websocket(browser: Browser, tmp_path: Path) -> None:
    received: list[str] = []
    with serving(state=tmp_path) as served, _foreign_page(received) as foreign_port:
        context = _context(browser, served, [])
        # The admin has opened the wizard in this browser.
        admin = context.new_page()
        admin.goto(served.url)
        _wait_for_screen(admin, "Welcome", first_line=True)
        # Another local web page on another port (cookies ignore ports: it receives
        # whatever cookie the browser keeps for 127.0.0.1), and a foreign site resolved
        # to 127.0.0.1 (DNS rebinding; Chromium's local-network checks let loopback talk
        # to loopback, so the request does reach the server).
        for foreign in (f"http://127.0.0.1:{foreign_port}", f"http://evil.example:{foreign_port}"):
            page = context.new_page()
            page.goto(f"{foreign}/")
            result = page.evaluate(OPEN_WEBSOCKET,
                                   f"ws://127.0.0.1:{served.port}/ws?width=80&height=24")
            assert result == "refused", foreign
            page.close()
        assert received and not any("roomcal" in cookie for cookie in received), received
        running = len(served.wizards())
        admin.close()
        context.close()
    assert running  # the admin's wizard, and only that
    log = (tmp_path / "state" / "roomcal.log").read_text()
    assert f"refused GET /ws: foreign Origin 'http://127.0.0.1:{foreign_port}'" in log
    assert log.count("refused GET /ws") == 2


@contextmanager
def _foreign_page(received: list[str]) -> Iterator[int]:
    """A real web server on another loopback port: somebody else's page, which keeps
    the Cookie header of every request it receives."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.headers.get("Cookie") or "")
            body = b"<html><body>somebody else's page</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
