# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site alarms role of the store: the alarms a child server queues (written as :mod:`alarms.service` decides).

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

from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._meta import Meta

_COLUMNS = "id, type, device, subject, severity, message, raised_at, cleared_at, updated_at, count, seq"
Change = tuple[str, Sequence[Any]]  # ("raise" | "repeat" | "clear", values): see AlarmStore.write
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

    # -- writing (what :mod:`alarms.service` decided) ------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several calls as one write transaction (read the active alarms, then write the changes)."""
        with self.db.transaction():
            yield

    def active_by_key(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{akey: {id, akey, count, raised_at}}`` of the active alarms among ``keys``."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.db.in_batches("SELECT id, akey, count, raised_at FROM alarms WHERE cleared_at IS NULL "
                                      "AND akey IN (%s)", keys, size=_BATCH):
            out[row["akey"]] = row
        return out

    def write(self, changes: Sequence[Change]) -> int:
        """Apply ``changes`` in order, each with the next sequence number; returns how many.

        A change is ``("raise", (akey, type, device, subject, severity, message, raised_at, at, count))``,
        ``("repeat", (alarm_id, count, message, at))`` or ``("clear", (alarm_id, at))``.
        """
        if not changes:
            return 0
        with self.db.transaction():
            seq = self.meta.reserve(len(changes))
            inserts = []
            for action, values in changes:
                if action == "raise":
                    inserts.append(tuple(values) + (seq,))
                elif action == "repeat":
                    alarm_id, count, message, at = values
                    self.db.execute("UPDATE alarms SET count = ?, message = ?, updated_at = ?, seq = ? WHERE id = ?",
                                    (count, message, at, seq, alarm_id))
                else:
                    alarm_id, at = values
                    self.db.execute("UPDATE alarms SET cleared_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                                    (at, at, seq, alarm_id))
                seq += 1
            self.db.executemany("INSERT INTO alarms (akey, type, device, subject, severity, message, raised_at, "
                                "updated_at, count, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        return len(changes)

    def to_evaluate(self, state_types: Sequence[str], updated_before: float) -> list[dict[str, Any]]:
        """Active alarms (API form) of ``state_types``, and other active alarms last updated by ``updated_before``."""
        marks = ", ".join("?" * len(state_types))
        return [alarm_view(r) for r in self.db.query(
            "SELECT %s FROM alarms WHERE cleared_at IS NULL AND (type IN (%s) OR updated_at <= ?)" % (_COLUMNS, marks),
            list(state_types) + [updated_before])]

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
