# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the child side of alarms and metrics in the store (a mixin of ``Store``).

Alarms: one row per alarm with its latest state; every change (raise, repeat,
clear) takes the next sequence number of ``alarm_meta`` (locked in the write
transaction, so sequence order is commit order on both back ends) and stores
it in ``seq``. ``alarm_changes(since)`` is the queue: every alarm whose last
change is after the cursor, in sequence order (compacted: an alarm that
changed twice since the cursor comes once, in its latest state). Cleared
alarms older than a retention are purged; a cursor older than the purge
horizon must restart from 0. The store has an alarm epoch: a reader that saw
another epoch starts again from 0.

Metrics: ``metric_points`` (name, device, time, value).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._topology import executemany
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import (
    TYPES,
    AlarmConfig,
    Signal,
    clip,
    device_signals,
    expired_signals,
    plan,
)

_COLUMNS = "id, type, device, subject, severity, message, raised_at, cleared_at, updated_at, count, seq"
_STATE_TYPES = ("sync_failed", "connection_down", "out_of_sync")
_BATCH = 500
_METRIC_UPSERT = ("INSERT INTO metric_points (name, device, at, value) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (name, device, at) DO UPDATE SET value = excluded.value")


def alarm_view(row: dict[str, Any]) -> dict[str, Any]:
    """The API form of an alarm row (``state``: ``active`` or ``cleared``)."""
    out = {k: row[k] for k in ("id", "type", "device", "subject", "severity", "message", "raised_at",
                               "cleared_at", "updated_at", "count", "seq")}
    out["id"], out["count"], out["seq"] = int(out["id"]), int(out["count"]), int(out["seq"])
    out["state"] = "active" if row["cleared_at"] is None else "cleared"
    return out


