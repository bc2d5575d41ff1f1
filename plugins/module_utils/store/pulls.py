# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The master's pull state per child and stream (``fed_pulls``, keyed by child and stream).

A stream is what the master pulls from a child: ``topology`` (the inventory
sync) or ``alarms`` (the alarms lookup). The state: ``url``, ``epoch``,
``cursor``, ``last_pull``, ``last_success``, ``clock_offset``, ``stale``,
``suspect`` and ``error``. Rows are returned with the child's name in ``name``.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database

TOPOLOGY = "topology"
ALARMS = "alarms"
FIELDS = ("url", "epoch", "cursor", "last_pull", "last_success", "clock_offset", "stale", "suspect", "error")
_SELECT = "SELECT child AS name, %s FROM fed_pulls" % ", ".join(FIELDS)


class PullStates:
    """The pull state of every child for one ``stream``."""

    def __init__(self, db: Database, stream: str) -> None:
        self.db = db
        self.stream = stream

    def all(self) -> dict[str, dict[str, Any]]:
        """Every known child's state row by name."""
        rows = self.db.query(_SELECT + " WHERE stream = ? ORDER BY child", (self.stream,))
        return {r["name"]: r for r in rows}

    def _ensure(self, name: str, url: str = "") -> None:
        if not self.db.query("SELECT child FROM fed_pulls WHERE child = ? AND stream = ?", (name, self.stream)):
            self.db.execute("INSERT INTO fed_pulls (child, stream, url) VALUES (?, ?, ?)", (name, self.stream, url))

    def save(self, name: str, **fields: Any) -> None:
        """Create or update a child's state (``url``, ``epoch``, ``cursor``, ``last_pull``, ...)."""
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ValueError("unknown child fields: %s" % ", ".join(sorted(unknown)))
        with self.db.transaction():
            self._ensure(name)
            for field, value in fields.items():
                self.db.execute("UPDATE fed_pulls SET %s = ? WHERE child = ? AND stream = ?" % field,
                                (value, name, self.stream))

    def claim(self, name: str, url: str, now: float, delay: float) -> bool:
        """Take the pull of ``name`` if its last pull is older than ``delay`` (or it moved to ``url``).

        True for one caller only, across processes: the claim sets ``last_pull``.
        """
        with self.db.transaction():
            self._ensure(name, url)
            return self.db.execute("UPDATE fed_pulls SET last_pull = ?, url = ? WHERE child = ? AND stream = ? AND "
                                   "(last_pull IS NULL OR last_pull <= ? OR last_pull > ? OR url <> ?)",
                                   (now, url, name, self.stream, now - delay, now, url)) > 0

    def forget(self, name: str) -> None:
        self.db.execute("DELETE FROM fed_pulls WHERE child = ? AND stream = ?", (name, self.stream))
