"""The demo's roomcal relay: the real relay (wizard.relay) on loopback beside the sandbox's
Cronofy, whose callbacks it receives at its public address as a vendor's relay would.

Started on first use (``Sandbox.relay()``): its clients file (the sandbox's Cronofy
application, never a real one) and its key are generated into a private folder of the
sandbox (files 0600), its database is a SQLite file there, and one organisation,
``demo``, is enrolled with a fresh token. It runs on a thread with its own event loop,
serving the relay's own aiohttp application and worker.

Scenario keys (``[relay]``): ``unreachable`` (the wizard is given an address where no
relay answers), ``link_ttl_s`` (how long a sign-in link stays valid; a tiny one expires
before the demo's browser comes back), ``callback_timeout_s`` (how long a room waits for
Cronofy's callback, default 30), ``rate_limit_per_minute`` (the sandbox application's
limit, default 3000).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORGANISATION = "demo"


@dataclass
class DemoRelay:
    url: str
    token: str
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    stop_event: asyncio.Event | None = None

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None:
            with contextlib.suppress(RuntimeError):  # its loop already ended
                self.loop.call_soon_threadsafe(self.stop_event.set)
        if self.thread is not None:
            self.thread.join(timeout=15)


def _private(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
    return path


def _unused_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def start(folder: Path, *, region: str, client_id: str, client_secret: str,
          hosts: dict[str, tuple[str, str]], ca_bundle: str,
          section: dict[str, Any]) -> DemoRelay:
    """Start the relay for ``region``'s application of the sandbox's Cronofy."""
    from wizard.relay.config import load_clients
    from wizard.relay.cronofy import Cronofy
    from wizard.relay.crypto import Sealer, digest, new_secret
    from wizard.relay.server import Options, Relay, serving
    from wizard.relay.store import Store, open_database

    token = new_secret()
    if section.get("unreachable"):
        return DemoRelay(url=_unused_address(), token=token)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    per_minute = int(section.get("rate_limit_per_minute", 3000))
    clients = _private(folder / "clients.toml", (
        f'[regions.{region}]\nclient_id = "{client_id}"\nclient_secret = "{client_secret}"\n'
        f"rate_limit_per_minute = {per_minute}\n"))
    key = _private(folder / "relay.key", secrets.token_urlsafe(32)).read_text("utf-8")
    applications = load_clients(str(clients))
    store = Store(open_database(f"sqlite:///{folder / 'relay.sqlite3'}"))
    store.enroll(ORGANISATION, digest(token))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    options = Options(url, link_ttl=float(section.get("link_ttl_s", 15 * 60)),
                      callback_timeout=float(section.get("callback_timeout_s", 30)),
                      poll_interval=0.1)
    handle = DemoRelay(url=url, token=token)
    ready = threading.Event()

    async def serve() -> None:
        from aiohttp import web

        handle.loop = asyncio.get_running_loop()
        handle.stop_event = asyncio.Event()
        cronofy = Cronofy(applications, {r: hosts[r] for r in applications},
                          ca_bundle=ca_bundle)
        relay = Relay(store, Sealer(key), cronofy, options)
        try:
            async with serving(relay, lambda runner: web.SockSite(runner, sock),
                               shutdown_timeout=1):
                ready.set()
                await handle.stop_event.wait()
        finally:
            await cronofy.close()
            store.close()

    def run() -> None:
        try:
            asyncio.run(serve())
        finally:
            ready.set()
            sock.close()

    handle.thread = threading.Thread(target=run, name="sandbox-relay", daemon=True)
    handle.thread.start()
    ready.wait(15)
    return handle