class AlarmStoreMixin:
    """Child-side alarms and metrics; ``self.db`` and ``self.clock`` come from ``Store``."""

    db: Database
    clock: Callable[[], float]

    # -- meta: sequence, epoch, purge horizon --------------------------------------------------
    def _alarm_meta(self, key: str, lock: bool = False) -> Optional[str]:
        sql = "SELECT value FROM alarm_meta WHERE key = ?"
        if lock and self.db.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = self.db.query(sql, (key,))
        return str(rows[0]["value"]) if rows else None

    def _alarm_meta_set(self, key: str, value: str) -> None:
        if self.db.execute("UPDATE alarm_meta SET value = ? WHERE key = ?", (value, key)) == 0:
            self.db.execute("INSERT INTO alarm_meta (key, value) VALUES (?, ?)", (key, value))

    def _alarm_seq(self, count: int) -> int:
        """Reserve ``count`` sequence numbers (inside a write transaction); returns the first."""
        current = int(self._alarm_meta("seq", lock=True) or 0)
        self._alarm_meta_set("seq", str(current + count))
        return current + 1

    def alarm_epoch(self) -> str:
        epoch = self._alarm_meta("epoch")
        if epoch is None:
            with self.db.transaction():
                epoch = self._alarm_meta("epoch", lock=True)
                if epoch is None:
                    epoch = uuid.uuid4().hex
                    self._alarm_meta_set("epoch", epoch)
        return epoch

    def alarm_cursor(self) -> int:
        return int(self._alarm_meta("seq") or 0)

    def alarm_horizon(self) -> int:
        return int(self._alarm_meta("horizon") or 0)

    # -- raising and clearing --------------------------------------------------------------------
    def _active_by_key(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(keys), _BATCH):
            chunk = list(keys[i:i + _BATCH])
            marks = ", ".join("?" * len(chunk))
            for row in self.db.query("SELECT id, akey, count, raised_at FROM alarms WHERE cleared_at IS NULL "
                                     "AND akey IN (%s)" % marks, chunk):
                out[row["akey"]] = row
        return out

    def alarm_signals(self, signals: Iterable[Signal]) -> int:
        """Apply signals (raise, repeat, clear); returns the number of changes (sequence numbers used)."""
        sigs = list(signals)
        if not sigs:
            return 0
        with self.db.transaction():
            changes = plan(self._active_by_key(sorted({s.key for s in sigs})), sigs)
            if not changes:
                return 0
            seq = self._alarm_seq(len(changes))
            inserts = []
            for change in changes:
                sig = change.signal
                if change.action == "raise":
                    severity = sig.severity or TYPES[sig.type]
                    inserts.append((change.key, sig.type, sig.device, sig.subject, severity, clip(sig.message),
                                    sig.raised_at if sig.raised_at is not None else sig.at, change.at,
                                    change.count, seq))
                elif change.action == "repeat":
                    self.db.execute("UPDATE alarms SET count = ?, message = ?, updated_at = ?, seq = ? WHERE id = ?",
                                    (change.count, clip(sig.message), change.at, seq, change.alarm_id))
                else:
                    self.db.execute("UPDATE alarms SET cleared_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                                    (change.at, change.at, seq, change.alarm_id))
                seq += 1
            executemany(self.db, "INSERT INTO alarms (akey, type, device, subject, severity, message, raised_at, "
                                 "updated_at, count, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        return len(changes)

    def alarms_evaluate(self, cfg: AlarmConfig, now: Optional[float] = None) -> int:
        """Raise and clear what the devices' state implies (Out of Sync too long, ...); expire event alarms."""
        now = self.clock() if now is None else now
        # only what can change: active state alarms, and event alarms old enough to expire
        marks = ", ".join("?" * len(_STATE_TYPES))
        active = [alarm_view(r) for r in self.db.query(
            "SELECT %s FROM alarms WHERE cleared_at IS NULL AND (type IN (%s) OR updated_at <= ?)" % (_COLUMNS, marks),
            list(_STATE_TYPES) + [now - cfg.event_ttl])]
        by_device: dict[str, dict[str, dict[str, Any]]] = {}
        for row in active:
            by_device.setdefault(row["device"], {})["%s|%s|%s" % (row["type"], row["device"], row["subject"])] = row
        signals = expired_signals(active, now, cfg)
        names = set()
        for row in self.db.query("SELECT name, managed_status, connection_state, status_reason, "
                                 "status_changed_at, last_synced FROM devices"):
            names.add(row["name"])
            signals += device_signals(row, by_device.get(row["name"], {}), now, cfg)
        for row in active:  # state alarms of devices no longer in the store
            if row["type"] in _STATE_TYPES and row["device"] not in names:
                signals.append(Signal(row["type"], row["device"], False, now, "device removed from the store"))
        return self.alarm_signals(signals)

    def record_resync(self, name: str, ok: bool, started: float, message: str = "", down: bool = False,
                      size: Optional[int] = None) -> None:
        """Hook of a finished resync: Sync Failed / connection down alarms and the device's metrics."""
        now = self.clock()
        if ok:
            signals = [Signal("sync_failed", name, False, now, "resync succeeded"),
                       Signal("connection_down", name, False, now, "resync succeeded")]
        else:
            signals = [Signal("sync_failed", name, True, now, message or "resync failed")]
            if down:
                signals.append(Signal("connection_down", name, True, now, message or "device unreachable"))
        points = [("resync_duration", name, now, max(now - started, 0.0)), ("jobs_run", name, now, 1.0 if ok else 0.0)]
        if size is not None:
            points.append(("config_size", name, now, float(size)))
        with self.db.transaction():
            self.alarm_signals(signals)
            self.metric_record(points)

    def record_listener(self, signals: Iterable[Signal], commits: Mapping[str, int]) -> None:
        """Hook of a listener flush: its alarm signals and a ``commits_notified`` point per device."""
        now = self.clock()
        with self.db.transaction():
            self.alarm_signals(signals)
            self.metric_record(("commits_notified", d, now, float(n)) for d, n in commits.items())

    # -- reading ---------------------------------------------------------------------------------
    def alarms(self, state: str = "all", device: Optional[str] = None) -> list[dict[str, Any]]:
        """Alarms (``state``: ``active``, ``cleared`` or ``all``), oldest first."""
        sql, params = "SELECT %s FROM alarms WHERE 1 = 1" % _COLUMNS, []
        if state == "active":
            sql += " AND cleared_at IS NULL"
        elif state == "cleared":
            sql += " AND cleared_at IS NOT NULL"
        if device is not None:
            sql += " AND device = ?"
            params.append(device)
        return [alarm_view(r) for r in self.db.query(sql + " ORDER BY id", params)]

    def alarm_changes(self, since: int, limit: int) -> dict[str, Any]:
        """Alarms changed after sequence ``since`` (at most ``limit``, by sequence): the queue."""
        rows = self.db.query("SELECT %s FROM alarms WHERE seq > ? ORDER BY seq LIMIT ?" % _COLUMNS,
                             (int(since), int(limit) + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = int(rows[-1]["seq"]) if rows else max(int(since), 0)
        return {"cursor": cursor, "more": more, "alarms": [alarm_view(r) for r in rows]}

    def alarms_purge(self, cleared_before: float) -> int:
        """Delete alarms cleared before ``cleared_before``; cursors older than them expire."""
        with self.db.transaction():
            rows = self.db.query("SELECT MAX(seq) AS top FROM alarms WHERE cleared_at IS NOT NULL "
                                 "AND cleared_at < ?", (cleared_before,))
            top = rows[0]["top"] if rows else None
            if top is None:
                return 0
            gone = self.db.execute("DELETE FROM alarms WHERE cleared_at IS NOT NULL AND cleared_at < ?",
                                   (cleared_before,))
            if int(top) > self.alarm_horizon():
                self._alarm_meta_set("horizon", str(int(top)))
        return gone

    # -- metrics ---------------------------------------------------------------------------------
    def metric_record(self, points: Iterable[tuple[str, str, float, float]]) -> None:
        """Store points ``(name, device, time, value)`` (a point at an existing time replaces it)."""
        rows = [(str(n), str(d), float(t), float(v)) for n, d, t, v in points]
        if rows:
            with self.db.transaction():
                executemany(self.db, _METRIC_UPSERT, rows)

    def metric_series(self, name: str, device: str, start: float, end: float, after: Optional[float] = None,
                      limit: int = 100000) -> list[tuple[float, float]]:
        """Points of one series in ``[start, end]`` (after ``after``, exclusive), by time."""
        times, values = self.metric_columns(name, device, start, end, after, limit)
        return list(zip(times, values, strict=True))

    def metric_columns(self, name: str, device: str, start: float, end: float, after: Optional[float] = None,
                       limit: int = 100000) -> tuple[list[float], list[float]]:
        """``metric_series`` as two lists, times and values (the child server's fast path)."""
        sql = "SELECT at, value FROM metric_points WHERE name = ? AND device = ? AND at >= ? AND at <= ?"
        params: list[Any] = [name, device, float(start), float(end)]
        if after is not None:
            sql += " AND at > ?"
            params.append(float(after))
        sql += " ORDER BY at LIMIT ?"
        params.append(int(limit))
        if self.db.dialect == "sqlite":  # tuples straight from the driver: no dict per row
            conn: Any = self.db.conn  # type: ignore[attr-defined]
            rows: list[Any] = conn.execute(sql, params).fetchall()
            return [float(r[0]) for r in rows], [float(r[1]) for r in rows]
        found = self.db.query(sql, params)
        return [float(r["at"]) for r in found], [float(r["value"]) for r in found]

    def metric_index(self, device: str, name: Optional[str] = None) -> list[dict[str, Any]]:
        """The series held for ``device``: name, first and last point time, number of points."""
        sql = "SELECT name, MIN(at) AS first, MAX(at) AS last, COUNT(*) AS points FROM metric_points WHERE device = ?"
        params: list[Any] = [device]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        return [{"name": r["name"], "first": float(r["first"]), "last": float(r["last"]), "points": int(r["points"])}
                for r in self.db.query(sql + " GROUP BY name ORDER BY name", params)]
