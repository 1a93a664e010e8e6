"""Profiles on disk: atomic 0600 writes, resume, and no data ever lost.

A profile holds everything the user entered except secrets (those live in the
keyring, see secrets.py) and where they left off, so a dropped SSH session or
a crash resumes on the same screen. Writes go to a temp file in the same
directory, are fsynced, then renamed over the old file: a crash mid-write
leaves the previous version intact. A file that cannot be parsed is copied to
``NAME.json.bak`` (never deleted) and the user starts fresh with a message.
A read-only config directory degrades to memory with a warning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core.i18n import N_
from wizard.core.model import Connection, Msg, RoomMapping

log = logging.getLogger(__name__)

SCHEMA = 1
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def config_dir() -> Path:
    override = os.environ.get("ROOMCAL_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("roomcal", appauthor=False))


def state_dir() -> Path:
    override = os.environ.get("ROOMCAL_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("roomcal", appauthor=False))


@dataclass
class Profile:
    name: str = "default"
    language: str = ""
    provider: str = ""
    step: str = "welcome"
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # provider -> field -> value
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # provider -> results
    continue_anyway: bool = False
    confirmations: list[str] = field(default_factory=list)
    reminder_acknowledged: bool = False
    terms_connect: bool = False
    terms_link: bool = False
    region: str = "de"
    service: str = ""
    pending_link: dict[str, Any] = field(default_factory=dict)  # no secrets: state, port, …
    connection: Connection | None = None
    mappings: list[RoomMapping] = field(default_factory=list)
    schema: int = SCHEMA

    def to_json(self) -> dict[str, Any]:
        # Shallow on purpose: asdict() deep-copies every stored result — 10 000 room
        # entries after a big step 1 — and the dict is serialised at once anyway.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        # One level deeper for what is edited in place, so a snapshot stays a snapshot
        # while a background writer serialises it.
        data["inputs"] = {k: dict(v) for k, v in self.inputs.items()}
        data["results"] = dict(self.results)
        data["confirmations"] = list(self.confirmations)
        data["pending_link"] = dict(self.pending_link)
        data["connection"] = self.connection.to_json() if self.connection else None
        data["mappings"] = [m.to_json() for m in self.mappings]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Profile:
        if not isinstance(data, dict):
            raise ValueError("profile is not an object")
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        connection = values.pop("connection", None)
        mappings = values.pop("mappings", [])
        profile = cls(**values)
        for name in ("inputs", "results"):
            if not isinstance(getattr(profile, name), dict):
                raise ValueError(f"{name} is not an object")
        if connection:
            profile.connection = Connection(**connection)
        profile.mappings = [RoomMapping(**m) for m in mappings]
        return profile


@dataclass
class LoadResult:
    profile: Profile
    warning: Msg | None = None
    backup: Path | None = None


class ProfileStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir() / "profiles"
        self.in_memory = False
        self.warning: Msg | None = None
        # The TUI writes from a thread: serialising 5 000 rooms' results and fsync()
        # took 10–30 ms of frozen screen per save. Latest snapshot wins; flush() waits.
        self.background = False
        self._pending: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    @staticmethod
    def valid_name(name: str) -> bool:
        return bool(NAME_PATTERN.match(name))

    def names(self) -> list[str]:
        try:
            return sorted(p.stem for p in self.directory.glob("*.json"))
        except OSError:
            return []

    def load(self, name: str) -> LoadResult:
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return LoadResult(Profile(name=name))
        except OSError as exc:
            return LoadResult(
                Profile(name=name),
                Msg(N_("The profile {path} could not be read ({reason}); starting fresh, "
                       "the file is left as it is."), path=str(path),
                    reason=exc.strerror or type(exc).__name__),
            )
        try:
            profile = Profile.from_json(json.loads(text))
            profile.name = name
            return LoadResult(profile)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("profile %s is corrupt: %s", path, type(exc).__name__)
            backup = path.with_suffix(".json.bak")
            try:
                shutil.copy2(path, backup)
            except OSError:
                backup = None
            return LoadResult(
                Profile(name=name),
                Msg(N_("The profile {path} is damaged; a copy was kept as {backup} and the "
                       "wizard starts fresh."), path=str(path),
                    backup=str(backup) if backup else "-"),
                backup,
            )

    def save(self, profile: Profile) -> bool:
        """Atomically write; False (and a warning, once) when only memory is left."""
        if self.in_memory:
            return False
        snapshot = profile.to_json()  # shallow copies: later edits do not reach it
        if not self.background:
            return self._write(profile.name, snapshot)
        with self._pending_lock:
            start = not self._pending and self._idle.is_set()
            self._pending[profile.name] = snapshot
            self._idle.clear()
        if start:
            threading.Thread(target=self._drain, name="profile-writer", daemon=True).start()
        return True

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until background writes have landed (on exit)."""
        self._idle.wait(timeout)

    def _drain(self) -> None:
        while True:
            with self._pending_lock:
                if not self._pending:
                    self._idle.set()
                    return
                name, snapshot = self._pending.popitem()
            self._write(name, snapshot)

    def _write(self, name: str, snapshot: dict[str, Any]) -> bool:
        # Compact on purpose: with ``indent`` json falls back to its pure-Python encoder,
        # 4x slower — 40 ms of frozen UI per save with 5 000 rooms' results.
        payload = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
        target = self.path(name)
        tmp_name = ""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp",
                                            dir=self.directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
            return True
        except OSError as exc:
            if tmp_name:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
            self.in_memory = True
            self.warning = Msg(
                N_("Cannot save to {directory} ({reason}): your progress is kept in memory "
                   "only for this session."),
                directory=str(self.directory), reason=exc.strerror or type(exc).__name__,
            )
            log.warning("profile store read-only: %s", type(exc).__name__)
            return False
