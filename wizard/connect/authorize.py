"""Per-room authorization (``POST /v1/service_account_authorizations``) with its callback.

Cronofy answers 202 and later POSTs the outcome to ``callback_url``; the
wizard receives it on a loopback server. Idempotent: rooms already
authorized are skipped, so the step can be re-run after fixing a room.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wizard.connect.cronofy import CronofyError
from wizard.connect.link import _client
from wizard.core.endpoints import Endpoints
from wizard.core.model import Connection, RoomMapping
from wizard.core.secrets import SecretStore

CALLBACK_TIMEOUT = 60.0


class CallbackServer:
    """Receives Cronofy's asynchronous authorization callbacks on 127.0.0.1."""

    def __init__(self) -> None:
        self.results: queue.Queue[dict[str, Any]] = queue.Queue()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # callbacks carry authorization codes

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    outer.results.put(json.loads(self.rfile.read(length) or b"{}"))
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/cronofy/callback"
        # A short poll: close() returns within it, not within socketserver's 0.5 s.
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def authorize_rooms(
    mappings: list[RoomMapping],
    *,
    connection: Connection,
    endpoints: Endpoints,
    secrets: SecretStore,
    credentials: tuple[str, str],
    profile: str,
    on_result: Callable[[RoomMapping], None] = lambda mapping: None,
    timeout: float = CALLBACK_TIMEOUT,
) -> list[RoomMapping]:
    pending = {m.resource_id: m for m in mappings if m.authorization != "authorized"}
    result = {m.resource_id: m for m in mappings}
    if not pending:
        return mappings
    client = _client(connection, endpoints, secrets, credentials, profile)
    server = CallbackServer()
    try:
        for mapping in list(pending.values()):
            try:
                client.authorize_resource(mapping.email, server.url, mapping.resource_id)
            except CronofyError:
                failed = replace(mapping, authorization="failed")
                result[mapping.resource_id] = failed
                pending.pop(mapping.resource_id)
                on_result(failed)
                continue
            waiting = replace(mapping, authorization="pending")
            result[mapping.resource_id] = waiting
            on_result(waiting)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            try:
                payload = server.results.get(timeout=0.2)
            except queue.Empty:
                continue
            authorization = payload.get("authorization", {})
            key = str(authorization.get("state", ""))
            if key not in pending:
                continue  # unknown or repeated callback: never trusted
            status = "failed" if authorization.get("error") else "authorized"
            done = replace(pending.pop(key), authorization=status)
            result[key] = done
            on_result(done)
    finally:
        server.close()
        client.close()
    return [result[m.resource_id] for m in mappings]
