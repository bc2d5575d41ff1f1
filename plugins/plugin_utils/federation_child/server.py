# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The federation child server: one site's store over HTTP(S), started by one command::

    python -m ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.server \\
        --store /var/lib/netsync/fleet.db --site paris --listen 127.0.0.1:8443 \\
        --token-file /etc/netsync/federation.token --tls-cert cert.pem --tls-key key.pem

It prints ``listening on <url>`` once it accepts connections and stops
cleanly on SIGTERM or SIGINT. API: ``docs/federation-api.md``.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
from typing import Any, Optional, Sequence

from aiohttp import web

from ansible_collections.netsync.fleet.plugins.module_utils.common.parsing import parse_host_port
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child import api_alarms as alarm_api
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import (
    DEFAULT_MAX_PAGE,
    DEFAULT_MAX_REQUEST,
    ChildApi,
    ServerConfig,
    server_config,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.app import API_KEY, GUARD_KEY, make_app
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    accept_error_filter,
    fd_budget,
)

__all__ = ["ChildApi", "ServerConfig", "server_config", "make_app", "parse_listen", "read_token", "tls_context",
           "main", "serve"]


def parse_listen(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` to ``(host, port)``."""
    try:
        return parse_host_port(text)
    except ValueError:
        raise ValueError("--listen must be HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:8443") from None


def read_token(path: str) -> str:
    """The bearer token from a file (first line, stripped); refuses an empty one."""
    with open(path, encoding="utf-8") as handle:
        token = handle.readline().strip()
    if len(token) < 16:
        raise ValueError("the token file %s must hold a token of at least 16 characters" % path)
    return token


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context (TLS 1.2 or newer) from PEM certificate and key files."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def _args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="netsync-federation-child", description=(__doc__ or "").split("\n", maxsplit=1)[0])
    p.add_argument("--store", default=os.environ.get("NETSYNC_STORE"), help="store URL (default $NETSYNC_STORE)")
    p.add_argument("--create-store", action="store_true",
                   help="create an empty store when none exists at --store (default: refuse a missing store)")
    p.add_argument("--site", default=socket.gethostname(), help="site name put on every Device")
    p.add_argument("--listen", default="127.0.0.1:8443", help="HOST:PORT (port 0 picks a free port)")
    p.add_argument("--token-file", required=True, help="file holding the bearer token")
    p.add_argument("--tls-cert", help="PEM certificate (with --tls-key: serve HTTPS)")
    p.add_argument("--tls-key", help="PEM private key")
    p.add_argument("--max-page", type=int, default=DEFAULT_MAX_PAGE, help="largest page of objects")
    p.add_argument("--max-request", type=int, default=DEFAULT_MAX_REQUEST, help="largest request body, bytes")
    p.add_argument("--refresh-interval", type=float, default=1.0,
                   help="least seconds between two derivations of topology from snapshots (0: every request)")
    p.add_argument("--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS,
                   help="most connections open at once (lowered to the fd limit minus 64); over it the oldest "
                        "idle one is closed")
    p.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT,
                   help="seconds after which a connection without a request in progress is closed")
    p.add_argument("--clock-offset", type=float, default=0.0, help=argparse.SUPPRESS)  # tests: skewed clock
    alarm_api.add_arguments(p)
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.max_page < 1 or args.max_request < 1024:
        p.error("--max-page must be >= 1 and --max-request >= 1024")
    if args.max_connections < 1 or not 0 < args.idle_timeout <= 86400:
        p.error("--max-connections must be >= 1 and --idle-timeout between 0 (excluded) and 86400 seconds")
    return args


async def serve(cfg: ServerConfig, host: str, port: int, ssl_ctx: Optional[ssl.SSLContext] = None,
                max_request: int = DEFAULT_MAX_REQUEST, ready: Any = None,
                max_connections: int = DEFAULT_MAX_CONNECTIONS, idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
    """Serve until SIGTERM/SIGINT (or until cancelled).

    The listening socket's protocol factory is the app's :class:`.limits.ConnectionGuard`
    (connection cap, idle ones evicted first); aiohttp's keep-alive timeout closes connections
    idle for ``idle_timeout`` (it starts when a connection opens); a TLS handshake gets as long."""
    app = make_app(cfg, max_request, max_connections, idle_timeout)
    await app[API_KEY].refresh(force=True)
    handler_options: dict[str, Any] = {"access_log": None, "keepalive_timeout": idle_timeout}
    runner = web.AppRunner(app, **handler_options)
    await runner.setup()
    guard = app[GUARD_KEY]
    if runner.server is None:  # pragma: no cover - setup() made it
        raise RuntimeError("the aiohttp runner has no server after setup()")
    loop = asyncio.get_running_loop()
    guard.bind(runner.server, loop=loop, **handler_options)
    loop.set_exception_handler(accept_error_filter(guard.stats))
    server = await loop.create_server(guard, host, port, ssl=ssl_ctx, reuse_address=True, backlog=128,
                                      ssl_handshake_timeout=idle_timeout if ssl_ctx else None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    shown = "[%s]" % host if ":" in host else host
    url = "%s://%s:%d" % ("https" if ssl_ctx else "http", shown, bound)
    print("listening on %s" % url, flush=True)  # pylint: disable=ansible-bad-function
    if ready is not None:
        ready(url)
    try:
        await stop.wait()
    finally:
        server.close()
        await runner.cleanup()
        await server.wait_closed()


def main(argv: Optional[Sequence[str]] = None) -> int:
    from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError, open_store

    args = _args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    try:
        host, port = parse_listen(args.listen)
        token = read_token(args.token_file)
        ctx = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
        store = open_store(args.store, create=args.create_store)
    except (OSError, ValueError, ssl.SSLError, StoreError) as exc:
        print("federation child: %s" % exc, file=sys.stderr)  # pylint: disable=ansible-bad-function
        return 2
    max_connections = fd_budget(args.max_connections)
    if max_connections < args.max_connections:
        print("federation child: --max-connections lowered to %d (file descriptor limit)" % max_connections,
              file=sys.stderr)  # pylint: disable=ansible-bad-function
    cfg = server_config(store, args.site, token, max_page=args.max_page, refresh_interval=args.refresh_interval,
                        clock_offset=args.clock_offset, **alarm_api.server_options(args))
    try:
        asyncio.run(serve(cfg, host, port, ctx, args.max_request, max_connections=max_connections,
                          idle_timeout=args.idle_timeout))
    except OSError as exc:  # e.g. the address is in use
        print("federation child: cannot listen on %s: %s" % (args.listen, exc),  # pylint: disable=ansible-bad-function
              file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())  # pylint: disable=ansible-bad-function
