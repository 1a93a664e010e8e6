"""A real ``roomcal serve`` in a subprocess, and the processes it started (Linux /proc)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

PRINTED_URL = re.compile(r"(http://127\.0\.0\.1:(\d+))/\?token=(\S+)")
SESSION_IN_PAGE = re.compile(r'data-roomcal-session="([^"]*)"')


@dataclass
class Served:
    process: subprocess.Popen[str]
    base: str  # http://127.0.0.1:PORT
    port: int
    token: str
    stderr: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/?token={self.token}"

    def printed_urls(self) -> list[str]:
        return [m[0] for m in PRINTED_URL.finditer("".join(self.stderr))]

    def wizards(self) -> list[int]:
        """The wizard processes (and their shells) the server started."""
        return descendants(self.process.pid)


def serve_env(state: Path) -> dict[str, str]:
    return {**os.environ, "ROOMCAL_STATE_DIR": str(state / "state"),
            "ROOMCAL_CONFIG_DIR": str(state / "config"),
            # The wizard processes must never touch the developer's real keyring.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "TEXTUAL_ANIMATIONS": "none"}


@contextmanager
def serving(*args: str, state: Path, timeout: float = 30,
            cwd: Path | None = None) -> Iterator[Served]:
    """``roomcal --lang en serve --port 0 ARGS``, until the printed URL is read.

    Started as the ``roomcal`` command starts (``-P``: its own directory on the path,
    not the current one), so that a test can start it in a directory with planted files.
    """
    state.mkdir(parents=True, exist_ok=True)
    with (state / "serve-stdout.log").open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "wizard", "--lang", "en", "serve", "--port", "0",
             *args],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True,
            env=serve_env(state), cwd=cwd)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    started: set[int] = set()
    try:
        deadline = time.monotonic() + timeout
        while (match := _next_url(lines, deadline)) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"roomcal serve printed no URL: {''.join(seen)!r}")
        served = Served(process, match[1], int(match[2]), match[3], seen)
        yield served
        started.update(served.wizards())
    finally:
        started.update(descendants(process.pid))
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in started:  # wizards the server failed to stop
            _kill_if_ours(pid, marker=str(state).encode())


def _next_url(lines: queue.Queue[str], deadline: float) -> re.Match[str] | None:
    try:
        line = lines.get(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
    except queue.Empty:
        return None
    return PRINTED_URL.search(line)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def argv_and_environment(pid: int) -> bytes:
    """What ``ps`` (and anyone on the host, for argv) can read about a process."""
    proc = Path("/proc") / str(pid)
    try:
        return (proc / "cmdline").read_bytes() + b"\n" + (proc / "environ").read_bytes()
    except OSError:
        return b""


def wait_until(condition: Callable[[], object], timeout: float = 20,
               interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def _kill_if_ours(pid: int, marker: bytes) -> None:
    """End a leftover wizard, but only if it is still ours (a pid can be reused)."""
    if marker not in argv_and_environment(pid):
        return
    with suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def plant_imports(directory: Path, marker: Path) -> None:
    """What another user can leave in a shared directory (/tmp, a team share) where the
    admin starts roomcal: a ``wizard`` package and an ``argparse`` module that, imported,
    leave ``marker`` behind — as a real attack would run as the admin instead."""
    code = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    (directory / "wizard").mkdir(parents=True, exist_ok=True)
    (directory / "wizard" / "__init__.py").write_text(code)
    (directory / "argparse.py").write_text(code)


async def open_session(served: Served, url: str | None = None) -> str:
    """What the admin's browser does with the printed address: follow the redirect with
    the hand-off cookie, and read the session the page hands its script."""
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client, \
            client.get(url or served.url) as response:
        assert response.status == 200, await response.text()
        assert str(response.url) == served.base + "/"  # redirected to the clean address
        match = SESSION_IN_PAGE.search(await response.text())
        assert match is not None and match[1], "the page carries no session"
        return match[1]


@asynccontextmanager
async def wizard(served: Served, session: str, *, width: int = 80,
                 height: int = 24) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """The page's WebSocket, as its script opens it: a wizard starts."""
    import aiohttp

    async with aiohttp.ClientSession() as client, client.ws_connect(
            f"{served.base}/ws/{session}?width={width}&height={height}",
            origin=served.base) as websocket:
        yield websocket
