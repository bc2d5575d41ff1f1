# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The snapshot feed role of the store: what search, change notices and the report's history read.

Read-only over ``snapshots`` (plus a few ``store_meta`` keys for the notices' cursors):
- the latest rendering of every device, a page at a time, optionally only those containing a
  substring: on PostgreSQL (``strpos``) a text without it never crosses the network; SQLite has no
  fast substring search (its ``instr`` compares at every position, 3x slower than reading the text
  into Python and searching it there: docs/benchmarks.md), so there the filter is left to the caller;
- every version taken within a time range;
- each device's newest version (``heads``) and the versions after a given one, with the commit
  comment when the store has that column (``snapshots.commit_comment``, schema 7: read only when present).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database

_META = "device, version, taken_at, commit_time, commit_user, commit_seq, job_id"
PAGE = 200  # renderings per query: memory stays bounded (a few MB), round trips few


class SnapshotFeed:
    """Reads of the snapshots for history features."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._has_comment: Optional[bool] = None

    def has_commit_comment(self) -> bool:
        """Does ``snapshots`` have the ``commit_comment`` column (added by schema 7)?"""
        if self._has_comment is None:
            if self.db.dialect == "postgresql":
                rows = self.db.query("SELECT 1 AS x FROM information_schema.columns WHERE table_name = 'snapshots' "
                                     "AND column_name = 'commit_comment' AND table_schema = current_schema()")
            else:
                rows = [r for r in self.db.query("PRAGMA table_info(snapshots)") if r["name"] == "commit_comment"]
            self._has_comment = bool(rows)
        return self._has_comment

    def _meta_columns(self, alias: str = "") -> str:
        cols = ", ".join(alias + c.strip() for c in _META.split(","))
        return cols + (", %scommit_comment" % alias if self.has_commit_comment() else ", NULL AS commit_comment")

    def _filters(self, prefix: str, contains: Optional[str], devices: Optional[list[str]],
                 params: list[Any]) -> list[str]:
        """SQL conditions: "the rendering contains ``contains``" (PostgreSQL only, see the module doc)
        and "the device is one of ``devices``" (``None``: any, ``[]``: none), on columns ``<prefix>x``."""
        where = []
        if contains is not None and self.db.dialect == "postgresql":
            where.append("strpos(%srendered, ?) > 0" % prefix)
            params.append(contains)
        if devices is not None:
            where.append("%sdevice IN (%s)" % (prefix, ", ".join("?" * len(devices))) if devices else "1 = 0")
            params.extend(devices)
        return where

    def _texts(self, select: str, where: list[str], params: list[Any], keyset: str, order: str,
               key: Callable[[tuple[Any, ...]], list[Any]], first: list[Any]) -> Iterator[tuple[str, int, float, str]]:
        """``(device, version, taken_at, rendered)`` rows of ``select`` under the conditions ``where``, a
        page at a time: each page's query adds ``keyset``, whose parameters ``key`` takes from the last row."""
        sql = "%s WHERE %s ORDER BY %s LIMIT %d" % (select, " AND ".join(where + [keyset]), order, PAGE)
        after = first
        while True:
            rows = self.db.tuples(sql, params + after)
            for row in rows:
                yield str(row[0]), int(row[1]), float(row[2]), str(row[3])
            if len(rows) < PAGE:
                return
            after = key(rows[-1])

    # -- search ----------------------------------------------------------------------------
    def latest_texts(self, contains: Optional[str] = None, devices: Optional[list[str]] = None
                     ) -> Iterator[tuple[str, int, float, str]]:
        """``(device, version, taken_at, rendered)`` of each device's latest snapshot, by device name.

        ``contains``: may leave out renderings without this exact substring. ``devices``: only these."""
        params: list[Any] = []
        where = ["s.version = (SELECT MAX(m.version) FROM snapshots m WHERE m.device = s.device)"]
        where += self._filters("s.", contains, devices, params)
        return self._texts("SELECT s.device, s.version, s.taken_at, s.rendered FROM snapshots s", where, params,
                           "s.device > ?", "s.device", lambda row: [str(row[0])], [""])

    def texts_between(self, since: Optional[float], until: Optional[float], contains: Optional[str] = None,
                      devices: Optional[list[str]] = None) -> Iterator[tuple[str, int, float, str]]:
        """``(device, version, taken_at, rendered)`` of every version taken in ``[since, until]``,
        by device then version (``None``: open end)."""
        params: list[Any] = []
        where = []
        if since is not None:
            where.append("taken_at >= ?")
            params.append(float(since))
        if until is not None:
            where.append("taken_at <= ?")
            params.append(float(until))
        where += self._filters("", contains, devices, params)
        return self._texts("SELECT device, version, taken_at, rendered FROM snapshots", where, params,
                           "(device > ? OR (device = ? AND version > ?))", "device, version",
                           lambda row: [str(row[0]), str(row[0]), int(row[1])], ["", "", 0])

    # -- notices and history ------------------------------------------------------------------
    def heads(self) -> dict[str, int]:
        """Each device's newest snapshot version."""
        return {str(r["device"]): int(r["v"])
                for r in self.db.query("SELECT device, MAX(version) AS v FROM snapshots GROUP BY device")}

    def versions(self, device: str, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Snapshot metadata (with ``commit_comment``, None when the store has no such column) of the
        oldest ``limit`` versions of ``device`` above ``after``, oldest first."""
        return self.db.query("SELECT %s FROM snapshots WHERE device = ? AND version > ? ORDER BY version LIMIT ?"
                             % self._meta_columns(), (device, int(after), int(limit)))

    def snapshots(self, device: str, versions: list[int]) -> dict[int, dict[str, Any]]:
        """Format, configuration as read and stored rendering of some versions of one device (what
        ``history.text`` makes each platform's readable text and diff from)."""
        if not versions:
            return {}
        rows = self.db.query("SELECT version, format, config, rendered FROM snapshots WHERE device = ? AND "
                             "version IN (%s)" % ", ".join("?" * len(versions)), [device] + [int(v) for v in versions])
        return {int(r["version"]): dict(r) for r in rows}

    def renderings(self, device: str, versions: list[int]) -> dict[int, str]:
        """The stored renderings of some versions of one device."""
        if not versions:
            return {}
        rows = self.db.query("SELECT version, rendered FROM snapshots WHERE device = ? AND version IN (%s)"
                             % ", ".join("?" * len(versions)), [device] + [int(v) for v in versions])
        return {int(r["version"]): str(r["rendered"]) for r in rows}

    # -- cursors (store_meta) ---------------------------------------------------------------
    def get_cursor(self, name: str) -> Optional[str]:
        rows = self.db.query("SELECT value FROM store_meta WHERE key = ?", ("cursor:" + name,))
        return str(rows[0]["value"]) if rows else None

    def set_cursor(self, name: str, value: str) -> None:
        """Save a named cursor (a ``store_meta`` row ``cursor:<name>``) in one transaction."""
        with self.db.transaction():
            key = "cursor:" + name
            self.db.execute("INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                            "value = excluded.value", (key, value))
