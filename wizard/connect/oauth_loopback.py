"""Receive an OAuth redirect on loopback, or as a URL pasted by the user.

Used by every browser sign-in (Google, Cronofy). The server binds 127.0.0.1
only — an admin on a jump host forwards it with ``ssh -L PORT:127.0.0.1:PORT``
— and a fixed port can be chosen so that forward can be set up in advance.
When forwarding is not possible the user pastes the browser's final
``http://127.0.0.1…`` URL (the page will not load, the URL is still right).
Either way the ``state`` is verified before anything else is looked at.

The server is told the attempt's ``state`` before its URL is shown, so the
page the browser lands on can tell the truth: complete, refused, without a
code, or a link of another attempt (one rule, ``classify``, for the page and
for the waiting side).

Anyone on the host can reach the port, so a redirect with a foreign ``state``
costs nothing beyond its page: it is answered and forgotten — never queued for
the waiting side, never a notification on the admin's screen — so a flood of
them neither delays the real redirect nor fills memory. Each connection has a
short deadline and their number a cap, and a connection its peer resets is
logged at DEBUG, never printed as a traceback on the admin's terminal.
"""

from __future__ import annotations

import errno
import html
import logging
import queue
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_, _, current_language
from wizard.core.interaction import Interaction
from wizard.core.model import Msg

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# A browser sends its request at once; a connection that sends nothing is dropped after this.
REQUEST_DEADLINE = 5.0
# Connections served at once; more are closed unread (a browser retries a refused one).
MAX_CONNECTIONS = 64

log = logging.getLogger(__name__)

# RFC 6749 section 4.1.2.1 error codes -> one sentence each.
OAUTH_ERRORS = {
    "access_denied": N_("The sign-in was cancelled or consent was refused."),
    "invalid_request": N_("The sign-in request was rejected as invalid."),
    "unauthorized_client": N_("This client is not allowed to request a sign-in."),
    "unsupported_response_type": N_("The server does not support this kind of sign-in."),
    "invalid_scope": N_("The requested permissions (scopes) were rejected."),
    "server_error": N_("The sign-in server had an internal error."),
    "temporarily_unavailable": N_("The sign-in server is temporarily unavailable."),
}


def refusal(error: str) -> Msg:
    """The sentence for a redirect's ``error=…`` (RFC 6749's codes; others named)."""
    return Msg(OAUTH_ERRORS.get(error, N_("The sign-in failed. The sign-in server's answer: "
                                               "“{error}”")), error=error)


class RedirectError(UserFacingError):
    """The redirect came back with ``error=…`` instead of a code."""

    def __init__(self, error: str, description: str = "") -> None:
        sentence = refusal(error)
        remedy = Msg(N_("Start the sign-in again; if it keeps failing, check the account's "
                        "permissions."))
        super().__init__(sentence, remedy)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Redirect:
    url: str  # the full redirect URL (contains the code: never log it)
    params: dict[str, str]

    @property
    def code(self) -> str:
        return self.params.get("code", "")


def _params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


class Verdict(Enum):
    COMPLETE = "complete"
    OTHER_ATTEMPT = "other_attempt"  # another attempt's (or a forged) state
    REFUSED = "refused"  # error=… (RFC 6749 4.1.2.1)
    NO_CODE = "no_code"


