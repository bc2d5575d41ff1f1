# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: a key/value meta table of a change feed (sequence, epoch, horizon).

The topology objects and the alarms each have one (``topo_meta``, ``alarm_meta``):
``reserve`` hands out sequence numbers inside the caller's write transaction
(the row is locked, so sequence order is commit order on both back ends),
``epoch`` is a random id of the feed's history (a new one means "start over"),
``horizon`` the lowest cursor still followable.
"""
from __future__ import annotations

import uuid
from typing import Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database


class Meta:
    """The meta rows of one feed, in ``table``."""

    def __init__(self, db: Database, table: str) -> None:
        self.db = db
        self.table = table

    def get(self, key: str, lock: bool = False) -> Optional[str]:
        sql = "SELECT value FROM %s WHERE key = ?" % self.table
        if lock and self.db.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = self.db.query(sql, (key,))
        return str(rows[0]["value"]) if rows else None

    def set(self, key: str, value: str) -> None:
        """Insert or replace, in one statement (two writers of a new key at once never collide)."""
        self.db.execute("INSERT INTO %s (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                        "excluded.value" % self.table, (key, value))

    def reserve(self, count: int) -> int:
        """Reserve ``count`` sequence numbers (inside a write transaction); returns the first."""
        current = int(self.get("seq", lock=True) or 0)
        self.set("seq", str(current + count))
        return current + 1

    def cursor(self) -> int:
        """The highest sequence number given so far (0 for an empty feed)."""
        return int(self.get("seq") or 0)

    def horizon(self) -> int:
        """Cursors below this cannot be followed any more (rows were pruned)."""
        return int(self.get("horizon") or 0)

    def raise_horizon(self, seq: int) -> None:
        if int(seq) > self.horizon():
            self.set("horizon", str(int(seq)))

    def epoch(self) -> str:
        """A random id of this feed's history, made on first use."""
        epoch = self.get("epoch")
        if epoch is None:
            with self.db.transaction():
                epoch = self.get("epoch", lock=True)
                if epoch is None:
                    epoch = uuid.uuid4().hex
                    self.set("epoch", epoch)
        return epoch
