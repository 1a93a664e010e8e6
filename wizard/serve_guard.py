"""textual-serve behind a door: a one-time address, a session only the page holds, its own origin.

textual-serve 1.1 serves whoever connects, and every WebSocket it accepts starts a
new wizard process with the admin's profile and keyring. On a shared jump host any
local user can reach 127.0.0.1, run a server of their own on another port, and any
web page in the admin's browser can open a WebSocket to it.

Why no cookie holds the key: a browser sends a cookie for ``127.0.0.1`` to *every*
port of 127.0.0.1 (cookies ignore ports; ``SameSite`` does too, and so does a
cookie's name). Another user's server on another port receives it as soon as the
admin's browser visits that port, and a program — unlike a browser — can replay it
with any ``Origin`` and ``Host`` it likes. Binding the cookie to the port with an
HMAC changes nothing for such a replay. So the key is kept where only this
server's page can reach it:

1. ``roomcal serve`` prints an address with a **one-time token** (``/?token=…``).
   Its first use is answered with a redirect to the clean ``/`` (the token leaves
   the address bar; a copy in the history opens nothing any more) and a **hand-off**
   cookie: single-use, 60 seconds, HttpOnly, SameSite=Strict. The browser sends it
   back at once, with the redirect; it is spent there and deleted. When another
   port sees it later, it is worth nothing. A new one-time address is printed for
   another browser or tab, together with a warning should the admin not have
   opened the first one.
2. The page the hand-off opens carries the **session** secret. The page's script
   (``serve_page/assets/page.js``) keeps it in ``sessionStorage`` — per origin, so
   per port, and per tab; never sent anywhere by the browser on its own — and
   names it in the WebSocket's path: ``/ws/SESSION``. A reload finds it there.
3. The WebSocket needs the session **and** the page's own ``Origin`` (equal to the
   origin of the ``Host`` it was sent to); every request needs a ``Host`` this server
   answers to (a page rebound by DNS carries a foreign one). A session runs at most
   ``MAX_WIZARDS_PER_SESSION`` wizards at once; one more gets a sentence instead.

The page asks nothing of a third party (Content-Security-Policy: this origin
only): textual-serve's template loads a font from Google; ours serves textual-serve's
own Roboto Mono from ``/static/fonts``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from textual_serve.app_service import AppService
from textual_serve.server import Server

from wizard.core import redact
from wizard.core.child import child_environment
from wizard.core.i18n import _, ngettext

log = logging.getLogger(__name__)

TOKEN_PARAM = "token"
WEBSOCKET_PATH = "/ws"
PAGE_DIR = Path(__file__).parent / "serve_page"
# How long a hand-off cookie is good for: the browser sends it back with the redirect.
HANDOFF_SECONDS = 60
# Wizards one session (one use of the printed address) may run at once: a tab, its
# reload (the old wizard is still quitting), a duplicated tab.
MAX_WIZARDS_PER_SESSION = 3
# How long a new tab waits for a wizard of this server that is ending to let go of the
# profile (a reload), before it is told the profile is in use.
RELEASE_WAIT = 15.0
# How long Ctrl+C waits for open tabs before their wizards are told to quit.
SHUTDOWN_SECONDS = 1.0
# Names a browser uses for a loopback server; the bind address is added to them.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "localhost"})
# A Host header is echoed into the page (the WebSocket URL): nothing but a host and port.
_HOST = re.compile(r"(?P<name>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
# Sent with every answer: the first URL holds the token, so it must not leak as a
# Referer, sit in a cache, or be framed by another page; and the page may ask this
# origin only (WebSocket included: CSP 3 lets 'self' match ws: of the same host).
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"),
}


@dataclass(frozen=True)
class Refusal:
    reason: str  # for the log, in English; never contains a secret
    sentence: str  # for the person in front of the browser


@dataclass(frozen=True)
class Door:
    """Where requests may come from: the host names this server answers to, and for
    the WebSocket the page's own origin."""

    port: int
    # None: any name (a non-loopback bind, reached by names we cannot know).
    host_names: frozenset[str] | None

    @property
    def handoff_cookie(self) -> str:
        # Two servers on one host must not overwrite each other's hand-off.
        return f"roomcal-serve-{self.port}"

    def refusal(self, *, path: str, host: str, origin: str | None) -> Refusal | None:
        match = _HOST.fullmatch(host)
        if match is None:
            return _foreign("malformed Host header")
        name = match["name"].strip("[]").lower()
        if self.host_names is not None and name not in self.host_names:
            return _foreign(f"foreign Host {name!r}")
        if origin is None and path.startswith(WEBSOCKET_PATH):
            return _foreign("WebSocket without Origin")
        if origin is not None and origin.lower() != f"http://{host}".lower():
            return _foreign(f"foreign Origin {origin[:100]!r}")
        return None


