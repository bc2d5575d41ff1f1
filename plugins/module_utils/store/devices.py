# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The devices role of the store: devices, managed status and its history, snapshots, settings.

What modules and the listener read and write about a managed device. Methods
are short transactions; they join the caller's when one is open
(``Store.transaction()``).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional


from ansible_collections.netsync.fleet.plugins.module_utils.common import settings as settings_rules
from ansible_collections.netsync.fleet.plugins.module_utils.store import _process
from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database, StoreError

IN_SYNC = "In Sync"
OUT_OF_SYNC = "Out of Sync"
SYNCHRONIZING = "Synchronizing"
SYNC_FAILED = "Sync Failed"
STATUSES = (IN_SYNC, OUT_OF_SYNC, SYNCHRONIZING, SYNC_FAILED)

DEFAULT_SETTINGS: dict[str, Any] = dict(settings_rules.DEFAULTS)
GLOBAL = ""  # settings scope of the global values
SETTINGS_VERSION = "settings_version"  # store_meta key: one more at every change of the settings table

_DEVICE_COLUMNS = ("name, host, port, platform, facts, managed_status, connection_state, status_reason, "
                   "created_at, updated_at, status_changed_at, last_synced, last_commit_time")
_SNAPSHOT_META = ("device, version, taken_at, sha256, format, commit_time, commit_user, commit_seq, job_id, "
                  "commit_comment")


