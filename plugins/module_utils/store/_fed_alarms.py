# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the master's copies of children's alarms and its metric source sets (a mixin of ``Store``).

Per child: alarm pull state (epoch, cursor, last pull, clock offset, stale and
suspect flags) in ``fed_alarm_children`` and a copy of its alarms in
``fed_alarms`` (one JSON body per alarm, latest state). Separate ansible runs
share them: ``fed_alarm_claim`` lets one process at a time pull a child whose
last pull is older than the delay. ``fed_metric_sources`` keeps, per metric
and object, which children hold data, when that was determined and under
which federation configuration.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._topology import executemany

_FIELDS = ("url", "epoch", "cursor", "last_pull", "last_success", "clock_offset", "stale", "suspect", "error")
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


class FedAlarmStoreMixin:
    """Master-side alarm copies and metric source sets; ``self.db`` comes from ``Store``."""

    db: Database
    clock: Callable[[], float]

    # -- children's alarm pull state -----------------------------------------------------------
    def fed_alarm_children(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.db.query("SELECT * FROM fed_alarm_children ORDER BY name")}

    def fed_alarm_save_child(self, name: str, **fields: Any) -> None:
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError("unknown child fields: %s" % ", ".join(sorted(unknown)))
        with self.db.transaction():
            if not self.db.query("SELECT name FROM fed_alarm_children WHERE name = ?", (name,)):
                self.db.execute("INSERT INTO fed_alarm_children (name) VALUES (?)", (name,))
            for key, value in fields.items():
                self.db.execute("UPDATE fed_alarm_children SET %s = ? WHERE name = ?" % key, (value, name))

    def fed_alarm_claim(self, name: str, url: str, now: float, delay: float) -> bool:
        """Take the pull of ``name`` if its last pull is older than ``delay`` (or it moved to ``url``).

        True for one caller only, across processes: the claim sets ``last_pull``.
        """
        with self.db.transaction():
            if not self.db.query("SELECT name FROM fed_alarm_children WHERE name = ?", (name,)):
                self.db.execute("INSERT INTO fed_alarm_children (name, url) VALUES (?, ?)", (name, url))
            return self.db.execute("UPDATE fed_alarm_children SET last_pull = ?, url = ? WHERE name = ? AND "
                                   "(last_pull IS NULL OR last_pull <= ? OR last_pull > ? OR url <> ?)",
                                   (now, url, name, now - delay, now, url)) > 0

    def fed_alarm_forget(self, name: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_alarms WHERE child = ?", (name,))
            self.db.execute("DELETE FROM fed_alarm_children WHERE name = ?", (name,))

    # -- copies --------------------------------------------------------------------------------
    def fed_alarm_apply(self, child: str, alarms: Iterable[Mapping[str, Any]], replace: bool = False) -> int:
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
            executemany(self.db, _UPSERT, rows)
        return len(rows)

    def fed_alarm_list(self, children: Optional[Collection[str]] = None, device: Optional[str] = None,
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
    def fed_metric_sources(self, name: str, obj: str) -> Optional[dict[str, Any]]:
        """``{"config", "determined_at", "sources"}`` of a metric and object, if determined before."""
        rows = self.db.query("SELECT config, determined_at, body FROM fed_metric_sources WHERE name = ? AND object = ?",
                             (name, obj))
        if not rows:
            return None
        return {"config": rows[0]["config"], "determined_at": float(rows[0]["determined_at"]),
                "sources": json.loads(rows[0]["body"])}

    def fed_metric_sources_save(self, name: str, obj: str, config: str, at: float, sources: Any) -> None:
        body = json.dumps(sources, sort_keys=True)
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_metric_sources WHERE name = ? AND object = ?", (name, obj))
            self.db.execute("INSERT INTO fed_metric_sources (name, object, config, determined_at, body) "
                            "VALUES (?, ?, ?, ?, ?)", (name, obj, config, at, body))
