"""The child server's connection cap (oldest idle evicted, refused when all are busy) and the fd
budget (its accept-error filter: tests/unit/plugins/plugin_utils/test_accept_errors.py)."""
from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.limits import (
    FD_RESERVE,
    ConnectionGuard,
    fd_budget,
)


class _Request:
    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol


async def _guarded_pairs(guard: ConnectionGuard, count: int) -> tuple[list[socket.socket], list[Any]]:
    """``count`` connections through the guard (socket pairs, no listening server)."""
    loop = asyncio.get_running_loop()
    peers, protocols = [], []
    for _ in range(count):
        ours, theirs = socket.socketpair()
        _, proto = await loop.connect_accepted_socket(guard, ours)
        peers.append(theirs)
        protocols.append(proto)
    await asyncio.sleep(0)
    return peers, protocols


def _closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False


def test_over_the_cap_the_oldest_idle_connection_is_evicted_and_busy_ones_never() -> None:
    async def scenario() -> dict[str, int]:
        counters: dict[str, dict[str, int]] = {}
        guard = ConnectionGuard(counters, max_connections=3)
        server = web.Server(lambda request: web.Response())
        guard.bind(server, loop=asyncio.get_running_loop(), access_log=None, tcp_keepalive=False)
        peers, protos = await _guarded_pairs(guard, 3)
        release = asyncio.Event()

        async def slow(request: web.Request) -> web.StreamResponse:
            await release.wait()
            return web.Response()

        busy = asyncio.ensure_future(guard.middleware(_Request(protos[0]), slow))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        more, _ = await _guarded_pairs(guard, 1)  # the 4th: the oldest *idle* one (the 2nd) goes
        await asyncio.sleep(0.05)
        assert [_closed(p) for p in peers + more] == [False, True, False, False]
        fifth, _ = await _guarded_pairs(guard, 1)  # the 5th: the 3rd goes
        await asyncio.sleep(0.05)
        assert [_closed(p) for p in peers] == [False, True, True]
        # all open connections busy: a new one is refused, none evicted
        blockers = [asyncio.ensure_future(guard.middleware(_Request(p), slow))  # type: ignore[arg-type]
                    for p in list(guard._live)[1:]]
        await asyncio.sleep(0)
        refused, _ = await _guarded_pairs(guard, 1)
        await asyncio.sleep(0.05)
        assert _closed(refused[0]) and not _closed(peers[0])
        release.set()
        await asyncio.gather(busy, *blockers)
        assert not _closed(more[0]) and not _closed(fifth[0])
        for sock in peers + more + fifth + refused:
            sock.close()
        await server.shutdown(1)
        return dict(counters["connections"])

    stats = asyncio.run(scenario())
    assert (stats["evicted_idle"], stats["refused_over_cap"]) == (2, 1)


def test_the_cap_is_lowered_to_the_fd_limit() -> None:
    assert fd_budget(512, soft_limit=1024) == 512
    assert fd_budget(5000, soft_limit=1024) == 1024 - FD_RESERVE
    assert fd_budget(512, soft_limit=10) == 1
    assert fd_budget(512, soft_limit=-1) == 512  # unlimited


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        ConnectionGuard({}, max_connections=0)

