# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: database connections for the store (SQLite and PostgreSQL).

Only the ``store`` package imports this. SQL is written once with ``?`` placeholders;
the PostgreSQL back end rewrites them to ``%s``.
"""
from __future__ import annotations

import fcntl
import os
import random
import sqlite3
import urllib.parse
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence
from urllib.parse import urlparse

SQLITE_BUSY_TIMEOUT_MS = 60000


class StoreError(Exception):
    """A store could not be opened or used (bad URL, missing driver, schema too new)."""


def _retry_locked(fn: Any, attempts: int = 50) -> Any:
    """Run fn(), retrying when SQLite reports a lock the busy timeout did not absorb."""
    for attempt in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if ("locked" not in msg and "busy" not in msg) or attempt == attempts - 1:
                raise
            time.sleep(0.01 + random.random() * 0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Exclusive:
    """What :meth:`Database.exclusive` got: ``held`` the lock; ``contended``: another holder had it first."""

    held: bool
    contended: bool


class Database:
    """A thin connection wrapper: ``query``, ``execute`` and write ``transaction``."""

    dialect = "sqlite"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an integer ``id`` and return the new id."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (inside the caller's transaction)."""
        raise NotImplementedError

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows as tuples in column order (SQLite: the driver's own, no dict per row)."""
        return [tuple(r.values()) for r in self.query(sql, params)]

    def reusable(self) -> bool:
        """Nothing pending on the handle: it may serve another open of the same store (``_reuse``)."""
        return False

    def in_batches(self, sql: str, names: Sequence[str], params: Sequence[Any] = (),
                   size: int = 500) -> list[dict[str, Any]]:
        """Run ``sql`` (one ``IN (%s)`` placeholder group) over the sorted distinct ``names``, ``size`` at a time."""
        out: list[dict[str, Any]] = []
        names = sorted(set(names))
        for i in range(0, len(names), size):
            chunk = names[i:i + size]
            out.extend(self.query(sql % ", ".join("?" * len(chunk)), list(chunk) + list(params)))
        return out

    def transaction(self) -> Any:
        """A context manager: one write transaction (nested calls join the outer one)."""
        raise NotImplementedError

    def try_exclusive(self, name: str) -> bool:
        """Take the store-wide lock ``name`` for this handle unless another handle, of any process, holds
        it. The lock ends with :meth:`release_exclusive`, the handle's close, or the process (killed too)."""
        raise NotImplementedError

    def release_exclusive(self, name: str) -> None:
        raise NotImplementedError

    @contextmanager
    def exclusive(self, name: str, wait: float, poll: float = 0.1) -> Iterator[Exclusive]:
        """Hold the store-wide lock ``name`` while the block runs, waiting up to ``wait`` seconds for
        another holder to end; after that the block runs without it (``held`` False: the caller decides)."""
        start = time.monotonic()
        held = self.try_exclusive(name)
        contended = not held
        while not held and time.monotonic() - start < wait:
            time.sleep(max(0.0, min(poll, wait - (time.monotonic() - start))))
            held = self.try_exclusive(name)
        try:
            yield Exclusive(held, contended)
        finally:
            if held:
                self.release_exclusive(name)

    def close(self) -> None:
        raise NotImplementedError


def _check_sqlite_file(path: str, create: bool) -> None:
    """Refuse, unchanged, a missing file (unless creating), a file that is not SQLite, a corrupt
    one, and a SQLite database that is not a netsync store."""
    if not os.path.exists(path):
        if create:
            return
        raise StoreError("no store at %s (the file does not exist): check the store option, netsync_store "
                         "or NETSYNC_STORE; netsync.fleet.device creates a store when it imports a device" % path)
    if os.path.getsize(path) == 0:
        return
    try:
        conn = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path)), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "store_meta" in tables:
                conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError("%s is not a usable SQLite store (%s): restore it from a backup (docs/runbook.md, "
                         "Backups)" % (path, exc)) from None
    if tables and "store_meta" not in tables:
        raise StoreError("%s is a SQLite database but not a netsync store (it has other tables): refusing to "
                         "change it; give the path of a netsync store or a new file" % path)


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: str, create: bool = True) -> None:
        path = os.path.expanduser(path)
        if path != ":memory:":
            _check_sqlite_file(path, create)
            os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        self.path = path
        self._depth = 0
        self._locks: dict[str, int] = {}  # exclusive lock name -> the locked file's descriptor
        self.conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000.0,
                                    isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        _retry_locked(lambda: self.conn.execute("PRAGMA busy_timeout=%d" % SQLITE_BUSY_TIMEOUT_MS))
        mode = _retry_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        if str(mode).lower() != "wal" and path != ":memory:":  # :memory: is check mode's empty store
            raise StoreError("SQLite store %s: cannot switch to WAL journal (got %s)" % (path, mode))
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        rows = _retry_locked(lambda: self.conn.execute(sql, tuple(params)).fetchall())
        return [dict(r) for r in rows]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(_retry_locked(lambda: self.conn.execute(sql, tuple(params)).rowcount))

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = _retry_locked(lambda: self.conn.execute(sql, tuple(params)))
        return int(cur.lastrowid)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(sql, [tuple(r) for r in rows])

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows as the driver's tuples (no dict per row: the fast path of large reads)."""
        return list(self.conn.execute(sql, tuple(params)).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        # IMMEDIATE takes the write lock up front: no deadlock on read-to-write upgrade.
        _retry_locked(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        _retry_locked(lambda: self.conn.execute("COMMIT"))

    def reusable(self) -> bool:
        return self.path != ":memory:" and self._depth == 0 and not self.conn.in_transaction and not self._locks

    def try_exclusive(self, name: str) -> bool:
        """``flock`` on ``<store file>.<name>.lock`` beside the store (none for ``:memory:``, which no
        other handle shares); the kernel releases it when the process ends, however it ends."""
        if self.path == ":memory:":
            return True
        if name in self._locks:
            return False  # not re-entrant, as on PostgreSQL for another session
        fd = os.open("%s.%s.lock" % (self.path, name), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another open file holds it (any other error goes up, naming itself)
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._locks[name] = fd
        return True

    def release_exclusive(self, name: str) -> None:
        fd = self._locks.pop(name, None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock

    def close(self) -> None:
        for name in list(self._locks):
            self.release_exclusive(name)
        self.conn.close()


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # type: ignore[import-not-found,unused-ignore]
            from psycopg.rows import dict_row  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise StoreError("a postgresql:// store needs the Python package psycopg (3.x): %s" % exc) from exc
        self._psycopg = psycopg
        self._dict_row = dict_row
        self._url = url
        self.conn = self._connect()
        self._tx: Optional[Any] = None
        self._locks: set[str] = set()  # advisory locks this session holds

    def _connect(self) -> Any:
        try:
            return self._psycopg.connect(self._url, autocommit=True, row_factory=self._dict_row, connect_timeout=10)
        except self._psycopg.Error as exc:
            # from None: the message keeps the error's first line and the URL redacted; the cause may carry more
            first = str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError("cannot connect to the PostgreSQL store %s: %s" % (redact_url(self._url), first)) from None

    def _live(self) -> Any:
        """The connection, opened again when the server dropped it (a restart, a failover): the
        statement that saw the loss failed; the next one, outside a transaction, reconnects (the lost
        session's advisory locks are gone with it)."""
        if self._tx is None and (self.conn.closed or self.conn.broken):
            try:
                self.conn.close()
            except Exception:  # already gone
                pass
            self._locks.clear()
            self.conn = self._connect()
        return self.conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._live().cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return list(cur.fetchall()) if cur.description else []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._live().cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return int(cur.rowcount)

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._live().cursor() as cur:
            cur.execute(self._sql(sql) + " RETURNING id", tuple(params))
            row = cur.fetchone()
            if row is None:
                raise StoreError("INSERT ... RETURNING id returned no row")
            return int(row["id"])

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._live().cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._tx is not None:
            yield
            return
        self._tx = self._live().transaction()
        try:
            with self._tx:
                yield
        finally:
            self._tx = None

    def try_exclusive(self, name: str) -> bool:
        """A session advisory lock, keyed by the collection and ``name``: the server releases it when the
        session ends, a killed client's included (its connection closes)."""
        rows = self.query("SELECT pg_try_advisory_lock(hashtext('netsync.fleet'), hashtext(?)) AS held", (name,))
        if rows[0]["held"]:
            self._locks.add(name)
        return bool(rows[0]["held"])

    def release_exclusive(self, name: str) -> None:
        if name not in self._locks:
            return
        self._locks.discard(name)
        try:
            self.query("SELECT pg_advisory_unlock(hashtext('netsync.fleet'), hashtext(?)) AS released", (name,))
        except self._psycopg.Error:  # the session is gone, and its lock with it
            pass

    def reusable(self) -> bool:
        if self._tx is not None or self.conn.closed or self.conn.broken or self._locks:
            return False
        return bool(self.conn.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE)

    def close(self) -> None:
        self.conn.close()


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(":%s@" % parsed.password, ":****@", 1)
    return parsed._replace(netloc=netloc).geturl()


def connect(url: str, create: bool = True) -> Database:
    """Open a store URL: a path or ``sqlite:///path`` for SQLite, ``postgresql://`` for PostgreSQL.

    ``create=False``: a SQLite file that does not exist is an error naming the path."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    if url.startswith("sqlite://"):
        url = url[len("sqlite://"):]
    if "://" in url:
        raise StoreError("unsupported store URL %s: use a file path, sqlite:///path or postgresql://…"
                         % redact_url(url))
    return SqliteDatabase(url, create)