def classify(params: dict[str, str], state: str) -> Verdict:
    """What a redirect means for the attempt whose state is ``state``; the state comes first."""
    given = params.get("state", "").encode("utf-8", "replace")
    if not state or not secrets.compare_digest(given, state.encode()):
        return Verdict.OTHER_ATTEMPT  # never look further: its code must not be used
    if "error" in params:
        return Verdict.REFUSED
    if not params.get("code"):
        return Verdict.NO_CODE
    return Verdict.COMPLETE


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most ``MAX_CONNECTIONS`` at once; errors go to the log."""

    daemon_threads = True
    block_on_close = False
    # socketserver's listen backlog is 5: a burst of forged connections would fill it and
    # the kernel would drop the browser's own (retried only after a second, then three).
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # a flood: its excess is closed unread
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never socketserver's traceback on stderr (the admin's terminal)."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("loopback redirect: a connection ended early (%s)",
                      type(error).__name__)
        else:
            log.warning("loopback redirect: a request failed", exc_info=True)


class RedirectServer:
    """One sign-in attempt's loopback redirect endpoint."""

    def __init__(self, port: int = 0, path: str = "/", host: str = "127.0.0.1", *,
                 state: str = "") -> None:
        if host not in ("127.0.0.1", "::1"):
            # Anything else would expose the authorization code to the network.
            raise ValueError("the redirect server binds loopback only")
        self.path = path
        # The attempt's state: set it (here or later) before the sign-in URL is shown.
        # Until then every redirect counts as another attempt's.
        self.state = state
        self._hits: queue.Queue[str] = queue.Queue()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            timeout = REQUEST_DEADLINE

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line contains the code: never log it

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != outer.path:
                    self.send_error(404)
                    return
                params = _params(self.path)
                verdict = classify(params, outer.state)
                if verdict is not Verdict.OTHER_ATTEMPT:
                    # Only this attempt's redirects reach the waiting side: whoever sent
                    # one knew the state. Others get their page and are forgotten.
                    outer._hits.put(f"http://127.0.0.1:{outer.port}{self.path}")
                body = page(verdict, params.get("error", "")).encode()
                self.send_response(200 if verdict in (Verdict.COMPLETE, Verdict.REFUSED)
                                   else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")  # the URL held a code
                self.send_header("Content-Security-Policy", "default-src 'none'")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                self.wfile.write(body)

        try:
            self._httpd = _LoopbackHTTPServer((host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserFacingError(
                    Msg(N_("Port {port} on 127.0.0.1 is already in use."), port=port),
                    Msg(N_("Choose another port with --port, or stop the program using it.")),
                ) from None
            raise
        self.port = self._httpd.server_address[1]
        # A short poll: stop() (the sign-in is done) returns within it, not within 0.5 s.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True, name="oauth-redirect")

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self) -> RedirectServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RedirectServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(
        self,
        *,
        pasted: queue.Queue[str],
        cancel: threading.Event,
        timeout: float,
        interaction: Interaction | None = None,
    ) -> Redirect:
        """Block until a redirect with this attempt's ``state`` arrives (loopback or pasted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cancel.is_set():
                raise UserFacingError(Msg(N_("The sign-in was cancelled.")))
            for source in (self._hits, pasted):
                try:
                    url = source.get_nowait().strip()
                except queue.Empty:
                    continue
                redirect = self._accept(url, interaction, from_paste=source is pasted)
                if redirect is not None:
                    return redirect
            time.sleep(0.05)
        raise UserFacingError(
            Msg(N_("No sign-in arrived within {minutes} minutes."), minutes=int(timeout // 60)),
            Msg(N_("Start the sign-in again, and forward the port with ssh -L if the browser "
                   "runs on another machine.")),
        )

    def _accept(
        self, url: str, interaction: Interaction | None, *, from_paste: bool
    ) -> Redirect | None:
        def reject(text: Msg) -> None:
            if interaction is not None:
                interaction.notify(text)

        parts = urlsplit(url if "://" in url else f"http://127.0.0.1/?{url.lstrip('?')}")
        if from_paste and parts.hostname not in LOOPBACK_HOSTS:
            reject(Msg(N_("That is not the redirect URL: it must start with "
                          "http://127.0.0.1 or http://localhost.")))
            return None
        params = _params(parts.geturl())
        verdict = classify(params, self.state)
        if verdict is Verdict.OTHER_ATTEMPT:
            # A redirect of another attempt (or forged): never exchange its code.
            reject(Msg(N_("That URL belongs to a different sign-in attempt (state mismatch): "
                          "use the link shown now.")))
            return None
        if verdict is Verdict.REFUSED:
            raise RedirectError(params["error"], params.get("error_description", ""))
        if verdict is Verdict.NO_CODE:
            reject(Msg(N_("The URL has no authorization code: copy the whole address from "
                          "the browser.")))
            return None
        return Redirect(url, params)


PAGES = {
    Verdict.COMPLETE: (N_("Sign-in complete"),
                       N_("You can close this tab and return to roomcal.")),
    Verdict.OTHER_ATTEMPT: (N_("This link belongs to another sign-in attempt"),
                            N_("Nothing was signed in with it. Use the link shown in roomcal "
                               "now.")),
    Verdict.REFUSED: (N_("Sign-in not completed"),
                      N_("Go back to roomcal to start the sign-in again.")),
    Verdict.NO_CODE: (N_("Sign-in not completed"),
                      N_("The address has no authorization code, so nothing was signed in. "
                         "Go back to roomcal and use the link shown there.")),
}


def page(verdict: Verdict, error: str = "") -> str:
    """The browser's page after the redirect: translated, escaped, echoing no code or state."""
    title, text = (_(msgid) for msgid in PAGES[verdict])
    if verdict is Verdict.REFUSED:
        text = f"{refusal(error)} {text}"
    return (
        f'<!doctype html><html lang="{current_language()}"><meta charset=utf-8>'
        f"<title>roomcal</title><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