def _foreign(reason: str) -> Refusal:
    return Refusal(reason, _("Refused: the wizard accepts connections only from its own page."))


def no_token() -> Refusal:
    return Refusal("no valid token", _(
        "This address needs the token roomcal serve printed when it started (a new "
        "one on every start): open the full address it printed."))


def used_token() -> Refusal:
    return Refusal("used token", _(
        "This address has been used already: it opens the wizard once. Open the newest "
        "address roomcal serve printed, or restart it for a new one."))


@dataclass
class Session:
    secret: str
    wizards: int = 0


class Spent(Enum):
    TOKEN = "token"


@dataclass
class Admission:
    """The secrets of one server start: the printed one-time token, the hand-offs that
    carry a used token's session through the redirect, and the sessions."""

    on_used: Callable[[str], None]  # told the next token when one has been used
    token: str = field(default_factory=lambda: _secret())
    spent: list[str] = field(default_factory=list)
    handoffs: dict[str, tuple[Session, float]] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)

    def use_token(self, candidate: str) -> str | Spent | None:
        """A hand-off secret for the printed token (once), Spent for a used one."""
        if _equal(candidate, self.token):
            session = Session(_secret())
            self.sessions.append(session)
            handoff = _secret()
            self.handoffs[handoff] = (session, time.monotonic() + HANDOFF_SECONDS)
            self.spent.append(self.token)
            self.token = _secret()
            self.on_used(self.token)
            return handoff
        if any(_equal(candidate, old) for old in self.spent):
            return Spent.TOKEN
        return None

    def use_handoff(self, candidate: str | None) -> Session | None:
        """The session a hand-off carries: once, and only while it is fresh."""
        now = time.monotonic()
        for secret, (session, until) in list(self.handoffs.items()):
            if until < now:
                del self.handoffs[secret]
            elif candidate and _equal(candidate, secret):
                del self.handoffs[secret]
                return session
        return None

    def session(self, candidate: str) -> Session | None:
        return next((s for s in self.sessions if _equal(candidate, s.secret)), None)


def _secret() -> str:
    value = secrets.token_urlsafe(32)
    redact.register(value)
    return value


def _equal(candidate: str, secret: str) -> bool:
    return hmac.compare_digest(candidate.encode("utf-8"), secret.encode("utf-8"))


