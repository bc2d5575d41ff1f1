# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the child server's HTTP API (aiohttp handlers, auth, limits, counters).

See ``docs/federation-api.md``. Every answer is JSON; errors are
``{"error": code, "message": text}``. The store is used from one worker
thread at a time (``asyncio.to_thread`` under a lock).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ansible_collections.netsync.fleet.plugins.module_utils.store import (
    AlarmStore, DeviceStore, MetricStore, Store, TopologyStore,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology.refresh import refresh_topology

LOG = logging.getLogger("netsync.fleet.federation_child")
API = "/api/v1"
DEFAULT_MAX_PAGE = 5000
DEFAULT_MAX_REQUEST = 1024 * 1024
ENDPOINTS = ("/time", "/topology/types", "/topology/changes", "/topology/index", "/topology/objects", "/stats",
             "/alarms/changes", "/metrics/index", "/metrics/series")  # the last three: _federation_api_alarms.py
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An error answered as ``{"error": code, "message": text}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class ServerConfig:
    """What a child server serves and how."""

    devices: DeviceStore
    topology: TopologyStore
    alarm_store: AlarmStore
    metrics: MetricStore
    site: str
    token: str
    max_page: int = DEFAULT_MAX_PAGE
    refresh_interval: float = 1.0
    clock_offset: float = 0.0  # test-only: shifts the reported server time (seconds)
    clock: Callable[[], float] = time.time
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    alarms: Any = None  # alarms.AlarmConfig (None: defaults)
    alarm_retention: float = 7 * 86400.0  # seconds cleared alarms are kept


def server_config(store: Store, site: str, token: str, **options: Any) -> ServerConfig:
    """The configuration of a child server of ``store``: the roles it reads and serves."""
    return ServerConfig(devices=store.devices, topology=store.topology, alarm_store=store.alarms,
                        metrics=store.metrics, site=site, token=token, **options)


def error_body(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


class ChildApi:
    """The handlers of one child server."""

    def __init__(self, cfg: ServerConfig) -> None:
        self.cfg = cfg
        self._lock = asyncio.Lock()
        self._refreshed = float("-inf")
        self.last_refresh: dict[str, Any] = {}

    # -- plumbing ----------------------------------------------------------------------------
    def count(self, endpoint: str, **values: int) -> None:
        slot = self.cfg.counters.setdefault(endpoint, {"requests": 0, "objects": 0, "deleted": 0, "bytes": 0,
                                                       "errors": 0})
        for name, value in values.items():
            slot[name] = slot.get(name, 0) + value

    async def in_store(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a store call in a worker thread, one at a time (the store handle is not shared across threads)."""
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    async def refresh(self, force: bool = False) -> None:
        """Derive topology from new snapshots, at most once per ``refresh_interval``."""
        now = time.monotonic()
        if not force and now - self._refreshed < self.cfg.refresh_interval:
            return
        self.last_refresh = await self.in_store(refresh_topology, self.cfg.devices, self.cfg.topology, self.cfg.site)
        self._refreshed = time.monotonic()

    def server_time(self) -> float:
        return self.cfg.clock() + self.cfg.clock_offset

    def int_param(self, request: web.Request, name: str, default: int, low: int, high: int) -> int:
        raw = request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "bad_parameter", "%s must be an integer" % name) from None
        if not low <= value <= high:
            raise ApiError(400, "bad_parameter", "%s must be between %d and %d" % (name, low, high))
        return value

    @staticmethod
    def _types(request: web.Request) -> list[str]:
        raw = request.query.get("types", "")
        return [t for t in raw.split(",") if t] if raw else []

    def reply(self, endpoint: str, text: str, objects: int = 0, deleted: int = 0) -> web.Response:
        data = text.encode("utf-8")
        self.count(endpoint, bytes=len(data), objects=objects, deleted=deleted)
        return web.Response(body=data, content_type="application/json")

    # -- middleware --------------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        endpoint = request.path[len(API):] if request.path.startswith(API) else ""
        if endpoint not in ENDPOINTS:
            endpoint = "other"  # unknown paths share one counter (no unbounded growth)
        self.count(endpoint, requests=1)
        try:
            header = request.headers.get("Authorization", "")
            given = header[7:].strip() if header[:7].lower() == "bearer " else ""
            if not hmac.compare_digest(given.encode("utf-8"), self.cfg.token.encode("utf-8")):
                raise ApiError(401, "unauthorized", "a valid bearer token is required")
            return await handler(request)
        except ApiError as exc:
            self.count(endpoint, errors=1)
            resp = error_body(exc.status, exc.code, exc.message)
            if exc.status == 401:
                resp.headers["WWW-Authenticate"] = 'Bearer realm="netsync-federation"'
            return resp
        except web.HTTPRequestEntityTooLarge as exc:
            self.count(endpoint, errors=1)
            return error_body(413, "request_too_large", exc.text or "request body too large")
        except web.HTTPException as exc:
            self.count(endpoint, errors=1)
            code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
            return error_body(exc.status, code, exc.reason)
        except Exception as exc:  # noqa: BLE001 - a server answers, it does not crash
            self.count(endpoint, errors=1)
            LOG.exception("federation child: internal error on %s %s", request.method, endpoint)  # traceback
            return error_body(500, "internal_error", type(exc).__name__)

    # -- handlers ----------------------------------------------------------------------------
    async def time(self, request: web.Request) -> web.Response:
        body = {"server_time": self.server_time(), "site": self.cfg.site, "api": 1}
        return self.reply("/time", json.dumps(body))

    async def types(self, request: web.Request) -> web.Response:
        await self.refresh()
        types = await self.in_store(self.cfg.topology.types)
        epoch = await self.in_store(self.cfg.topology.epoch)
        return self.reply("/topology/types", json.dumps({"epoch": epoch, "types": types}), objects=len(types))

    async def _check_epoch(self, request: web.Request) -> str:
        epoch: str = await self.in_store(self.cfg.topology.epoch)
        asked = request.query.get("epoch")
        if asked is not None and asked != epoch:
            raise ApiError(410, "epoch_changed", "the store's topology history changed: pull the full index")
        return epoch

    async def changes(self, request: web.Request) -> web.Response:
        since = self.int_param(request, "since", 0, 0, 2 ** 62)
        limit = self.int_param(request, "limit", self.cfg.max_page, 1, self.cfg.max_page)
        types = self._types(request)
        await self.refresh()
        epoch = await self._check_epoch(request)
        horizon = await self.in_store(self.cfg.topology.horizon)
        if 0 < since < horizon:
            raise ApiError(410, "cursor_expired", "cursor %d is older than the kept deletions (%d): "
                                                  "pull the full index" % (since, horizon))
        page = await self.in_store(self.cfg.topology.changes, since, limit, types)
        head = {"epoch": epoch, "cursor": page["cursor"], "more": page["more"], "server_time": self.server_time(),
                "deleted": [{"type": t, "key": k} for t, k in page["deleted"]]}
        text = json.dumps(head)[:-1] + ',"objects":[' + ",".join(page["objects"]) + "]}"
        return self.reply("/topology/changes", text, objects=len(page["objects"]), deleted=len(page["deleted"]))

    async def index(self, request: web.Request) -> web.Response:
        limit = self.int_param(request, "limit", self.cfg.max_page * 10, 1, self.cfg.max_page * 10)
        after = request.query.get("after", "")
        if not after:
            await self.refresh()
        epoch = await self._check_epoch(request)
        cursor = await self.in_store(self.cfg.topology.cursor)
        rows = await self.in_store(self.cfg.topology.index, after, limit + 1, self._types(request))
        more = len(rows) > limit
        rows = rows[:limit]
        body = {"epoch": epoch, "cursor": cursor, "more": more, "next": rows[-1][1] if more else None,
                "objects": [list(r) for r in rows]}
        return self.reply("/topology/index", json.dumps(body, separators=(",", ":")), objects=len(rows))

    async def objects(self, request: web.Request) -> web.Response:
        try:
            doc = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "bad_json", "the request body must be a JSON object") from None
        except RecursionError:  # the C decoder's nesting guard: '[[[[…' a million deep
            raise ApiError(400, "bad_json", "the request body is nested too deeply") from None
        keys = doc.get("keys") if isinstance(doc, dict) else None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ApiError(400, "bad_request", '"keys" must be a list of strings')
        if len(keys) > self.cfg.max_page:
            raise ApiError(413, "too_many_keys", "at most %d keys per request" % self.cfg.max_page)
        epoch = await self._check_epoch(request)
        bodies = await self.in_store(self.cfg.topology.objects, keys)
        text = json.dumps({"epoch": epoch})[:-1] + ',"objects":[' + ",".join(bodies) + "]}"
        return self.reply("/topology/objects", text, objects=len(bodies))

    async def stats(self, request: web.Request) -> web.Response:
        body = {"counters": self.cfg.counters, "last_refresh": self.last_refresh}
        return self.reply("/stats", json.dumps(body, default=str))
