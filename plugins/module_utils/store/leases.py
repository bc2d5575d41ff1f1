# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The leases role of the store: one holder at a time per named lease, with expiry.

The auto-resync listeners of one store take turns holding the lease ``listener``: the
holder is the leader (it runs the damper and dispatches jobs), the others stand by. Taking
or renewing is one conditional UPDATE, atomic on SQLite (``BEGIN IMMEDIATE``) and on
PostgreSQL (the row lock re-checks the condition), so two contenders never both win. On
PostgreSQL expiry is judged by the database server's clock, so the listeners' machines may
disagree on the time; on SQLite (one machine) by the store's clock.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database

_PG_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


class LeaseStore:
    """Named leases (table ``leases``, schema 8)."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    def _now(self) -> tuple[str, tuple[Any, ...]]:
        if self.db.dialect == "postgresql":
            return _PG_NOW, ()
        return "?", (self.clock(),)

    def hold(self, holder: str, ttl: float, name: str = "listener") -> bool:
        """Take or renew ``name`` for ``ttl`` seconds; False while another holder's lease runs."""
        now, arg = self._now()
        sql = ("UPDATE leases SET since = CASE WHEN holder = ? AND until >= {now} THEN since ELSE {now} END, "
               "epoch = CASE WHEN holder = ? AND until >= {now} THEN epoch ELSE epoch + 1 END, "
               "holder = ?, until = {now} + ? "
               "WHERE name = ? AND (holder = ? OR until < {now})").replace("{now}", now)
        params = (holder,) + arg + arg + (holder,) + arg + (holder,) + arg + (float(ttl), name, holder) + arg
        with self.db.transaction():
            return self.db.execute(sql, params) == 1

    def release(self, holder: str, name: str = "listener") -> bool:
        """Give ``name`` up at once (a clean stop), so another contender need not wait for expiry."""
        return self.db.execute("UPDATE leases SET until = 0 WHERE name = ? AND holder = ?", (name, holder)) == 1

    def get(self, name: str = "listener") -> Optional[dict[str, Any]]:
        """The lease's holder, since when, until when, its epoch (holder changes) and ``held``."""
        now, arg = self._now()
        rows = self.db.query("SELECT holder, since, until, epoch, %s AS now FROM leases WHERE name = ?" % now,
                             arg + (name,))
        if not rows:
            return None
        row = dict(rows[0])
        row["held"] = bool(row["holder"]) and float(row["until"]) >= float(row["now"])
        return row
