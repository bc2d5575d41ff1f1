# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the child server's connection limits (see ``docs/federation-api.md``).

- ``ConnectionGuard``: the protocol factory of the listening socket. At most ``max_connections``
  connections are open at once; a new connection over the cap closes the oldest *idle* one (no
  request in progress) so the server keeps answering; when every connection is busy, the new one
  is refused (closed at once). Idle connections are also closed after ``--idle-timeout``
  (aiohttp's keep-alive timeout, which starts when the connection opens).
- ``accept_error_filter``: a loop exception handler that counts failed ``accept()`` calls (out of
  file descriptors) and logs them at most once a minute instead of a traceback per attempt
  (``plugin_utils/accept_errors.py``).
- ``fd_budget``: the cap lowered to what the process's file-descriptor limit allows.

Counters go into the server's ``/stats`` under ``connections``: ``open`` (when the last request
came), ``evicted_idle``,
``refused_over_cap``, ``accept_errors``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Optional

from aiohttp import web

from ansible_collections.netsync.fleet.plugins.plugin_utils.accept_errors import AcceptErrorFilter

LOG = logging.getLogger("netsync.fleet.federation_child")
DEFAULT_MAX_CONNECTIONS = 512
DEFAULT_IDLE_TIMEOUT = 60.0
FD_RESERVE = 64  # descriptors kept for the store, TLS files, logs and the loop itself
Handler = Callable[[web.Request], Any]


def fd_budget(wanted: int, soft_limit: Optional[int] = None) -> int:
    """``wanted`` lowered to the soft RLIMIT_NOFILE minus :data:`FD_RESERVE` (at least 1)."""
    if soft_limit is None:
        try:
            import resource
            soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
            return wanted
    if soft_limit < 0:  # RLIM_INFINITY
        return wanted
    return max(1, min(wanted, soft_limit - FD_RESERVE))


class _Refused(asyncio.Protocol):
    """The protocol of a connection refused over the cap: closed as soon as it is made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()  # type: ignore[attr-defined]


class _GuardedHandler(web.RequestHandler):
    """aiohttp's request handler, telling the guard when its connection is made and lost."""

    def __init__(self, guard: "ConnectionGuard", manager: web.Server, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.guard = guard

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.guard.made(self)
        super().connection_made(transport)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.guard.lost(self)
        super().connection_lost(exc)


class ConnectionGuard:
    """Caps the connections of one aiohttp server; ``bind(server, …)`` before serving."""

    def __init__(self, counters: dict[str, dict[str, int]], max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.clock = clock
        self.stats = counters.setdefault("connections", {})
        for name in ("open", "evicted_idle", "refused_over_cap", "accept_errors"):
            self.stats.setdefault(name, 0)
        self._server: Optional[web.Server] = None
        self._handler_kwargs: dict[str, Any] = {}
        self._live: dict[Any, None] = {}  # connections made and not lost, oldest first
        self._busy: dict[Any, int] = {}  # connection -> requests in progress
        self._closing: set[Any] = set()  # evicted, not yet lost
        # accepted, connection not made yet (TLS: during the handshake; one that fails never tells us)
        self._pending: dict[Any, float] = {}

    def bind(self, server: web.Server, **handler_kwargs: Any) -> None:
        """``server``: the runner's; ``handler_kwargs``: ``loop`` and the runner's handler options."""
        self._server = server
        self._handler_kwargs = handler_kwargs

    # -- the handlers' hooks -----------------------------------------------------------------
    def made(self, handler: Any) -> None:
        self._pending.pop(handler, None)
        self._live[handler] = None

    def lost(self, handler: Any) -> None:
        self._pending.pop(handler, None)
        self._live.pop(handler, None)
        self._busy.pop(handler, None)
        self._closing.discard(handler)

    def open_count(self) -> int:
        """Connections open or being opened (evicted ones still closing left out)."""
        if self._pending:
            oldest = self.clock() - self.idle_timeout - 1.0  # a handshake that never ends is given up by then
            self._pending = {h: t for h, t in self._pending.items() if t >= oldest}
        return len(self._live) - len(self._closing) + len(self._pending)

    def __call__(self) -> asyncio.BaseProtocol:
        """The protocol factory given to ``loop.create_server``."""
        if self._server is None:
            raise RuntimeError("ConnectionGuard.bind() was not called")
        if self.open_count() >= self.max_connections:
            idle = next((h for h in self._live if h not in self._closing and not self._busy.get(h)), None)
            if idle is None:
                self.stats["refused_over_cap"] += 1
                return _Refused()
            self._closing.add(idle)
            self.stats["evicted_idle"] += 1
            idle.force_close()
        handler = _GuardedHandler(self, self._server, **self._handler_kwargs)
        self._pending[handler] = self.clock()
        return handler

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Marks the request's connection busy while it is handled (never evicted then)."""
        proto = request.protocol
        self.stats["open"] = self.open_count()
        if proto is None:
            result: web.StreamResponse = await handler(request)
            return result
        self._busy[proto] = self._busy.get(proto, 0) + 1
        try:
            result = await handler(request)
            return result
        finally:
            left = self._busy.get(proto, 1) - 1
            if left > 0:
                self._busy[proto] = left
            else:
                self._busy.pop(proto, None)


def accept_error_filter(stats: dict[str, int]) -> AcceptErrorFilter:
    """The loop's exception handler: failed accepts counted as ``accept_errors``, logged once a minute."""
    return AcceptErrorFilter(stats, "accept_errors", LOG, "federation child",
                             "Lower --max-connections or raise the limit (LimitNOFILE)")
