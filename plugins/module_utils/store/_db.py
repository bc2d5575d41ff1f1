# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: database connections for the store (SQLite and PostgreSQL).

Only ``store.py`` imports this. SQL is written once with ``?`` placeholders;
the PostgreSQL back end rewrites them to ``%s``.
"""
from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import contextmanager
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

    def transaction(self) -> Any:
        """A context manager: one write transaction (nested calls join the outer one)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        path = os.path.expanduser(path)
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self.path = path
        self._depth = 0
        self.conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000.0,
                                    isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        _retry_locked(lambda: self.conn.execute("PRAGMA busy_timeout=%d" % SQLITE_BUSY_TIMEOUT_MS))
        mode = _retry_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        if str(mode).lower() != "wal":
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

    def close(self) -> None:
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
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        except psycopg.Error as exc:
            # from None: the message keeps the error's first line and the URL redacted; the cause may carry more
            first = str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError("cannot connect to the PostgreSQL store %s: %s" % (redact_url(url), first)) from None
        self._tx: Optional[Any] = None

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return list(cur.fetchall()) if cur.description else []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return int(cur.rowcount)

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql) + " RETURNING id", tuple(params))
            row = cur.fetchone()
            if row is None:
                raise StoreError("INSERT ... RETURNING id returned no row")
            return int(row["id"])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._tx is not None:
            yield
            return
        self._tx = self.conn.transaction()
        try:
            with self._tx:
                yield
        finally:
            self._tx = None

    def close(self) -> None:
        self.conn.close()


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(":%s@" % parsed.password, ":****@", 1)
    return parsed._replace(netloc=netloc).geturl()


def connect(url: str) -> Database:
    """Open a store URL: a path or ``sqlite:///path`` for SQLite, ``postgresql://`` for PostgreSQL."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    if url.startswith("sqlite://"):
        url = url[len("sqlite://"):]
    if "://" in url:
        raise StoreError("unsupported store URL %s: use a file path, sqlite:///path or postgresql://…"
                         % redact_url(url))
    return SqliteDatabase(url)
