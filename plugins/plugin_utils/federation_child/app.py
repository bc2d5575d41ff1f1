# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The child server's aiohttp application: the topology routes (:mod:`.api`) and the alarm and metric
routes (:mod:`.api_alarms`)."""
from __future__ import annotations

from aiohttp import web

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import (
    API,
    DEFAULT_MAX_REQUEST,
    ChildApi,
    ServerConfig,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api_alarms import register
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    ConnectionGuard,
)

API_KEY = web.AppKey("api", ChildApi)
GUARD_KEY = web.AppKey("guard", ConnectionGuard)


def make_app(cfg: ServerConfig, max_request: int = DEFAULT_MAX_REQUEST,
             max_connections: int = DEFAULT_MAX_CONNECTIONS,
             idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> web.Application:
    """The aiohttp application of a child server; ``app[GUARD_KEY]`` is its connection guard
    (the protocol factory :func:`.server.serve` listens with)."""
    api = ChildApi(cfg)
    guard = ConnectionGuard(cfg.counters, max_connections, idle_timeout)
    app = web.Application(middlewares=[guard.middleware, api.middleware], client_max_size=max_request)
    app[API_KEY] = api
    app[GUARD_KEY] = guard
    app.router.add_get(API + "/time", api.time)
    app.router.add_get(API + "/topology/types", api.types)
    app.router.add_get(API + "/topology/changes", api.changes)
    app.router.add_get(API + "/topology/index", api.index)
    app.router.add_post(API + "/topology/objects", api.objects)
    app.router.add_get(API + "/stats", api.stats)
    register(app, api)  # alarm queue and metrics
    return app