def _device_row(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["facts"] = json.loads(row["facts"] or "{}")
    return row


def _facts_hostname(text: Optional[str]) -> Optional[str]:
    try:
        facts = json.loads(text or "{}")
    except ValueError:
        return None
    hostname = facts.get("hostname") if isinstance(facts, dict) else None
    return hostname if isinstance(hostname, str) else None


def coerce_setting(key: str, value: Any) -> Any:
    """A setting's value in its stored type; StoreError for an unknown key or a bad value
    (the rules of ``common/settings.py``, shared with the settings module and the listener)."""
    try:
        return settings_rules.check(key, value)
    except settings_rules.SettingError as exc:
        raise StoreError(str(exc)) from None


class DeviceStore:
    """Devices, their status history, snapshots and settings."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    # -- devices ---------------------------------------------------------------------------
    def get(self, name: str, lock: bool = False) -> Optional[dict[str, Any]]:
        sql = "SELECT %s FROM devices WHERE name = ?" % _DEVICE_COLUMNS
        if lock and self.db.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = self.db.query(sql, (name,))
        return _device_row(rows[0]) if rows else None

    # -- claims: one resync of a device at a time ----------------------------------------------
    def claim(self, name: str, job_id: str, ttl: float, owner: Optional[str] = None) -> Optional[dict[str, Any]]:
        """Claim the device for ``job_id`` for ``ttl`` seconds, on behalf of the process ``owner``
        (``_process.this_process()``). None when claimed; else the holder (``claim_job``,
        ``claim_until``). An expired claim is taken over, and so is one whose process has died on
        this machine (``_process.is_dead``)."""
        now = self.clock()
        with self.db.transaction():
            taken = self.db.execute(
                "UPDATE devices SET claim_job = ?, claim_until = ?, claim_owner = ? WHERE name = ? AND "
                "(claim_job IS NULL OR claim_until < ? OR claim_job = ?)",
                (job_id, now + ttl, owner, name, now, job_id))
            if taken:
                return None
            rows = self.db.query("SELECT claim_job, claim_until, claim_owner FROM devices WHERE name = ?", (name,))
            if not rows:
                return {"claim_job": None, "claim_until": None}
            holder = dict(rows[0])
            dead = _process.is_dead(holder.pop("claim_owner"))
            if dead and self.db.execute("UPDATE devices SET claim_job = ?, claim_until = ?, claim_owner = ? "
                                        "WHERE name = ? AND claim_job = ?",
                                        (job_id, now + ttl, owner, name, holder["claim_job"])):
                return None  # the same holder, dead: taken over (never another claim that came meanwhile)
            return holder

    def holds_claim(self, name: str, job_id: str) -> bool:
        """Inside the caller's write transaction: does ``job_id`` still hold a live claim (row locked)?"""
        sql = "SELECT claim_job, claim_until FROM devices WHERE name = ?"
        if self.db.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = self.db.query(sql, (name,))
        return bool(rows) and rows[0]["claim_job"] == job_id and float(rows[0]["claim_until"] or 0) >= self.clock()

    def renew_claim(self, name: str, job_id: str, until: float) -> bool:
        """Extend ``job_id``'s claim to ``until``; never a claim that has lapsed (it may be being
        taken over) nor another job's."""
        return bool(self.db.execute("UPDATE devices SET claim_until = ? WHERE name = ? AND claim_job = ? "
                                    "AND claim_until >= ?", (until, name, job_id, self.clock())))

    def release(self, name: str, job_id: str) -> None:
        self.db.execute("UPDATE devices SET claim_job = NULL, claim_until = NULL, claim_owner = NULL WHERE name = ? "
                        "AND claim_job = ?", (name, job_id))

    def all(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT %s FROM devices ORDER BY name" % _DEVICE_COLUMNS)
        return [_device_row(r) for r in rows]

    def index_rows(self) -> list[tuple[str, str, str, str, Optional[str]]]:
        """(name, host, platform, managed_status, the facts' top-level ``hostname`` if a string) of
        every device, by name: what the listener's device index needs. SQLite takes the hostname out
        of the JSON itself (no document decoded in Python per device: 100,000 devices at every refresh)."""
        if self.db.dialect == "sqlite":
            sql = ("SELECT name, host, platform, managed_status, CASE WHEN json_valid(facts) THEN CASE WHEN "
                   "json_type(facts, '$.hostname') = 'text' THEN json_extract(facts, '$.hostname') END END "
                   "FROM devices ORDER BY name")
            return [(str(n), str(h), str(p), str(st), hn) for n, h, p, st, hn in self.db.tuples(sql)]
        rows = self.db.tuples("SELECT name, host, platform, managed_status, facts FROM devices ORDER BY name")
        return [(str(n), str(h), str(p), str(st), _facts_hostname(f)) for n, h, p, st, f in rows]

    def upsert(self, name: str, host: str, port: int, platform: str, facts: dict[str, Any]) -> str:
        """Create or update a device; returns ``created``, ``updated`` or ``unchanged``."""
        now = self.clock()
        facts_json = json.dumps(facts, sort_keys=True)
        with self.db.transaction():
            current = self.get(name, lock=True)
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

    def remove(self, name: str) -> bool:
        with self.db.transaction():
            for table in ("snapshots", "status_history"):
                self.db.execute("DELETE FROM %s WHERE device = ?" % table, (name,))
            if self.db.execute("DELETE FROM settings WHERE scope = ?", (name,)):
                self._bump_settings_version()
            self.db.execute("DELETE FROM damper_state WHERE device = ?", (name,))  # no job for it, ever
            return self.db.execute("DELETE FROM devices WHERE name = ?", (name,)) > 0

    def existing(self, names: list[str]) -> set[str]:
        """Which of ``names`` the store holds."""
        found: set[str] = set()
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(r["name"] for r in self.db.query("SELECT name FROM devices WHERE name IN (%s)" % marks,
                                                          tuple(chunk)))
        return found

    def set_status(self, name: str, status: str, reason: str = "",
                   connection_state: Optional[str] = None) -> None:
        if status not in STATUSES:
            raise StoreError("unknown managed status %r" % status)
        now = self.clock()
        with self.db.transaction():
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

    def mark_synced(self, name: str, commit_time: Optional[float]) -> None:
        now = self.clock()
        self.db.execute("UPDATE devices SET last_synced = ?, connection_state = 'up', "
                        "last_commit_time = COALESCE(?, last_commit_time) WHERE name = ?",
                        (now, commit_time, name))

    # -- snapshots -------------------------------------------------------------------------
    def add_snapshot(self, name: str, fmt: str, config: str, rendered: str, sha256: str,
                     commit_time: Optional[float] = None, commit_user: Optional[str] = None,
                     commit_seq: Optional[str] = None, job_id: Optional[str] = None,
                     commit_comment: Optional[str] = None) -> tuple[int, bool]:
        """Store a snapshot unless the latest has the same sha256. Returns (version, created)."""
        now = self.clock()
        with self.db.transaction():
            if self.get(name, lock=True) is None:
                raise StoreError("device %r is not in the store" % name)
            latest = self.latest_snapshot(name)
            if latest is not None and latest["sha256"] == sha256:
                return int(latest["version"]), False
            version = 1 if latest is None else int(latest["version"]) + 1
            self.db.execute(
                "INSERT INTO snapshots (device, version, taken_at, sha256, format, config, rendered, "
                "commit_time, commit_user, commit_seq, job_id, commit_comment) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, version, now, sha256, fmt, config, rendered, commit_time, commit_user, commit_seq, job_id,
                 commit_comment))
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

    def snapshot_config(self, name: str, version: int) -> Optional[str]:
        """The stored configuration text of one snapshot (nothing else is read)."""
        rows = self.db.query("SELECT config FROM snapshots WHERE device = ? AND version = ?", (name, int(version)))
        return rows[0]["config"] if rows else None

    def latest_versions(self) -> list[dict[str, Any]]:
        """Every device's name, platform, facts (JSON text as stored), managed status, last sync and
        latest snapshot version (``snap``, None without one): what topology derivation starts from."""
        return self.db.query(
            "SELECT d.name, d.platform, d.facts, d.managed_status, d.last_synced, "
            "(SELECT MAX(s.version) FROM snapshots s WHERE s.device = d.name) AS snap FROM devices d")

    def states(self) -> list[dict[str, Any]]:
        """Every device's managed status, connection state, reason and times: what alarms are evaluated from."""
        return self.db.query("SELECT name, managed_status, connection_state, status_reason, "
                             "status_changed_at, last_synced FROM devices")

    # -- settings --------------------------------------------------------------------------
    def get_settings(self, device: Optional[str] = None) -> dict[str, Any]:
        """Effective settings: defaults, then global values, then the device's own."""
        stored: dict[str, Any] = {}
        scopes = [GLOBAL] if device is None else [GLOBAL, device]
        for scope in scopes:
            for row in self.db.query("SELECT key, value FROM settings WHERE scope = ?", (scope,)):
                stored[row["key"]] = json.loads(row["value"])
        values, _ignored = settings_rules.effective(stored)  # a bad stored value: its default, not a crash
        return values

    def settings_version(self) -> int:
        """A number that changes with every change of the settings (0 before the first): whoever holds
        a ``settings_by_device`` read knows with one lookup whether it is still current."""
        rows = self.db.query("SELECT value FROM store_meta WHERE key = ?", (SETTINGS_VERSION,))
        return int(rows[0]["value"]) if rows else 0

    def _bump_settings_version(self) -> None:
        """In the transaction that changes the settings."""
        self.db.execute("INSERT INTO store_meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET "
                        "value = CAST(CAST(store_meta.value AS INTEGER) + 1 AS TEXT)", (SETTINGS_VERSION,))

    def settings_by_device(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Effective settings of every device in one read: the global values (for devices
        without overrides) and, per device with overrides, its own effective values."""
        scopes: dict[str, dict[str, Any]] = {}
        for row in self.db.query("SELECT scope, key, value FROM settings"):
            scopes.setdefault(row["scope"], {})[row["key"]] = json.loads(row["value"])
        stored = scopes.pop(GLOBAL, {})
        global_values, _ignored = settings_rules.effective(stored)
        return global_values, {device: settings_rules.effective({**stored, **own})[0]
                               for device, own in scopes.items()}

    def device_overrides(self, device: str) -> dict[str, Any]:
        rows = self.db.query("SELECT key, value FROM settings WHERE scope = ?", (device,))
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def set_settings(self, values: dict[str, Any], device: Optional[str] = None) -> dict[str, Any]:
        """Set settings (``None`` removes a device override). Returns the keys that changed."""
        scope = GLOBAL if device is None else device
        changed: dict[str, Any] = {}
        with self.db.transaction():
            if device is not None and self.get(device) is None:
                raise StoreError("device %r is not in the store" % device)
            current = {r["key"]: json.loads(r["value"])
                       for r in self.db.query("SELECT key, value FROM settings WHERE scope = ?", (scope,))}
            for key, value in values.items():
                if value is None:
                    if device is None:
                        raise StoreError("a global setting cannot be removed; give a value for %s" % key)
                    coerce_setting(key, DEFAULT_SETTINGS.get(key))
                    if key in current:
                        self.db.execute("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
                        changed[key] = None
                    continue
                value = coerce_setting(key, value)
                stored = current.get(key, DEFAULT_SETTINGS[key] if device is None else None)
                if stored == value and (key in current or device is None):
                    continue
                # one statement: a DELETE then INSERT lost to a concurrent writer on PostgreSQL (the second
                # INSERT of the key failed with a unique violation)
                self.db.execute("INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) ON CONFLICT (scope, key) "
                                "DO UPDATE SET value = excluded.value", (scope, key, json.dumps(value)))
                changed[key] = value
            if changed:
                self._bump_settings_version()
        return changed
