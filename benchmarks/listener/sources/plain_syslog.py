"""plain_syslog: the benchmark's peer event source. One event per received UDP syslog line.

What a minimal syslog event source does: parse the header (RFC 5424 / 3164, the regex parser of
bench_parse.py) and put ``{"syslog": {...}}`` on the queue. No device store, no damping.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_parse import peer_parse  # noqa: E402

LOG = logging.getLogger("plain_syslog")


class _Udp(asyncio.DatagramProtocol):
    """Parses each datagram onto an unbounded local queue: ansible-rulebook's own queue holds one
    event, and ``put_nowait`` on it loses every line that comes while the rules engine is busy."""

    def __init__(self, pending: asyncio.Queue[Any]) -> None:
        self.pending = pending

    def datagram_received(self, data: bytes, addr: Any) -> None:
        parsed = peer_parse(data)
        if parsed is not None:
            parsed["source"] = addr[0]
            self.pending.put_nowait({"syslog": parsed})


def _receive_buffer(transport: Any, size: int) -> int:
    """Ask for the receive buffer ours asks for (``syslog_udp_buffer``, 16 MiB; root may exceed rmem_max):
    with the kernel's default (about 208 KiB), 3,000 lines in 4.5 s overflowed it while the rules engine
    was busy and the peer lost the commits of 38 of 1,000 devices."""
    sock = transport.get_extra_info("socket")
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, size)
                break
            except OSError:
                continue
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    host, port = str(args.get("host", "127.0.0.1")), int(args.get("port", 5514))
    pending: asyncio.Queue[Any] = asyncio.Queue()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: _Udp(pending),
                                                                             local_addr=(host, port))
    granted = _receive_buffer(transport, int(args.get("buffer", 16 * 1024 * 1024)))
    LOG.info("plain_syslog: syslog UDP on %s:%d (receive buffer %d bytes)", host, port, granted)
    try:
        while True:
            await queue.put(await pending.get())  # every line reaches the rules engine, in order
    finally:
        transport.close()
