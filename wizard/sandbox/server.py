"""A small loopback HTTP(S) server with a router, latency and fault injection.

Every sandbox service (EWS, Graph, Google, Cronofy) is one of these: a real
socket on 127.0.0.1, so the real client libraries speak real HTTP, TLS, auth
and timeouts to it. Never binds anything but loopback.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
HANDSHAKE_TIMEOUT = 5.0  # seconds a client may take to start TLS on its own connection
# How often the accept loop looks for stop(): socketserver's default of 0.5 s made every
# sandbox (five servers, stopped one after the other) take ~1.5 s to close.
STOP_POLL = 0.02  # seconds


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    match: re.Match[str] | None = None
    server: LoopbackServer | None = None
    # State that lives as long as the TCP connection (NTLM authenticates connections).
    connection: dict[str, Any] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        return cls(status, json.dumps(data), dict(headers))

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location}, "text/plain")


Handler = Callable[[Request], Response]


def retry_after(setting: Any, request: Request) -> str:
    """The ``Retry-After`` of a throttled answer, from a scenario's ``retry_after`` key.

    ``"http-date"`` sends an HTTP-date one second ahead of the server's (possibly
    skewed) clock, the other form RFC 9110 allows; any other value is sent verbatim,
    garbage included, because clients must survive whatever a proxy sends.
    """
    if setting is None:
        return "1"
    if str(setting) == "http-date":
        from email.utils import formatdate

        skew = request.server.clock_skew if request.server is not None else 0.0
        return formatdate(time.time() + skew + 1, usegmt=True)
    return str(setting)


class Router:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return decorate

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method in (request.method, "*"):
                request.match = match
                return handler(request)
        if allowed:
            return Response.json({"error": "method not allowed"}, 405)
        return Response.json({"error": "not found", "path": request.path}, 404)


class _TlsPerConnection(ThreadingHTTPServer):
    """A threading server that does each TLS handshake in that connection's own thread.

    Wrapping the listening socket instead makes ``accept()`` run the handshake in
    the one accept thread: a client that connects and says nothing (a port scan,
    a health check, a browser's pre-connect) then holds up every other client.
    """

    daemon_threads = True
    tls: ssl.SSLContext | None = None
    connections = 0  # accepted so far (tests: are connections kept alive and reused?)
    _counting = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._counting:
            self.connections += 1
        if self.tls is not None:
            secured = self._handshake(request)
            if secured is None:
                return
            request = secured
        super().process_request_thread(request, client_address)

    def _handshake(self, raw: socket.socket) -> ssl.SSLSocket | None:
        assert self.tls is not None
        try:
            raw.settimeout(HANDSHAKE_TIMEOUT)
            secured = self.tls.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        except OSError:
            raw.close()
            return None
        try:
            secured.do_handshake()
        except OSError as exc:  # silent, plain-HTTP or vanished client: only it is dropped
            log.debug("sandbox TLS handshake failed: %s", type(exc).__name__)
            secured.close()
            return None
        secured.settimeout(None)  # as before: blocking, keep-alive connections wait
        return secured


class LoopbackServer:
    """Serve a Router on 127.0.0.1 in a daemon thread; optionally with TLS."""

    def __init__(
        self,
        router: Router,
        *,
        name: str,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        latency: float = 0.0,
        clock_skew: float = 0.0,
    ) -> None:
        self.router = router
        self.name = name
        self.latency = latency
        self.clock_skew = clock_skew  # seconds added to the Date header (skew scenarios)
        self.requests: list[tuple[str, str]] = []  # (method, path) seen, for tests
        self.in_flight = 0  # requests read and not yet answered (latency included)
        self._in_flight_lock = threading.Lock()
        self._ssl = ssl_context
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = f"roomcal-sandbox-{name}"
            # Headers and body leave in separate writes; with Nagle on, the body
            # waits for the client's delayed ACK (~40 ms per response on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s: " + format, name, *args)

            def _handle(self) -> None:
                outer._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._httpd = _TlsPerConnection((LOOPBACK, port), _Handler)
        self._httpd.tls = ssl_context
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(STOP_POLL,), name=f"sandbox-{name}",
            daemon=True,
        )

    @property
    def connections(self) -> int:
        """The connections clients opened to this server so far."""
        return self._httpd.connections

    @property
    def base_url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=handler.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            server=self,
            connection=handler.__dict__.setdefault("roomcal_connection", {}),
        )
        self.requests.append((request.method, request.path))
        with self._in_flight_lock:
            self.in_flight += 1
        try:
            self._answer(handler, request)
        finally:
            with self._in_flight_lock:
                self.in_flight -= 1

    def _answer(self, handler: BaseHTTPRequestHandler, request: Request) -> None:
        if self.latency:
            time.sleep(self.latency)
        try:
            response = self.router.dispatch(request)
        except Exception:  # a sandbox bug must not look like a network fault
            log.exception("sandbox %s failed on %s %s", self.name, request.method, request.path)
            response = Response.json({"error": "sandbox internal error"}, 500)
        payload = response.body.encode() if isinstance(response.body, str) else response.body
        try:
            handler.log_request(response.status)
            handler.send_response_only(response.status)
            handler.send_header("Server", handler.version_string())
            handler.send_header("Date", handler.date_time_string(time.time() + self.clock_skew))
            handler.send_header("Content-Type", response.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError):  # the client left
            pass
