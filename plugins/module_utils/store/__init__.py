# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory store: the only code that knows SQL.

``open_store(url)`` opens a SQLite file (default ``$NETSYNC_STORE`` or
``~/.netsync/fleet.db``) or a ``postgresql://`` URL, migrates the schema
forward and returns a ``Store``: one database handle and one object per role,
each a plain class in its own file sharing that handle. A caller takes only
the role(s) it needs:

- ``devices``: ``DeviceStore`` (devices.py): devices, managed status and its history, snapshots, settings;
- ``jobs``: ``JobStore`` (jobs.py): resync jobs, notifications, the inbox, the listener's damper state;
- ``leases``: ``LeaseStore`` (leases.py): named leases with expiry (the listeners' leader lease);
- ``topology``: ``TopologyStore`` (topology.py): the site's topology objects (written by ``topology.refresh``);
- ``alarms``: ``AlarmStore`` (alarms.py): the site's alarms (written as ``alarms.service`` decides);
- ``metrics``: ``MetricStore`` (metrics.py): the site's metric series;
- ``fed_topology``: ``FedTopologyStore`` (fed_topology.py): the master's copies of its children's topology,
  their pull state (``pulls``) and the merged host documents (built by ``federation_master``);
- ``fed_alarms``: ``FedAlarmStore`` (fed_alarms.py): the master's copies of its children's alarms, their pull
  state (``pulls``) and the metric source sets;
- ``snapshot_feed``: ``SnapshotFeed`` (snapshot_feed.py): read-only snapshot reads for search, change notices
  and the report's history, and their cursors.

The store imports no other part: it persists what it is given. Every method
is a short transaction of its own; ``Store.transaction()`` makes calls on
several roles one transaction (they share the handle, inner transactions
join the outer one). No credentials are ever stored.
"""
from __future__ import annotations

import os
import secrets
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import (
    Database, StoreError, connect, redact_url,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import _reuse
from ansible_collections.netsync.fleet.plugins.module_utils.store._process import this_process as claim_owner
from ansible_collections.netsync.fleet.plugins.module_utils.store._reuse import StoreReuse
from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import migrate
from ansible_collections.netsync.fleet.plugins.module_utils.store.alarms import AlarmStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.devices import (
    DEFAULT_SETTINGS, IN_SYNC, OUT_OF_SYNC, STATUSES, SYNC_FAILED, SYNCHRONIZING, DeviceStore,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store.fed_alarms import FedAlarmStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.fed_topology import FedTopologyStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.jobs import JobStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.leases import LeaseStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.metrics import MetricStore
from ansible_collections.netsync.fleet.plugins.module_utils.store.snapshot_feed import SnapshotFeed
from ansible_collections.netsync.fleet.plugins.module_utils.store.topology import TopologyStore

__all__ = ["Store", "StoreError", "StoreReuse", "claim_owner", "open_store", "default_store_url", "STATUSES",
           "DEFAULT_SETTINGS",
           "IN_SYNC", "OUT_OF_SYNC", "SYNCHRONIZING", "SYNC_FAILED", "DeviceStore", "JobStore", "LeaseStore",
           "TopologyStore",
           "AlarmStore", "MetricStore", "FedTopologyStore", "FedAlarmStore", "sqlite_path_missing", "redact_url",
           "SnapshotFeed"]


def default_store_url() -> str:
    """``$NETSYNC_STORE``, else ``~/.netsync/fleet.db``."""
    return os.environ.get("NETSYNC_STORE") or os.path.expanduser("~/.netsync/fleet.db")


def open_store(url: Optional[str] = None, clock: Callable[[], float] = time.time,
               create: bool = True) -> "Store":
    """Open (and create or migrate) the store at ``url``.

    ``create=False`` (everything that only reads or needs devices already imported): a store
    that does not exist is a ``StoreError`` naming it, never a new empty store.
    """
    url = url or default_store_url()
    reuse = _reuse.current()  # the fleet strategy's threads: a handle left idle by an earlier host
    if reuse is not None:
        idle = reuse.take(url)
        if idle is not None:
            return Store(idle, url, clock, reuse)
    db = connect(url, create)
    try:
        if not create and db.dialect == "postgresql" and not _has_schema(db):
            raise StoreError("the PostgreSQL database %s holds no netsync store: check the URL; "
                             "netsync.fleet.device creates the store when it imports a device" % redact_url(url))
        migrate(db)
    except BaseException:
        db.close()
        raise
    if reuse is not None:
        reuse.connected()
    return Store(db, url, clock, reuse)


def sqlite_path_missing(url: str) -> bool:
    """A SQLite store URL whose file does not exist yet."""
    if url.startswith(("postgresql://", "postgres://")):
        return False
    path = url[len("sqlite://"):] if url.startswith("sqlite://") else url
    return path != ":memory:" and not os.path.exists(os.path.expanduser(path))


def _has_schema(db: Any) -> bool:
    return bool(db.query("SELECT 1 AS x FROM information_schema.tables WHERE table_name = 'store_meta'"))


class Store:
    """One store: a database handle and its roles. Safe across processes."""

    def __init__(self, db: Database, url: str, clock: Callable[[], float] = time.time,
                 reuse: Optional[_reuse.StoreReuse] = None) -> None:
        self.db = db
        self._open_url = url
        self._reuse = reuse
        self.url = redact_url(url)
        self.backend = db.dialect
        self.clock = clock
        self.devices = DeviceStore(db, clock)
        self.jobs = JobStore(db, clock)
        self.leases = LeaseStore(db, clock)
        self.topology = TopologyStore(db, clock)
        self.alarms = AlarmStore(db, clock)
        self.metrics = MetricStore(db)
        self.fed_topology = FedTopologyStore(db)
        self.fed_alarms = FedAlarmStore(db)
        self.snapshot_feed = SnapshotFeed(db)

    @property
    def open_url(self) -> str:
        """The URL this store was opened with, credentials included (to open it again; never log it)."""
        return self._open_url

    def mask_key(self) -> bytes:
        """This store's random key for secret markers (``device/secrets.py``), made on first use."""
        rows = self.db.query("SELECT value FROM store_meta WHERE key = 'mask_key'")
        if not rows:
            with self.db.transaction():
                rows = self.db.query("SELECT value FROM store_meta WHERE key = 'mask_key'")
                if not rows:
                    self.db.execute("INSERT INTO store_meta (key, value) VALUES ('mask_key', ?)",
                                    (secrets.token_hex(32),))
                    rows = self.db.query("SELECT value FROM store_meta WHERE key = 'mask_key'")
        return bytes.fromhex(str(rows[0]["value"]))

    def stored_mask_key(self) -> Optional[bytes]:
        """The key of ``mask_key`` when this store has one already, else None (writes nothing: check modes)."""
        rows = self.db.query("SELECT value FROM store_meta WHERE key = 'mask_key'")
        return bytes.fromhex(str(rows[0]["value"])) if rows else None

    def close(self) -> None:
        """Close the handle, or leave it idle for the next open of this store (``_reuse``, fleet strategy)."""
        reuse, self._reuse = self._reuse, None
        if reuse is None or not reuse.give(self._open_url, self.db):
            self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None:
            self._reuse = None  # after an error, the handle is closed, never reused
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction for calls on several roles (nested calls join it)."""
        with self.db.transaction():
            yield
