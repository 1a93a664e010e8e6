"""textual-serve behind a door: a per-start token and a same-origin check before any wizard runs.

textual-serve 1.1 serves whoever connects, and every WebSocket it accepts starts a
new wizard process with the admin's profile and keyring. On a shared jump host any
local user can reach 127.0.0.1, and any web page in the admin's browser can open a
WebSocket to it. ``GuardedServer`` answers 403 (and starts nothing) unless a request

* names a host this server answers to (a page rebound by DNS carries a foreign Host),
* carries the token: in the query on the first visit, then in an HttpOnly,
  SameSite=Strict cookie that the page's own requests (static files, WebSocket) send,
* and, for the WebSocket, comes from the page's own origin (``Origin`` equals the
  origin of the ``Host`` it was sent to). Other requests may omit ``Origin`` (a
  navigation has none), but a foreign one is refused there too.

The check is an aiohttp middleware, so it runs before textual-serve's handlers: the
WebSocket handler is what starts the wizard process.
"""

from __future__ import annotations

import hmac
import logging
import re
import socket
from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from textual_serve.server import Server

from wizard.core.i18n import _

log = logging.getLogger(__name__)

TOKEN_PARAM = "token"
WEBSOCKET_PATH = "/ws"
# How long Ctrl+C waits for open tabs before their wizards are told to quit.
SHUTDOWN_SECONDS = 1.0
# Names a browser uses for a loopback server; the bind address is added to them.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})
# A Host header is echoed into the page (the WebSocket URL): nothing but a host and port.
_HOST = re.compile(r"(?P<name>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
# Sent with every answer: the URL holds the token, so it must not leak as a Referer,
# sit in a cache, or be framed by another page.
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Refusal:
    reason: str  # for the log, in English; never contains the token
    sentence: str  # for the person in front of the browser


@dataclass(frozen=True)
class Door:
    """Who may come in: the token, and the host names this server answers to."""

    token: str
    port: int
    # None: any name (a non-loopback bind, reached by names we cannot know).
    host_names: frozenset[str] | None

    @property
    def cookie_name(self) -> str:
        # Cookies ignore the port: two servers on one host must not overwrite each other's.
        return f"roomcal-serve-{self.port}"

    def token_matches(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.token.encode("utf-8"))

    def refusal(self, *, path: str, host: str, origin: str | None, query_token: str | None,
                cookie_token: str | None) -> Refusal | None:
        match = _HOST.fullmatch(host)
        if match is None:
            return _foreign("malformed Host header")
        name = match["name"].strip("[]").lower()
        if self.host_names is not None and name not in self.host_names:
            return _foreign(f"foreign Host {name!r}")
        if not (self.token_matches(query_token) or self.token_matches(cookie_token)):
            return Refusal("no valid token", _(
                "This address needs the token roomcal serve printed when it started (a new "
                "one on every start): open the full address it printed."))
        if origin is None and path == WEBSOCKET_PATH:
            return _foreign("WebSocket without Origin")
        if origin is not None and origin.lower() != f"http://{host}".lower():
            return _foreign(f"foreign Origin {origin[:100]!r}")
        return None


def _foreign(reason: str) -> Refusal:
    return Refusal(reason, _("Refused: the wizard accepts connections only from its own page."))


class GuardedServer(Server):
    """textual-serve's Server on a socket bound beforehand, behind a ``Door``, without logs
    of its own (its access log would print the token; its Rich tracebacks show locals)."""

    def __init__(self, command: str, door: Door, listening: socket.socket) -> None:
        super().__init__(command, port=door.port, title="roomcal")
        self.door = door
        self.listening = listening

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = self.door.refusal(
            path=request.path, host=request.host, origin=request.headers.get("Origin"),
            query_token=request.query.get(TOKEN_PARAM),
            cookie_token=request.cookies.get(self.door.cookie_name))
        if refusal is not None:
            log.warning("refused %s %s: %s", request.method, request.path, refusal.reason)
            return web.Response(status=403, text=refusal.sentence + "\n",
                                headers=SECURITY_HEADERS)
        response = await handler(request)
        if not response.prepared:  # a WebSocket or a download has sent its headers already
            response.headers.update(SECURITY_HEADERS)
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """textual-serve's page, with URLs relative to the Host the browser used.

        textual-serve writes its configured ``public_url`` into the page; that would
        say port 0 after ``--port 0``, and a page opened as ``localhost`` would open
        its WebSocket on ``127.0.0.1`` (another origin, without the cookie).
        """
        context = {
            "font_size": _int(request.query.get("fontsize"), 16),
            "app_websocket_url": f"ws://{request.host}{WEBSOCKET_PATH}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        if self.door.token_matches(request.query.get(TOKEN_PARAM)):
            response.set_cookie(self.door.cookie_name, self.door.token, path="/",
                                httponly=True, samesite="Strict")
        return response

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve prints its banner and command here; the command prints
        the address (with the token) itself."""

    def serve(self, debug: bool = False) -> None:
        # An open tab keeps its WebSocket handler running: without a short shutdown
        # timeout, Ctrl+C would wait aiohttp's default 60 s before the wizards are told
        # to quit.
        web.run_app(self._make_app(), sock=self.listening, access_log=None, print=None,
                    handle_signals=True, shutdown_timeout=SHUTDOWN_SECONDS)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default
