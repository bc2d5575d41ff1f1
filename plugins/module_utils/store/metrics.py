# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site metrics role of the store: ``metric_points`` (name, device, time, value)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database

_UPSERT = ("INSERT INTO metric_points (name, device, at, value) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (name, device, at) DO UPDATE SET value = excluded.value")


def write_points(db: Database, points: Iterable[tuple[str, str, float, float]]) -> None:
    """Store points ``(name, device, time, value)`` (a point at an existing time replaces it)."""
    rows = [(str(n), str(d), float(t), float(v)) for n, d, t, v in points]
    if rows:
        with db.transaction():
            db.executemany(_UPSERT, rows)


class MetricStore:
    """The site's metric series."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, points: Iterable[tuple[str, str, float, float]]) -> None:
        """Store points ``(name, device, time, value)`` (a point at an existing time replaces it)."""
        write_points(self.db, points)

    def series(self, name: str, device: str, start: float, end: float, after: Optional[float] = None,
               limit: int = 100000) -> list[tuple[float, float]]:
        """Points of one series in ``[start, end]`` (after ``after``, exclusive), by time."""
        times, values = self.columns(name, device, start, end, after, limit)
        return list(zip(times, values, strict=True))

    def columns(self, name: str, device: str, start: float, end: float, after: Optional[float] = None,
                limit: int = 100000) -> tuple[list[float], list[float]]:
        """``series`` as two lists, times and values (the child server's fast path)."""
        sql = "SELECT at, value FROM metric_points WHERE name = ? AND device = ? AND at >= ? AND at <= ?"
        params: list[Any] = [name, device, float(start), float(end)]
        if after is not None:
            sql += " AND at > ?"
            params.append(float(after))
        sql += " ORDER BY at LIMIT ?"
        params.append(int(limit))
        rows = self.db.tuples(sql, params)  # no dict per row
        return [float(r[0]) for r in rows], [float(r[1]) for r in rows]

    def index(self, device: str, name: Optional[str] = None) -> list[dict[str, Any]]:
        """The series held for ``device``: name, first and last point time, number of points."""
        sql = "SELECT name, MIN(at) AS first, MAX(at) AS last, COUNT(*) AS points FROM metric_points WHERE device = ?"
        params: list[Any] = [device]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        return [{"name": r["name"], "first": float(r["first"]), "last": float(r["last"]), "points": int(r["points"])}
                for r in self.db.query(sql + " GROUP BY name ORDER BY name", params)]
