"""Where the relay keeps organisations, links and rooms: one small interface, two
databases with the same schema — SQLite (the default, one instance) and PostgreSQL
(several instances of the relay behind one address).

The calls are blocking and serialised on one connection; the server runs them in a
thread (``asyncio.to_thread``). Single use is the database's job: a state is spent by
a conditional UPDATE (``… WHERE phase = ?``), so two callbacks — or two instances —
cannot both win.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wizard.core.i18n import _
from wizard.relay.config import RelayConfigError

Row = dict[str, Any]

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS relay_orgs (
        name TEXT PRIMARY KEY,
        token_hash TEXT,
        created DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS relay_orgs_token ON relay_orgs (token_hash)",
    """CREATE TABLE IF NOT EXISTS relay_links (
        id TEXT PRIMARY KEY,
        org TEXT NOT NULL,
        region TEXT NOT NULL,
        provider TEXT NOT NULL,
        state_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        account TEXT NOT NULL DEFAULT '',
        tokens TEXT NOT NULL DEFAULT '',
        created DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS relay_rooms (
        id TEXT PRIMARY KEY,
        link_id TEXT NOT NULL,
        email TEXT NOT NULL,
        state_hash TEXT NOT NULL DEFAULT '',
        phase TEXT NOT NULL,
        status TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        relink_url TEXT NOT NULL DEFAULT '',
        sealed TEXT NOT NULL DEFAULT '',
        updated DOUBLE PRECISION NOT NULL,
        claimed_by TEXT NOT NULL DEFAULT '',
        UNIQUE (link_id, email))""",
    """CREATE TABLE IF NOT EXISTS relay_instances (
        id TEXT PRIMARY KEY,
        seen DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS relay_rooms_phase ON relay_rooms (phase)",
)

LINK_FIELDS = frozenset({"status", "code", "detail", "account", "tokens", "state_hash"})
ROOM_FIELDS = frozenset({"phase", "status", "code", "detail", "relink_url", "sealed",
                         "state_hash", "claimed_by"})
# What a claim is, and where an abandoned one goes back to.
CLAIMS = {"requesting": "queued", "proving": "callback"}


class Database:
    """One connection; ``?`` placeholders (the PostgreSQL driver's are rewritten)."""

    placeholder = "?"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _run(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        raise NotImplementedError

    def run(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[Row], int]:
        with self._lock:
            return self._run(sql.replace("?", self.placeholder), params)

    def close(self) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private before SQLite opens it: tokens are sealed, the rest is still
        # the vendor's customers.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                           timeout=10)
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")

    def _run(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        cursor = self._connection.execute(sql, tuple(params))
        rows = [dict(row) for row in cursor.fetchall()]
        return rows, cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class PostgresDatabase(Database):
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg
        from psycopg.rows import dict_row

        self._connection = psycopg.connect(url, autocommit=True, row_factory=dict_row,
                                           connect_timeout=10)

    def _run(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        with self._connection.cursor() as cursor:
            cursor.execute(sql.encode(), tuple(params))  # bytes: ours, never a template
            rows = list(cursor.fetchall()) if cursor.description else []
            return [dict(row) for row in rows], cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def open_database(url: str) -> Database:
    """``sqlite:///PATH`` or ``postgresql://…``; RelayConfigError in one sentence else."""
    scheme = urlsplit(url).scheme
    try:
        if scheme == "sqlite":
            path = url.removeprefix("sqlite://")
            if not path.startswith("/"):
                raise RelayConfigError(_(
                    "ROOMCAL_RELAY_DATABASE must be sqlite:///ABSOLUTE/PATH or "
                    "postgresql://…"))
            return SqliteDatabase(Path(path))
        if scheme in ("postgresql", "postgres"):
            return PostgresDatabase(url)
    except (OSError, sqlite3.Error) as exc:
        raise RelayConfigError(_("The relay's database cannot be opened ({reason}).").format(
            reason=exc)) from None
    except Exception as exc:  # psycopg.OperationalError: imported lazily
        if type(exc).__module__.startswith("psycopg"):
            raise RelayConfigError(_(
                "The relay's PostgreSQL database cannot be reached ({reason}).").format(
                reason=type(exc).__name__)) from None
        raise
    raise RelayConfigError(_(
        "ROOMCAL_RELAY_DATABASE must be sqlite:///ABSOLUTE/PATH or postgresql://…"))


class Store:
    """The relay's records. Sealed columns (links.tokens, rooms.sealed) hold ciphertext only."""

    def __init__(self, database: Database) -> None:
        self.db = database
        for statement in SCHEMA:
            self.db.run(statement)

    def close(self) -> None:
        self.db.close()

    def ping(self) -> bool:
        rows, _ = self.db.run("SELECT 1 AS one")
        return rows == [{"one": 1}]

    # -- organisations ----------------------------------------------------------------
    def enroll(self, org: str, token_hash: str) -> None:
        _rows, changed = self.db.run("UPDATE relay_orgs SET token_hash = ? WHERE name = ?",
                                     (token_hash, org))
        if not changed:
            self.db.run("INSERT INTO relay_orgs (name, token_hash, created) VALUES (?, ?, ?)",
                        (org, token_hash, time.time()))

    def revoke(self, org: str) -> bool:
        """The organisation's token stops working; its links stay (the vendor's product
        still shows its rooms) until the vendor removes them."""
        _, count = self.db.run(
            "UPDATE relay_orgs SET token_hash = NULL WHERE name = ? AND token_hash IS NOT NULL",
            (org,))
        return count > 0

    def org_by_token_hash(self, token_hash: str) -> Row | None:
        rows, _ = self.db.run("SELECT name, token_hash FROM relay_orgs WHERE token_hash = ?",
                              (token_hash,))
        return rows[0] if rows else None

    # -- instances (several relays on one PostgreSQL database) ------------------------
    def heartbeat(self, instance: str) -> None:
        if not self.db.run("UPDATE relay_instances SET seen = ? WHERE id = ?",
                           (time.time(), instance))[1]:
            self.db.run("INSERT INTO relay_instances (id, seen) VALUES (?, ?)",
                        (instance, time.time()))

    def forget_instance(self, instance: str) -> None:
        self.db.run("DELETE FROM relay_instances WHERE id = ?", (instance,))

    def reclaim(self, silent_since: float) -> int:
        """Claims held by instances not seen since ``silent_since`` go back to the queue."""
        self.db.run("DELETE FROM relay_instances WHERE seen < ?", (silent_since,))
        count = 0
        for claim, back in CLAIMS.items():
            count += self.db.run(
                "UPDATE relay_rooms SET phase = ?, claimed_by = '' WHERE phase = ? AND "
                "claimed_by NOT IN (SELECT id FROM relay_instances)", (back, claim))[1]
        return count

    # -- links ------------------------------------------------------------------------
    def add_link(self, link: Row) -> None:
        self.db.run(
            "INSERT INTO relay_links (id, org, region, provider, state_hash, status, created, "
            "expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (link["id"], link["org"], link["region"], link["provider"], link["state_hash"],
             link["status"], link["created"], link["expires"]))

    def link(self, link_id: str) -> Row | None:
        rows, _ = self.db.run("SELECT * FROM relay_links WHERE id = ?", (link_id,))
        return rows[0] if rows else None

    def update_link(self, link_id: str, *, when_status: str | None = None,
                    **values: str) -> bool:
        """Change a link; with ``when_status`` only from that status (True: changed)."""
        assert set(values) <= LINK_FIELDS, values
        sets = ", ".join(f"{name} = ?" for name in values)
        sql = f"UPDATE relay_links SET {sets} WHERE id = ?"
        params: list[Any] = [*values.values(), link_id]
        if when_status is not None:
            sql += " AND status = ?"
            params.append(when_status)
        return self.db.run(sql, params)[1] > 0

    # -- rooms ------------------------------------------------------------------------
    def add_rooms(self, rooms: Iterable[Row]) -> int:
        """New rooms, and rooms asked for again after a failure; pending ones stay as they are."""
        added = 0
        for room in rooms:
            existing, _ = self.db.run("SELECT status FROM relay_rooms WHERE link_id = ? AND "
                                      "email = ?", (room["link_id"], room["email"]))
            if existing and existing[0]["status"] == "pending":
                continue
            if existing:
                self.db.run("DELETE FROM relay_rooms WHERE link_id = ? AND email = ?",
                            (room["link_id"], room["email"]))
            self.db.run(
                "INSERT INTO relay_rooms (id, link_id, email, state_hash, phase, status, "
                "code, detail, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (room["id"], room["link_id"], room["email"], room.get("state_hash", ""),
                 room["phase"], room["status"], room.get("code", ""), room.get("detail", ""),
                 time.time()))
            added += 1
        return added

    def rooms(self, link_id: str) -> list[Row]:
        return self.db.run("SELECT * FROM relay_rooms WHERE link_id = ? ORDER BY email",
                           (link_id,))[0]

    def room(self, room_id: str) -> Row | None:
        rows, _ = self.db.run("SELECT * FROM relay_rooms WHERE id = ?", (room_id,))
        return rows[0] if rows else None

    def rooms_in_phase(self, phase: str, limit: int = 200) -> list[Row]:
        return self.db.run("SELECT * FROM relay_rooms WHERE phase = ? ORDER BY updated "
                           "LIMIT ?", (phase, limit))[0]

    def update_room(self, room_id: str, *, when_phase: str | tuple[str, ...] | None = None,
                    **values: str) -> bool:
        """Change a room; with ``when_phase`` only from that phase, or one of those phases
        (True: changed)."""
        assert set(values) <= ROOM_FIELDS, values
        sets = ", ".join(f"{name} = ?" for name in (*values, "updated"))
        sql = f"UPDATE relay_rooms SET {sets} WHERE id = ?"
        params: list[Any] = [*values.values(), time.time(), room_id]
        if when_phase is not None:
            phases = (when_phase,) if isinstance(when_phase, str) else when_phase
            sql += f" AND phase IN ({', '.join('?' * len(phases))})"
            params.extend(phases)
        return self.db.run(sql, params)[1] > 0
