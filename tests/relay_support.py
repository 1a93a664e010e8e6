"""The relay as a vendor runs it: a real process on loopback, beside the sandbox's Cronofy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from wizard.core import tls
from wizard.sandbox import Sandbox
from wizard.sandbox.cronofy import CLIENT_ID, CLIENT_SECRET

KEY = "k" * 16 + "relay-test-key-0123456789"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clients_file(folder: Path, mode: int = 0o600, region: str = "de") -> Path:
    path = folder / "clients.toml"
    path.write_text(f'[regions.{region}]\nclient_id = "{CLIENT_ID}"\n'
                    f'client_secret = "{CLIENT_SECRET}"\nrate_limit_per_minute = 3000\n',
                    encoding="utf-8")
    path.chmod(mode)
    return path


def relay_env(box: Sandbox, folder: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMCAL_")}
    env.update({
        "ROOMCAL_RELAY_CLIENTS": str(clients_file(folder)),
        "ROOMCAL_RELAY_KEY": KEY,
        "ROOMCAL_RELAY_DATABASE": database,
        "ROOMCAL_CRONOFY_APP_URL": box.endpoints.cronofy_app_url,
        "ROOMCAL_CRONOFY_API_URL": box.endpoints.cronofy_api_url,
        "ROOMCAL_STATE_DIR": str(folder / "state"),
        "ROOMCAL_CONFIG_DIR": str(folder / "config"),
        "SSL_CERT_FILE": box.endpoints.ca_bundle,  # the sandbox's CA, as httpx reads it
    })
    return env


class PortTaken(AssertionError):
    """The relay could not listen: its port was taken meanwhile."""


class Relay:
    def __init__(self, env: dict[str, str], folder: Path, port: int | None = None,
                 *options: str) -> None:
        self.env = env
        self.options = options
        self.folder = folder
        self._port_chosen_here = port is None
        self._use_port(port or free_port())
        self.process: subprocess.Popen[bytes] | None = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.folder / f"relay-{self.port}-{time.monotonic_ns()}.log"

    def start(self) -> Relay:
        for _attempt in range(5):
            try:
                return self._start()
            except PortTaken:
                if not self._port_chosen_here:
                    raise
                # A free port can be taken by another test's server before the relay
                # binds it (the suite runs in parallel): another one, then.
                self._use_port(free_port())
        raise AssertionError("no free port for the relay after five tries")

    def _start(self) -> Relay:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "wizard", "relay", "serve", "--public-url",
                 self.url, "--port", str(self.port), *self.options], env=self.env, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        # One client for every poll: each httpx.get made a TLS context (25 ms of CPU).
        with httpx.Client(verify=tls.context(), timeout=1) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    output = self.log.read_text()
                    if "address already in use" in output:
                        raise PortTaken(output)
                    raise AssertionError(output)
                try:
                    if http.get(f"{self.url}/health").status_code == 200:
                        return self
                except httpx.HTTPError:
                    time.sleep(0.05)
        raise AssertionError("the relay did not come up: " + self.log.read_text())

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)

    def client(self, token: str = "") -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10,
                            verify=tls.context())


def enroll(env: dict[str, str], org: str) -> str:
    done = subprocess.run([sys.executable, "-P", "-m", "wizard", "relay", "enroll", org],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "only this once" in done.stderr
    return done.stdout.strip()


def wait_for(predicate: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway database on the server ROOMCAL_TEST_POSTGRES names (.ci/run starts one)."""
    server = os.environ.get("ROOMCAL_TEST_POSTGRES", "")
    if not server:
        pytest.skip("ROOMCAL_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server "
                    "(Debian's postgresql package) and sets it")
    import psycopg

    name = "relay_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    parts = urlsplit(server)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
