"""Receive an OAuth redirect on loopback, or as a URL pasted by the user.

Used by every browser sign-in (Google, Cronofy). The server binds 127.0.0.1
only — an admin on a jump host forwards it with ``ssh -L PORT:127.0.0.1:PORT``
— and a fixed port can be chosen so that forward can be set up in advance.
When forwarding is not possible the user pastes the browser's final
``http://127.0.0.1…`` URL (the page will not load, the URL is still right).
Either way the ``state`` is verified before anything else is looked at.
"""

from __future__ import annotations

import errno
import queue
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_, _
from wizard.core.interaction import Interaction
from wizard.core.model import Msg

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

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


class RedirectError(UserFacingError):
    """The redirect came back with ``error=…`` instead of a code."""

    def __init__(self, error: str, description: str = "") -> None:
        sentence = Msg(OAUTH_ERRORS.get(error, N_("The sign-in failed ({error})."))
                       , error=error)
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


class RedirectServer:
    """One sign-in attempt's loopback redirect endpoint."""

    def __init__(self, port: int = 0, path: str = "/", host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "::1"):
            # Anything else would expose the authorization code to the network.
            raise ValueError("the redirect server binds loopback only")
        self.path = path
        self._hits: queue.Queue[str] = queue.Queue()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line contains the code: never log it

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != outer.path:
                    self.send_error(404)
                    return
                outer._hits.put(f"http://127.0.0.1:{outer.port}{self.path}")
                body = _page().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        try:
            self._httpd = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserFacingError(
                    Msg(N_("Port {port} on 127.0.0.1 is already in use."), port=port),
                    Msg(N_("Choose another port with --port, or stop the program using it.")),
                ) from None
            raise
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="oauth-redirect")

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
        state: str,
        pasted: queue.Queue[str],
        cancel: threading.Event,
        timeout: float,
        interaction: Interaction | None = None,
    ) -> Redirect:
        """Block until a redirect with the right ``state`` arrives (loopback or pasted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cancel.is_set():
                raise UserFacingError(Msg(N_("The sign-in was cancelled.")))
            for source in (self._hits, pasted):
                try:
                    url = source.get_nowait().strip()
                except queue.Empty:
                    continue
                redirect = self._accept(url, state, interaction, from_paste=source is pasted)
                if redirect is not None:
                    return redirect
            time.sleep(0.05)
        raise UserFacingError(
            Msg(N_("No sign-in arrived within {minutes} minutes."), minutes=int(timeout // 60)),
            Msg(N_("Start the sign-in again, and forward the port with ssh -L if the browser "
                   "runs on another machine.")),
        )

    def _accept(
        self, url: str, state: str, interaction: Interaction | None, *, from_paste: bool
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
        if params.get("state") != state:
            # A redirect of another attempt (or forged): never exchange its code.
            reject(Msg(N_("That URL belongs to a different sign-in attempt (state mismatch): "
                          "use the link shown now.")))
            return None
        if "error" in params:
            raise RedirectError(params["error"], params.get("error_description", ""))
        if not params.get("code"):
            reject(Msg(N_("The URL has no authorization code: copy the whole address from "
                          "the browser.")))
            return None
        return Redirect(url, params)


def _page() -> str:
    title = _("Sign-in complete")
    text = _("You can close this tab and return to roomcal.")
    return (
        "<!doctype html><meta charset=utf-8><title>roomcal</title>"
        f"<h1>{title}</h1><p>{text}</p>"
    )
