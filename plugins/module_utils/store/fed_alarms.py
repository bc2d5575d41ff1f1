# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The master's alarms role of the store: copies of children's alarms and the metric source sets.

Per child: the alarm pull state (``pulls``, stream ``alarms``) and a copy of
its alarms in ``fed_alarms`` (one row per alarm, latest state). Separate
ansible runs share them: ``pulls.claim`` lets one process at a time pull a
child whose last pull is older than the delay. ``fed_metric_sources`` keeps,
per metric and object, which children hold data, when that was determined
and under which federation configuration.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store.pulls import ALARMS, PullStates

_COLUMNS = ("id", "type", "device", "subject", "severity", "message", "raised_at", "cleared_at", "updated_at",
            "count", "seq")
_UPSERT = ("INSERT INTO fed_alarms (child, %s) VALUES (?, %s) ON CONFLICT (child, id) DO UPDATE SET %s"
           % (", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS)),
              ", ".join("%s = excluded.%s" % (c, c) for c in _COLUMNS[1:])))


def _opt(value: Any) -> Optional[float]:
    return None if value is None else float(value)


def _row(child: str, a: Mapping[str, Any]) -> tuple[Any, ...]:
    """A copy row from an alarm of the API (ValueError/TypeError on a bad field)."""
    return (child, int(a["id"]), str(a["type"]), str(a["device"]), str(a.get("subject") or ""), str(a["severity"]),
            str(a.get("message") or ""), _opt(a.get("raised_at")), _opt(a.get("cleared_at")),
            _opt(a.get("updated_at")), int(a.get("count") or 1), int(a.get("seq") or 0))


class FedAlarmStore:
    """The master's alarm copies (with their pull state) and metric source sets."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pulls = PullStates(db, ALARMS)

    def forget(self, child: str) -> None:
        """Drop a child's alarm copy and pull state (it left the configuration)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_alarms WHERE child = ?", (child,))
            self.pulls.forget(child)

    # -- copies --------------------------------------------------------------------------------
    def apply(self, child: str, alarms: Iterable[Mapping[str, Any]], replace: bool = False) -> int:
        """Upsert alarms (API form) into the child's copy; ``replace`` drops the old copy first.

        ValueError if an alarm lacks a field or has one of the wrong type (nothing is written).
        """
        try:
            rows = [_row(child, a) for a in alarms]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("an alarm with a missing or malformed field: %s" % exc) from exc
        with self.db.transaction():
            if replace:
                self.db.execute("DELETE FROM fed_alarms WHERE child = ?", (child,))
            self.db.executemany(_UPSERT, rows)
        return len(rows)

    def select(self, children: Optional[Collection[str]] = None, device: Optional[str] = None,
               cleared: Optional[bool] = None, severities: Optional[Collection[str]] = None
               ) -> list[dict[str, Any]]:
        """Copied alarms (API form), each with ``child``; filtered in SQL by child, device, state, severity."""
        sql, params = "SELECT child, %s FROM fed_alarms WHERE 1 = 1" % ", ".join(_COLUMNS), []  # type: tuple[str, list[Any]]
        for column, values in (("child", children), ("severity", severities)):
            if values is not None:
                vals = sorted(values)
                if not vals:
                    return []
                sql += " AND %s IN (%s)" % (column, ", ".join("?" * len(vals)))
                params += vals
        if device is not None:
            sql += " AND device = ?"
            params.append(device)
        if cleared is not None:
            sql += " AND cleared_at IS %s NULL" % ("NOT" if cleared else "")
        out = self.db.query(sql + " ORDER BY child, id", params)
        for row in out:
            row["state"] = "active" if row["cleared_at"] is None else "cleared"
        return out

    # -- metric source sets --------------------------------------------------------------------
    def metric_sources(self, name: str, obj: str) -> Optional[dict[str, Any]]:
        """``{"config", "determined_at", "sources"}`` of a metric and object, if determined before."""
        rows = self.db.query("SELECT config, determined_at, body FROM fed_metric_sources WHERE name = ? AND object = ?",
                             (name, obj))
        if not rows:
            return None
        return {"config": rows[0]["config"], "determined_at": float(rows[0]["determined_at"]),
                "sources": json.loads(rows[0]["body"])}

    def save_metric_sources(self, name: str, obj: str, config: str, at: float, sources: Any) -> None:
        body = json.dumps(sources, sort_keys=True)
        with self.db.transaction():
            self.db.execute("INSERT INTO fed_metric_sources (name, object, config, determined_at, body) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, object) DO UPDATE SET config = excluded.config, "
                            "determined_at = excluded.determined_at, body = excluded.body",
                            (name, obj, config, at, body))
