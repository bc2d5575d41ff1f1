# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory store: devices, snapshots, status, settings, jobs, notifications.

The only public door to SQL. ``open_store(url)`` opens a SQLite file (default
``$NETSYNC_STORE`` or ``~/.netsync/fleet.db``) or a ``postgresql://`` URL and
migrates the schema forward. No credentials are ever stored.
"""
from __future__ import annotations

import json
import math
import os
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence

from ansible_collections.netsync.fleet.plugins.module_utils.store._alarms import AlarmStoreMixin
from ansible_collections.netsync.fleet.plugins.module_utils.store._db import (
    Database, StoreError, connect, redact_url,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store._fed_alarms import FedAlarmStoreMixin
from ansible_collections.netsync.fleet.plugins.module_utils.store._federation import FederationStoreMixin
from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import migrate
from ansible_collections.netsync.fleet.plugins.module_utils.store._topology import TopologyStoreMixin

__all__ = ["Store", "StoreError", "open_store", "default_store_url", "STATUSES", "DEFAULT_SETTINGS"]

IN_SYNC = "In Sync"
OUT_OF_SYNC = "Out of Sync"
SYNCHRONIZING = "Synchronizing"
SYNC_FAILED = "Sync Failed"
STATUSES = (IN_SYNC, OUT_OF_SYNC, SYNCHRONIZING, SYNC_FAILED)

DEFAULT_SETTINGS: dict[str, Any] = {
    "auto_resync": True,
    "resync_delay": 20.0,
    "damping_window": 25.0,
    "damper_interval": 20.0,
}
GLOBAL = ""  # settings scope of the global values

_DEVICE_COLUMNS = ("name, host, port, platform, facts, managed_status, connection_state, status_reason, "
                   "created_at, updated_at, status_changed_at, last_synced, last_commit_time")
_SNAPSHOT_META = "device, version, taken_at, sha256, format, commit_time, commit_user, commit_seq, job_id"


def default_store_url() -> str:
    """``$NETSYNC_STORE``, else ``~/.netsync/fleet.db``."""
    return os.environ.get("NETSYNC_STORE") or os.path.expanduser("~/.netsync/fleet.db")


def open_store(url: Optional[str] = None, clock: Callable[[], float] = time.time) -> "Store":
    """Open (and create or migrate) the store at ``url``."""
    url = url or default_store_url()
    db = connect(url)
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
    return Store(db, url, clock)


def _device_row(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["facts"] = json.loads(row["facts"] or "{}")
    return row


def _coerce_setting(key: str, value: Any) -> Any:
    if key not in DEFAULT_SETTINGS:
        raise StoreError("unknown setting %r (known: %s)" % (key, ", ".join(sorted(DEFAULT_SETTINGS))))
    if key == "auto_resync":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise StoreError("setting auto_resync must be a boolean, got %r" % (value,))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StoreError("setting %s must be a number of seconds, got %r" % (key, value)) from None
    if number < 0 or not math.isfinite(number):
        raise StoreError("setting %s must be a finite number of seconds >= 0, got %r" % (key, value))
    return number


class Store(TopologyStoreMixin, FederationStoreMixin, AlarmStoreMixin, FedAlarmStoreMixin):
    """A handle on one store. Methods are short transactions; safe across processes.

    Federation: the child side (``refresh_topology``, ``topology_*``) is in
    ``_store_topology.py``, the master side (``fed_*``) in ``_store_federation.py``; alarms and
    metrics in ``_store_alarms.py`` (child) and ``_store_fed_alarms.py`` (master).
    """

    def __init__(self, db: Database, url: str, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.url = redact_url(url)
        self.backend = db.dialect
        self.clock = clock

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    # -- devices ---------------------------------------------------------------------------
    def get_device(self, name: str, lock: bool = False) -> Optional[dict[str, Any]]:
        sql = "SELECT %s FROM devices WHERE name = ?" % _DEVICE_COLUMNS
        if lock and self.backend == "postgresql":
            sql += " FOR UPDATE"
        rows = self.db.query(sql, (name,))
        return _device_row(rows[0]) if rows else None

    def list_devices(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT %s FROM devices ORDER BY name" % _DEVICE_COLUMNS)
        return [_device_row(r) for r in rows]

    def upsert_device(self, name: str, host: str, port: int, platform: str,
                      facts: dict[str, Any]) -> str:
        """Create or update a device; returns ``created``, ``updated`` or ``unchanged``."""
        now = self.clock()
        facts_json = json.dumps(facts, sort_keys=True)
        with self.transaction():
            current = self.get_device(name, lock=True)
            if current is None:
                self.db.execute(
                    "INSERT INTO devices (name, host, port, platform, facts, managed_status, created_at, "
                    "updated_at, status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, host, int(port), platform, facts_json, OUT_OF_SYNC, now, now, now))
                self._history(name, OUT_OF_SYNC, "imported", now)
                return "created"
            same = (current["host"], current["port"], current["platform"], current["facts"]) == (
                host, int(port), platform, facts)
            if same:
                return "unchanged"
            self.db.execute("UPDATE devices SET host = ?, port = ?, platform = ?, facts = ?, updated_at = ? "
                            "WHERE name = ?", (host, int(port), platform, facts_json, now, name))
            return "updated"

    def remove_device(self, name: str) -> bool:
        with self.transaction():
            for table in ("snapshots", "status_history"):
                self.db.execute("DELETE FROM %s WHERE device = ?" % table, (name,))
            self.db.execute("DELETE FROM settings WHERE scope = ?", (name,))
            return self.db.execute("DELETE FROM devices WHERE name = ?", (name,)) > 0

    def set_status(self, name: str, status: str, reason: str = "",
                   connection_state: Optional[str] = None) -> None:
        if status not in STATUSES:
            raise StoreError("unknown managed status %r" % status)
        now = self.clock()
        with self.transaction():
            sets = "managed_status = ?, status_reason = ?, status_changed_at = ?"
            params: list[Any] = [status, reason, now]
            if connection_state is not None:
                sets += ", connection_state = ?"
                params.append(connection_state)
            if self.db.execute("UPDATE devices SET %s WHERE name = ?" % sets, params + [name]) == 0:
                raise StoreError("device %r is not in the store" % name)
            self._history(name, status, reason, now)

    def _history(self, name: str, status: str, reason: str, at: float) -> None:
        self.db.execute("INSERT INTO status_history (device, at, status, reason) VALUES (?, ?, ?, ?)",
                        (name, at, status, reason))

    def status_history(self, name: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT at, status, reason FROM status_history WHERE device = ? "
                             "ORDER BY id DESC LIMIT ?", (name, int(limit)))
        return list(reversed(rows))

    # -- snapshots -------------------------------------------------------------------------
    def add_snapshot(self, name: str, fmt: str, config: str, rendered: str, sha256: str,
                     commit_time: Optional[float] = None, commit_user: Optional[str] = None,
                     commit_seq: Optional[str] = None, job_id: Optional[str] = None) -> tuple[int, bool]:
        """Store a snapshot unless the latest has the same sha256. Returns (version, created)."""
        now = self.clock()
        with self.transaction():
            if self.get_device(name, lock=True) is None:
                raise StoreError("device %r is not in the store" % name)
            latest = self.latest_snapshot(name)
            if latest is not None and latest["sha256"] == sha256:
                return int(latest["version"]), False
            version = 1 if latest is None else int(latest["version"]) + 1
            self.db.execute(
                "INSERT INTO snapshots (device, version, taken_at, sha256, format, config, rendered, "
                "commit_time, commit_user, commit_seq, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, version, now, sha256, fmt, config, rendered, commit_time, commit_user, commit_seq, job_id))
            return version, True

    def latest_snapshot(self, name: str) -> Optional[dict[str, Any]]:
        rows = self.db.query("SELECT %s FROM snapshots WHERE device = ? ORDER BY version DESC LIMIT 1"
                             % _SNAPSHOT_META, (name,))
        return rows[0] if rows else None

    def list_snapshots(self, name: str) -> list[dict[str, Any]]:
        return self.db.query("SELECT %s FROM snapshots WHERE device = ? ORDER BY version" % _SNAPSHOT_META,
                             (name,))

    def get_snapshot(self, name: str, version: int) -> Optional[dict[str, Any]]:
        rows = self.db.query("SELECT %s, config, rendered FROM snapshots WHERE device = ? AND version = ?"
                             % _SNAPSHOT_META, (name, int(version)))
        return rows[0] if rows else None

    def mark_synced(self, name: str, commit_time: Optional[float]) -> None:
        now = self.clock()
        self.db.execute("UPDATE devices SET last_synced = ?, connection_state = 'up', "
                        "last_commit_time = COALESCE(?, last_commit_time) WHERE name = ?",
                        (now, commit_time, name))

    # -- settings --------------------------------------------------------------------------
    def get_settings(self, device: Optional[str] = None) -> dict[str, Any]:
        """Effective settings: defaults, then global values, then the device's own."""
        values = dict(DEFAULT_SETTINGS)
        scopes = [GLOBAL] if device is None else [GLOBAL, device]
        for scope in scopes:
            for row in self.db.query("SELECT key, value FROM settings WHERE scope = ?", (scope,)):
                if row["key"] in DEFAULT_SETTINGS:
                    values[row["key"]] = json.loads(row["value"])
        return values

    def device_overrides(self, device: str) -> dict[str, Any]:
        rows = self.db.query("SELECT key, value FROM settings WHERE scope = ?", (device,))
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def set_settings(self, values: dict[str, Any], device: Optional[str] = None) -> dict[str, Any]:
        """Set settings (``None`` removes a device override). Returns the keys that changed."""
        scope = GLOBAL if device is None else device
        changed: dict[str, Any] = {}
        with self.transaction():
            if device is not None and self.get_device(device) is None:
                raise StoreError("device %r is not in the store" % device)
            current = {r["key"]: json.loads(r["value"])
                       for r in self.db.query("SELECT key, value FROM settings WHERE scope = ?", (scope,))}
            for key, value in values.items():
                if value is None:
                    if device is None:
                        raise StoreError("a global setting cannot be removed; give a value for %s" % key)
                    _coerce_setting(key, DEFAULT_SETTINGS.get(key))
                    if key in current:
                        self.db.execute("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
                        changed[key] = None
                    continue
                value = _coerce_setting(key, value)
                stored = current.get(key, DEFAULT_SETTINGS[key] if device is None else None)
                if stored == value and (key in current or device is None):
                    continue
                self.db.execute("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
                self.db.execute("INSERT INTO settings (scope, key, value) VALUES (?, ?, ?)",
                                (scope, key, json.dumps(value)))
                changed[key] = value
        return changed

    # -- jobs ------------------------------------------------------------------------------
    def get_job(self, job_id: str) -> Optional[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def job_started(self, job_id: str, device: str, origin: str = "manual") -> None:
        now = self.clock()
        with self.transaction():
            if self.get_job(job_id) is None:
                self.db.execute("INSERT INTO jobs (id, device, state, origin, created_at, started_at) "
                                "VALUES (?, ?, 'running', ?, ?, ?)", (job_id, device, origin, now, now))
            else:
                self.db.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?", (now, job_id))

    def job_read(self, job_id: str, commit_time: Optional[float]) -> None:
        self.db.execute("UPDATE jobs SET read_at = ?, read_commit_time = ? WHERE id = ?",
                        (self.clock(), commit_time, job_id))

    def job_finished(self, job_id: str, ok: bool, message: str = "") -> None:
        self.db.execute("UPDATE jobs SET state = ?, ended_at = ?, message = ? WHERE id = ?",
                        ("done" if ok else "failed", self.clock(), message[:2000], job_id))

    def list_jobs(self, device: Optional[str] = None, limit: int = 100) -> list[dict[str, Any]]:
        if device is None:
            return self.db.query("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (int(limit),))
        return self.db.query("SELECT * FROM jobs WHERE device = ? ORDER BY created_at DESC LIMIT ?",
                             (device, int(limit)))

    # -- notifications ---------------------------------------------------------------------
    def record_notification(self, source: str, kind: str, device: Optional[str], accepted: bool,
                            reason: str = "", commit_time: Optional[float] = None,
                            commit_user: Optional[str] = None, detail: str = "",
                            received_at: Optional[float] = None) -> int:
        """One notification; ``received_at`` defaults to now (the listener passes the arrival time)."""
        return self.db.insert(
            "INSERT INTO notifications (received_at, device, source, kind, accepted, reason, commit_time, "
            "commit_user, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.clock() if received_at is None else received_at, device, source, kind, 1 if accepted else 0,
             reason, commit_time, commit_user, detail[:2000]))

    def _in_batches(self, sql: str, names: Sequence[str], params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run ``sql`` (one ``IN (%s)`` placeholder group) over ``names``, 500 at a time."""
        out: list[dict[str, Any]] = []
        names = sorted(set(names))
        for i in range(0, len(names), 500):
            chunk = names[i:i + 500]
            out.extend(self.db.query(sql % ", ".join("?" * len(chunk)), list(chunk) + list(params)))
        return out

    def read_jobs(self, devices: Sequence[str]) -> list[dict[str, Any]]:
        """Every job of ``devices`` that read a configuration (``read_at`` set), by read time."""
        return self._in_batches("SELECT id, device, read_at, read_commit_time FROM jobs WHERE device IN (%s) "
                                "AND read_at IS NOT NULL ORDER BY read_at, id", devices)

    def accepted_notifications(self, devices: Sequence[str], after: float) -> list[dict[str, Any]]:
        """Accepted notifications of ``devices`` received after ``after``, oldest first."""
        return self._in_batches("SELECT device, received_at, commit_time FROM notifications WHERE device IN (%s) "
                                "AND accepted = 1 AND received_at > ? ORDER BY received_at, id", devices, (after,))

    def notified_since(self, device: str, since: float, read_commit_time: Optional[float]) -> bool:
        """True if an accepted notification after ``since`` names a commit the read did not include."""
        rows = self.db.query("SELECT commit_time FROM notifications WHERE device = ? AND accepted = 1 "
                             "AND received_at > ?", (device, since))
        for row in rows:
            ct = row["commit_time"]
            if ct is None or read_commit_time is None or ct > read_commit_time:
                return True
        return False

    def inbox_put(self, device: str, source: str, detail: str = "") -> int:
        return self.db.insert("INSERT INTO inbox (at, device, source, detail) VALUES (?, ?, ?, ?)",
                              (self.clock(), device, source, detail[:2000]))

    def inbox_take(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Claim up to ``limit`` unclaimed inbox rows (each is returned to one caller only)."""
        now = self.clock()
        with self.transaction():
            lock = " FOR UPDATE SKIP LOCKED" if self.backend == "postgresql" else ""
            rows = self.db.query("SELECT id, at, device, source, detail FROM inbox WHERE taken_at IS NULL "
                                 "ORDER BY id LIMIT ?%s" % lock, (int(limit),))
            for row in rows:
                self.db.execute("UPDATE inbox SET taken_at = ? WHERE id = ?", (now, row["id"]))
        return rows

    # -- auto-resync listener state --------------------------------------------------------
    def load_damper_states(self) -> dict[str, dict[str, Any]]:
        """Every device's persisted damper state (JSON documents written by the listener)."""
        rows = self.db.query("SELECT device, state FROM damper_state")
        return {r["device"]: json.loads(r["state"]) for r in rows}

    def save_damper_states(self, states: dict[str, dict[str, Any]]) -> None:
        """Persist damper states (one transaction for the batch)."""
        now = self.clock()
        with self.transaction():
            for device, state in states.items():
                self.db.execute("DELETE FROM damper_state WHERE device = ?", (device,))
                self.db.execute("INSERT INTO damper_state (device, state, updated_at) VALUES (?, ?, ?)",
                                (device, json.dumps(state, sort_keys=True), now))