class WizardService(AppService):
    """textual-serve's per-tab process, started so that nothing is imported from the
    current directory (wizard.core.child: the command has ``-P``, the environment no
    empty PYTHONPATH entry)."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return child_environment(super()._build_environment(width, height))


class GuardedServer(Server):
    """textual-serve's Server on sockets bound beforehand, behind a ``Door`` and an
    ``Admission``, without logs of its own (its access log would print the token; its
    Rich tracebacks show locals)."""

    def __init__(self, command: str, door: Door, admission: Admission,
                 listening: Iterable[socket.socket],
                 profile_in_use: Callable[[], str | None] = lambda: None) -> None:
        super().__init__(command, port=door.port, title="roomcal")
        self.door = door
        self.admission = admission
        self.listening = list(listening)
        # Why a wizard would be refused before it starts: its profile held by another
        # roomcal (a tab still open, the admin's terminal). The wizard would say so on
        # its stderr, which a tab never shows; the tab gets the sentence instead.
        self.profile_in_use = profile_in_use
        self.wizards_here = 0  # wizards of this server, until their output has ended
        self.last_ended = float("-inf")

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(PAGE_DIR), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index),
            web.get(WEBSOCKET_PATH, self.handle_websocket_without_session),
            web.get(WEBSOCKET_PATH + "/{session}", self.handle_session),
            # textual-serve's script, styles and font; no directory listings, and no
            # /download (the wizard delivers no files through the browser).
            web.static("/static", self.statics_path),
            web.static("/roomcal", PAGE_DIR / "assets"),
        ])
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = self.door.refusal(path=request.path, host=request.host,
                                    origin=request.headers.get("Origin"))
        if refusal is not None:
            return _refuse(request, refusal)
        response = await handler(request)
        if not response.prepared:  # a WebSocket has sent its headers already
            response.headers.update(SECURITY_HEADERS)
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get(TOKEN_PARAM)
        if token is not None:
            return self._redeem(request, token)
        cookie = request.cookies.get(self.door.handoff_cookie)
        session = self.admission.use_handoff(cookie)
        response = self._page(request, session)
        if cookie is not None:  # spent or stale: the browser need not keep it
            response.del_cookie(self.door.handoff_cookie, path="/")
        return response

    def _redeem(self, request: web.Request, token: str) -> web.StreamResponse:
        """The printed address's first use: off to the clean URL, the session handed
        over in a cookie that the redirect spends."""
        outcome = self.admission.use_token(token)
        if outcome is None:
            return _refuse(request, no_token())
        if outcome is Spent.TOKEN:
            return _refuse(request, used_token())
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(self.door.handoff_cookie, outcome, path="/", httponly=True,
                            samesite="Strict", max_age=HANDOFF_SECONDS)
        return response

    def _page(self, request: web.Request, session: Session | None) -> web.Response:
        """The page, with URLs relative to the Host the browser used (a page opened as
        ``localhost`` keeps its WebSocket on ``localhost``, its own origin)."""
        context = {
            "font_size": _int(request.query.get("fontsize"), 16),
            "session": session.secret if session is not None else "",
            "title": self.title,
            "no_token": no_token().sentence,
            "ended": _("The wizard has ended."),
            "restart": _("Start again"),
            "lost": _("If it does not start again, open the newest address roomcal serve "
                      "printed (after a restart of roomcal serve, only its new address "
                      "works)."),
        }
        return aiohttp_jinja2.render_template("index.html", request, context)

    async def handle_websocket_without_session(self, request: web.Request) -> web.Response:
        return _refuse(request, no_token())

    async def handle_session(self, request: web.Request) -> web.StreamResponse:
        """The page's WebSocket: its session's next wizard."""
        session = self.admission.session(request.match_info["session"])
        if session is None:
            return _refuse(request, no_token())
        if session.wizards >= MAX_WIZARDS_PER_SESSION:
            return await self._too_many(request)
        if in_use := await self._profile_still_in_use():
            log.warning("refused GET %s: the profile is in use", WEBSOCKET_PATH)
            return await self._sentence(request, in_use)
        session.wizards += 1
        self.wizards_here += 1
        try:
            return await self._run_wizard(request)
        finally:
            session.wizards -= 1
            self.wizards_here -= 1
            self.last_ended = asyncio.get_running_loop().time()

    async def _profile_still_in_use(self) -> str | None:
        """Who holds the profile — unless it is a wizard of this server that is ending: a
        reloaded tab closes its old wizard as it opens the new one, and the old one lets go
        of the profile only when its process has ended. Another roomcal (the admin's
        terminal) is said at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RELEASE_WAIT
        while (in_use := self.profile_in_use()) and loop.time() < deadline and (
                # its output ends a moment before its process (and its hold on the profile)
                self.wizards_here or loop.time() - self.last_ended < 2.0):
            await asyncio.sleep(0.1)
        return in_use

    async def _too_many(self, request: web.Request) -> web.WebSocketResponse:
        """A sentence in the tab's terminal instead of another wizard; the tab stays
        open (a closed one would hide it behind "ended")."""
        log.warning("refused GET %s: more than %d wizards in one session", WEBSOCKET_PATH,
                    MAX_WIZARDS_PER_SESSION)
        return await self._sentence(request, ngettext(
            "This browser already runs {count} wizard, as many as one visit may: close "
            "it (Ctrl+Q in its tab), then reload this page.",
            "This browser already runs {count} wizards, as many as one visit may: close "
            "one of them (Ctrl+Q in its tab), then reload this page.",
            MAX_WIZARDS_PER_SESSION).format(count=MAX_WIZARDS_PER_SESSION))

    @staticmethod
    async def _sentence(request: web.Request, sentence: str) -> web.WebSocketResponse:
        """A sentence in the tab's terminal instead of a wizard; the tab stays open (a
        closed one would hide it behind "ended")."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        await websocket.send_bytes(f"\r\n  {sentence}\r\n".encode())
        async for _message in websocket:
            pass
        return websocket

    async def _run_wizard(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve 1.1.3's handler, with a WizardService."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        service: WizardService | None = None
        try:
            await websocket.prepare(request)
            async def close() -> None:
                await websocket.close()

            service = WizardService(self.command, write_bytes=websocket.send_bytes,
                                    write_str=websocket.send_str, close=close,
                                    download_manager=self.download_manager)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("the wizard's WebSocket failed")
        finally:
            if service is not None:
                await service.stop()
        return websocket

    def serve(self, debug: bool = False) -> None:
        # An open tab keeps its WebSocket handler running: without a short shutdown
        # timeout, Ctrl+C would wait aiohttp's default 60 s before the wizards are told
        # to quit.
        web.run_app(self._make_app(), sock=self.listening, access_log=None, print=None,
                    handle_signals=True, shutdown_timeout=SHUTDOWN_SECONDS)


def _refuse(request: web.Request, refusal: Refusal) -> web.Response:
    # The route, not the path: a WebSocket's path holds a session.
    route = WEBSOCKET_PATH if request.path.startswith(WEBSOCKET_PATH + "/") else request.path
    log.warning("refused %s %s: %s", request.method, route[:100], refusal.reason)
    return web.Response(status=403, text=refusal.sentence + "\n", headers=SECURITY_HEADERS)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default
