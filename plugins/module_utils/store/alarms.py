# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site alarms role of the store: the alarms a child server queues (and the hooks that raise them).

Alarms: one row per alarm with its latest state; every change (raise, repeat,
clear) takes the next sequence number of ``alarm_meta`` (locked in the write
transaction, so sequence order is commit order on both back ends) and stores
it in ``seq``. ``changes(since)`` is the queue: every alarm whose last
change is after the cursor, in sequence order (compacted: an alarm that
changed twice since the cursor comes once, in its latest state). Cleared
alarms older than a retention are purged; a cursor older than the purge
horizon must restart from 0. The store has an alarm epoch: a reader that saw
another epoch starts again from 0.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._meta import Meta
from ansible_collections.netsync.fleet.plugins.module_utils.store.metrics import write_points
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


def alarm_view(row: dict[str, Any]) -> dict[str, Any]:
    """The API form of an alarm row (``state``: ``active`` or ``cleared``)."""
    out = {k: row[k] for k in ("id", "type", "device", "subject", "severity", "message", "raised_at",
                               "cleared_at", "updated_at", "count", "seq")}
    out["id"], out["count"], out["seq"] = int(out["id"]), int(out["count"]), int(out["seq"])
    out["state"] = "active" if row["cleared_at"] is None else "cleared"
    return out


class AlarmStore:
    """The site's alarms: raise, repeat, clear, the queue, purge."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock
        self.meta = Meta(db, "alarm_meta")

    def epoch(self) -> str:
        return self.meta.epoch()

    def cursor(self) -> int:
        return self.meta.cursor()

    def horizon(self) -> int:
        return self.meta.horizon()

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

    def apply(self, signals: Iterable[Signal]) -> int:
        """Apply signals (raise, repeat, clear); returns the number of changes (sequence numbers used)."""
        sigs = list(signals)
        if not sigs:
            return 0
        with self.db.transaction():
            changes = plan(self._active_by_key(sorted({s.key for s in sigs})), sigs)
            if not changes:
                return 0
            seq = self.meta.reserve(len(changes))
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
            self.db.executemany("INSERT INTO alarms (akey, type, device, subject, severity, message, raised_at, "
                                 "updated_at, count, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        return len(changes)

    def evaluate(self, cfg: AlarmConfig, now: Optional[float] = None) -> int:
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
        return self.apply(signals)

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
            self.apply(signals)
            write_points(self.db, points)

    def record_listener(self, signals: Iterable[Signal], commits: Mapping[str, int]) -> None:
        """Hook of a listener flush: its alarm signals and a ``commits_notified`` point per device."""
        now = self.clock()
        with self.db.transaction():
            self.apply(signals)
            write_points(self.db, [("commits_notified", d, now, float(n)) for d, n in commits.items()])

    # -- reading ---------------------------------------------------------------------------------
    def select(self, state: str = "all", device: Optional[str] = None) -> list[dict[str, Any]]:
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

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        """Alarms changed after sequence ``since`` (at most ``limit``, by sequence): the queue."""
        rows = self.db.query("SELECT %s FROM alarms WHERE seq > ? ORDER BY seq LIMIT ?" % _COLUMNS,
                             (int(since), int(limit) + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = int(rows[-1]["seq"]) if rows else max(int(since), 0)
        return {"cursor": cursor, "more": more, "alarms": [alarm_view(r) for r in rows]}

    def purge(self, cleared_before: float) -> int:
        """Delete alarms cleared before ``cleared_before``; cursors older than them expire."""
        with self.db.transaction():
            rows = self.db.query("SELECT MAX(seq) AS top FROM alarms WHERE cleared_at IS NOT NULL "
                                 "AND cleared_at < ?", (cleared_before,))
            top = rows[0]["top"] if rows else None
            if top is None:
                return 0
            gone = self.db.execute("DELETE FROM alarms WHERE cleared_at IS NOT NULL AND cleared_at < ?",
                                   (cleared_before,))
            self.meta.raise_horizon(int(top))
        return gone
