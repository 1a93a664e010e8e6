"""Profiles on disk: atomic 0600 writes, resume, and no data ever lost.

A profile holds everything the user entered except secrets (those live in the
keyring, see secrets.py) and where they left off, so a dropped SSH session or
a crash resumes on the same screen. Writes go to a temp file in the same
directory, are fsynced, then renamed over the old file: a crash mid-write
leaves the previous version intact. A file that cannot be parsed is copied to
its own timestamped backup, ``NAME.json.20261129T091503Z.bak`` (``-2``, ``-3`` …
within one second), which nothing ever overwrites or deletes; the user starts
fresh with a message naming it. A profile that can be neither read nor copied
is left alone: the session then lives in memory, like one whose config
directory is read-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import logging
import os
import re
import tempfile
import threading
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core.endpoints import REGIONS
from wizard.core.files import UserFileError, read_user_file
from wizard.core.i18n import N_
from wizard.core.model import Connection, Msg, RoomMapping

log = logging.getLogger(__name__)

SCHEMA = 1
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Same-second backups get a counter; past this many something is looping, not a person.
MAX_BACKUPS_PER_SECOND = 1000


@dataclass
class Profile:
    name: str = "default"
    language: str = ""
    theme: str = ""  # the colours chosen with ctrl+t (wizard.ui.themes); "": the default
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
    connection: Connection | None = None
    mappings: list[RoomMapping] = field(default_factory=list)
    # provider -> {"at": ISO time, "inputs": the form's values} of the last check run:
    # results checked against other values (an old sandbox port, an edited URL) are stale.
    checked: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved_at: str = ""  # ISO time (UTC) of the last save: "resumed … (last saved …)"
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
        data["connection"] = self.connection.to_json() if self.connection else None
        data["mappings"] = [m.to_json() for m in self.mappings]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Profile:
        """The profile a file holds; ValueError unless every known key has its type."""
        if not isinstance(data, dict):
            raise ValueError("profile is not an object")
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if not _conforms(values, cls):
            raise ValueError("a value of the wrong type")
        if values.get("region", "de") not in (*REGIONS, ""):  # only these are ever saved
            raise ValueError("an unknown data centre")
        connection = values.pop("connection", None)
        mappings = values.pop("mappings", [])
        profile = cls(**values)
        if connection:
            profile.connection = Connection(**connection)
        profile.mappings = [RoomMapping(**m) for m in mappings]
        return profile


def _conforms(data: dict[str, Any], cls: type) -> bool:
    """``data`` (a decoded JSON object) can become ``cls``: its fields' annotated types
    all the way down (a hand-edited or planted file: ``"step": 5``, ``"inputs": []``)."""
    hints = typing.get_type_hints(cls)
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}
    return required <= data.keys() and all(
        _valid(value, hints[key]) for key, value in data.items() if key in hints)


def _valid(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (types.UnionType, typing.Union):
        return any(_valid(value, option) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        return isinstance(value, dict) and all(
            _valid(k, key_type) and _valid(v, value_type) for k, v in value.items())
    if origin is list:
        (item_type,) = typing.get_args(hint)
        return isinstance(value, list) and all(_valid(item, item_type) for item in value)
    if dataclasses.is_dataclass(hint):
        return isinstance(value, dict) and _conforms(value, typing.cast(type, hint))
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


class ProfileInUseError(RuntimeError):
    """Another process holds the profile (``ProfileStore.claim``); ``pid``: which, if known."""

    def __init__(self, name: str, pid: str) -> None:
        super().__init__(f"profile {name} is held by process {pid or '?'}")
        self.name = name
        self.pid = pid

    @property
    def sentence(self) -> Msg:
        return Msg(N_("The profile {name} is in use by another roomcal (process {pid}): "
                      "finish there, or start a separate setup with --profile NAME."),
                   name=self.name, pid=self.pid or "?")


@dataclass
class LoadResult:
    profile: Profile
    warning: Msg | None = None
    backup: Path | None = None


class ProfileStore:
    def __init__(self, directory: Path, *, scratch: bool = False) -> None:
        """``directory``: where the profiles live (``Settings.profiles_dir``)."""
        self.directory = directory
        # scratch: neither read nor write files (`roomcal check` runs beside the profile,
        # not in it).
        self.scratch = scratch
        self.in_memory = scratch
        self.warning: Msg | None = None
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        # The TUI writes from a thread: serialising 5 000 rooms' results and fsync()
        # took 10–30 ms of frozen screen per save. Latest snapshot wins; flush() waits.
        self.background = False
        self._pending: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._claims: dict[str, int] = {}  # profile -> the descriptor holding its lock

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def claim(self, name: str) -> None:
        """Hold profile ``name`` for this process, or raise ``ProfileInUseError``.

        Two wizards on one profile overwrite each other's saves. The hold is an advisory
        ``flock`` on ``.NAME.lock`` beside the profile, holding the holder's process id:
        the kernel drops it when the process ends, however it ends (no stale locks after
        a lost SSH session). Where no lock file can be made (a read-only folder) nothing
        is written either, so there is nothing to protect.
        """
        if self.scratch or name in self._claims:
            return
        path = self.directory / f".{name}.lock"
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            log.warning("profile %s cannot be locked: %s", name, type(exc).__name__)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise ProfileInUseError(name, holder if holder.isdigit() else "") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._claims[name] = fd  # held (open) until the process ends

    def holder(self, name: str) -> ProfileInUseError | None:
        """Who holds profile ``name`` now, without holding it: for a parent that starts
        wizards (``roomcal serve``) and must say why one would be refused before it starts
        it. Only a hint — the wizard's own ``claim`` decides."""
        try:
            fd = os.open(self.directory / f".{name}.lock",
                         os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return None  # no lock file: nobody has held it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            return ProfileInUseError(name, holder if holder.isdigit() else "")
        finally:
            os.close(fd)  # closing drops a shared hold taken just now
        return None

    @staticmethod
    def valid_name(name: str) -> bool:
        return bool(NAME_PATTERN.match(name))

    def names(self) -> list[str]:
        """Profile names; backups (``NAME.json.STAMP.bak``) and temp files are not profiles."""
        try:
            return sorted(p.stem for p in self.directory.glob("*.json"))
        except OSError:
            return []

    def backup(self, name: str) -> Path | None:
        """Copy the profile file to a new timestamped ``.bak`` beside it (0600).

        None when there is no file. Each backup gets a name of its own, created
        with O_EXCL: an earlier backup — or anything else with that name, a
        symlink included — is never overwritten. Raises OSError when no copy
        could be made; the caller must then leave the original alone.
        """
        source = self.path(name)
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            return None
        stamp = self.clock().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for attempt in range(1, MAX_BACKUPS_PER_SECOND + 1):
            counter = "" if attempt == 1 else f"-{attempt}"
            target = source.with_name(f"{source.name}.{stamp}{counter}.bak")
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            try:
                with os.fdopen(fd, "wb") as handle:
                    os.fchmod(handle.fileno(), 0o600)  # whatever the umask says
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError:
                with contextlib.suppress(OSError):
                    target.unlink()
                raise
            return target
        raise FileExistsError(f"{MAX_BACKUPS_PER_SECOND} backups of {source.name} this second")

    def keep_in_memory(self, warning: Msg) -> None:
        """Never write again in this session (the file on disk must stay as it is)."""
        self.in_memory = True
        self.warning = warning

    def load(self, name: str) -> LoadResult:
        if self.scratch:
            return LoadResult(Profile(name=name))
        path = self.path(name)
        if not os.path.exists(path):  # a dangling symlink too: nothing to read or keep
            return LoadResult(Profile(name=name))
        try:
            # Bounded, regular files only: a FIFO or device planted as the profile would
            # otherwise be read forever.
            data = read_user_file(path)
        except UserFileError as exc:
            # Saving would replace a file we could not even read: stay in memory.
            warning = Msg(N_("The profile {path} could not be read ({reason}); the wizard "
                             "starts fresh in memory and leaves the file as it is."),
                          path=str(path), reason=exc.reason)
            self.keep_in_memory(warning)
            return LoadResult(Profile(name=name), warning)
        try:
            profile = Profile.from_json(json.loads(data.decode("utf-8")))
            profile.name = name
            return LoadResult(profile)
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            log.warning("profile %s is corrupt: %s", path, type(exc).__name__)
            return self._damaged(name, path)

    def _damaged(self, name: str, path: Path) -> LoadResult:
        try:
            backup = self.backup(name)
        except OSError as exc:
            # No copy, so the next save would destroy the only one: stay in memory.
            warning = Msg(N_("The profile {path} is damaged and no copy of it could be kept "
                             "({reason}); the wizard starts fresh in memory and leaves the "
                             "file as it is."), path=str(path), reason=_reason(exc))
            self.keep_in_memory(warning)
            return LoadResult(Profile(name=name), warning)
        if backup is None:  # removed since it was read: nothing left to protect
            return LoadResult(Profile(name=name))
        return LoadResult(
            Profile(name=name),
            Msg(N_("The profile {path} is damaged; a copy was kept as {backup} and the "
                   "wizard starts fresh."), path=str(path), backup=str(backup)),
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
            self.keep_in_memory(Msg(
                N_("Cannot save to {directory} ({reason}): your progress is kept in memory "
                   "only for this session."),
                directory=str(self.directory), reason=_reason(exc),
            ))
            log.warning("profile store read-only: %s", type(exc).__name__)
            return False


def _reason(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or type(exc).__name__
