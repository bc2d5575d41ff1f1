# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the child server's alarm queue and metrics endpoints (see ``docs/federation-api.md``).

``register(app, api)`` adds them to the application of ``_federation_api.make_app``:

* ``GET /alarms/changes?since=&limit=&epoch=`` — alarms changed after the cursor, by sequence.
  Before answering, the state-derived alarms (Out of Sync too long, Sync Failed or connection
  down left by a crash, expired event alarms) are evaluated, at most once per
  ``AlarmConfig.evaluate_every`` seconds, and cleared alarms older than the retention purged.
* ``GET /metrics/index?object=&name=`` — the series held for an object, with their time span.
* ``GET /metrics/series?name=&object=&start=&end=&after=&limit=`` — points of one series, as two
  arrays ``times`` and ``values`` (compact, and cheap to check on the master).
"""
from __future__ import annotations

import json
import math
import time
from typing import Any

from aiohttp import web

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import API, ApiError, ChildApi
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import AlarmConfig
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import evaluate_alarms
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.metrics import SERIES

ENDPOINTS = ("/alarms/changes", "/metrics/index", "/metrics/series")
DEFAULT_RETENTION = 7 * 86400.0
MAX_POINTS = 100000
_COMPACT = (",", ":")


class AlarmApi:
    """Alarm and metric handlers sharing the child server's store, lock and counters."""

    def __init__(self, api: ChildApi) -> None:
        self.api = api
        cfg = getattr(api.cfg, "alarms", None)
        self.cfg: AlarmConfig = cfg if isinstance(cfg, AlarmConfig) else AlarmConfig()
        self.retention = float(getattr(api.cfg, "alarm_retention", DEFAULT_RETENTION))
        self._evaluated = float("-inf")

    def _evaluate(self, now: float) -> int:
        alarms = self.api.cfg.alarm_store
        changes = evaluate_alarms(alarms, self.api.cfg.devices, self.cfg, now)
        alarms.purge(now - self.retention)
        return changes

    async def evaluate(self) -> None:
        mono = time.monotonic()
        if mono - self._evaluated < self.cfg.evaluate_every:
            return
        await self.api.in_store(self._evaluate, self.api.cfg.clock())
        self._evaluated = time.monotonic()

    def _float(self, request: web.Request, name: str, default: float | None) -> float | None:
        raw = request.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ApiError(400, "bad_parameter", "%s must be a number (epoch seconds)" % name) from None
        if not math.isfinite(value):
            raise ApiError(400, "bad_parameter", "%s must be finite" % name)
        return value

    @staticmethod
    def _text(request: web.Request, name: str) -> str:
        value = request.query.get(name, "")
        if not value or len(value) > 255:
            raise ApiError(400, "bad_parameter", "%s is required (at most 255 characters)" % name)
        return value

    # -- handlers --------------------------------------------------------------------------------
    async def changes(self, request: web.Request) -> web.Response:
        api = self.api
        since = api.int_param(request, "since", 0, 0, 2 ** 62)
        limit = api.int_param(request, "limit", api.cfg.max_page, 1, api.cfg.max_page)
        await self.evaluate()
        alarms = api.cfg.alarm_store
        epoch = await api.in_store(alarms.epoch)
        asked = request.query.get("epoch")
        if asked is not None and asked != epoch:
            raise ApiError(410, "epoch_changed", "the store's alarm history changed: pull again from 0")
        horizon = await api.in_store(alarms.horizon)
        if 0 < since < horizon:
            raise ApiError(410, "cursor_expired", "cursor %d is older than the purged alarms (%d): pull again "
                                                  "from 0" % (since, horizon))
        page = await api.in_store(alarms.changes, since, limit)
        body = {"epoch": epoch, "cursor": page["cursor"], "more": page["more"], "server_time": api.server_time(),
                "alarms": page["alarms"]}
        return api.reply("/alarms/changes", json.dumps(body, separators=_COMPACT), objects=len(page["alarms"]))

    async def metric_index(self, request: web.Request) -> web.Response:
        obj = self._text(request, "object")
        name = request.query.get("name") or None
        series = await self.api.in_store(self.api.cfg.metrics.index, obj, name)
        body = {"object": obj, "series": series, "server_time": self.api.server_time()}
        return self.api.reply("/metrics/index", json.dumps(body, separators=_COMPACT), objects=len(series))

    async def metric_series(self, request: web.Request) -> web.Response:
        api = self.api
        name, obj = self._text(request, "name"), self._text(request, "object")
        if name not in SERIES:
            raise ApiError(400, "bad_parameter", "unknown metric %r (known: %s)" % (name, ", ".join(SERIES)))
        end = self._float(request, "end", api.cfg.clock())
        start = self._float(request, "start", (end or 0.0) - 3600.0)
        after = self._float(request, "after", None)
        if start is None or end is None:  # both have numeric defaults; kept for the type checker
            raise ApiError(400, "bad_parameter", "start and end are required")
        if start > end:
            raise ApiError(400, "bad_parameter", "start is after end")
        limit = api.int_param(request, "limit", MAX_POINTS, 1, MAX_POINTS)
        times, values = await api.in_store(api.cfg.metrics.columns, name, obj, start, end, after, limit + 1)
        more = len(times) > limit
        times, values = times[:limit], values[:limit]
        body = {"name": name, "object": obj, "start": start, "end": end, "more": more,
                "next": times[-1] if more else None, "times": times, "values": values}
        return api.reply("/metrics/series", json.dumps(body, separators=_COMPACT), objects=len(times))


def register(app: web.Application, api: ChildApi) -> AlarmApi:
    """Add the alarm and metric routes to a child server application."""
    handlers = AlarmApi(api)
    app.router.add_get(API + "/alarms/changes", handlers.changes)
    app.router.add_get(API + "/metrics/index", handlers.metric_index)
    app.router.add_get(API + "/metrics/series", handlers.metric_series)
    return handlers


def server_options(values: Any) -> dict[str, Any]:
    """``ServerConfig`` fields from the command line (``--out-of-sync-alarm-after``, ...)."""
    return {"alarms": AlarmConfig(out_of_sync_after=values.out_of_sync_alarm_after, event_ttl=values.event_alarm_ttl),
            "alarm_retention": values.alarm_retention}


def add_arguments(parser: Any) -> None:
    """The alarm options of the child server's command line."""
    parser.add_argument("--out-of-sync-alarm-after", type=float, default=600.0,
                        help="seconds a device may stay Out of Sync before an out_of_sync alarm")
    parser.add_argument("--event-alarm-ttl", type=float, default=3600.0,
                        help="seconds without a repeat after which an unknown_source or device_syslog alarm clears")
    parser.add_argument("--alarm-retention", type=float, default=DEFAULT_RETENTION,
                        help="seconds cleared alarms are kept")
