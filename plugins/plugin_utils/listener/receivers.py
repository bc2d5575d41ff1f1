# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The listener's syslog sockets: UDP sized for bursts with its kernel drops counted, TCP with
a connection cap, idle connections closed and framing rejections counted.

``on_line(data, addr, transport)`` receives each datagram or TCP frame; ``counters`` (a
``collections.Counter`` shared with the listener) gets:

- ``udp:kernel-drops``: datagrams the kernel dropped because the socket buffer was full
  (Linux ``/proc/net/udp[6]`` ``drops`` of our socket), refreshed by ``UdpSyslog.poll_drops``;
- ``tcp:refused-over-cap``, ``tcp:closed-idle``, ``tcp:rejected:<reason>`` (RFC 6587 framing);
- ``accept-errors``: failed ``accept()`` calls (e.g. out of file descriptors), logged at most
  once a minute instead of once per attempt.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.accept_errors import AcceptErrorFilter
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_framing import SyslogStreamDecoder

LOG = logging.getLogger("ansible_collections.netsync.fleet.commit_events")
OnLine = Callable[[bytes, str, str], None]
DEFAULT_UDP_BUFFER = 16 * 1024 * 1024
DEFAULT_TCP_MAX_CONNECTIONS = 256
DEFAULT_TCP_IDLE_TIMEOUT = 300.0


def _proc_drops(inode: int, family: int) -> Optional[int]:
    """The ``drops`` column of our socket in /proc/net/udp (Linux); None elsewhere."""
    name = "/proc/net/udp6" if family == socket.AF_INET6 else "/proc/net/udp"
    try:
        with open(name, encoding="ascii") as table:
            next(table, None)
            for row in table:
                cols = row.split()
                if len(cols) >= 13 and cols[9] == str(inode):
                    return int(cols[12])
    except (OSError, ValueError):
        return None
    return None


class UdpSyslog(asyncio.DatagramProtocol):
    """Syslog over UDP; asks for a receive buffer of ``buffer_bytes`` (root may exceed rmem_max)."""

    def __init__(self, on_line: OnLine, counters: Counter[str], buffer_bytes: int = DEFAULT_UDP_BUFFER) -> None:
        self.on_line = on_line
        self.counters = counters
        self.buffer_bytes = buffer_bytes
        self.granted = 0
        self._inode = 0
        self._family = socket.AF_INET
        self._base_drops = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is None:
            return
        self._family = sock.family
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, self.buffer_bytes)
                break
            except OSError:  # SO_RCVBUFFORCE needs CAP_NET_ADMIN; SO_RCVBUF is capped by rmem_max
                continue
        self.granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        self._inode = os.fstat(sock.fileno()).st_ino
        self._base_drops = _proc_drops(self._inode, self._family) or 0
        if self.granted < self.buffer_bytes:
            LOG.warning("netsync.fleet.commit_events: UDP receive buffer is %d bytes (asked %d): raise "
                        "net.core.rmem_max or run with CAP_NET_ADMIN to absorb larger bursts",
                        self.granted, self.buffer_bytes)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        # A copy of exact size: asyncio reads each datagram into a 256 KiB buffer and shrinks it, and
        # keeping that object costs about 4 KiB of RSS per datagram while the backlog holds it (a store
        # locked during a flood: docs/benchmarks.md, "Flood with the store locked").
        self.on_line(bytes(memoryview(data)), str(addr[0]), "udp")

    def poll_drops(self) -> None:
        if self._inode:
            drops = _proc_drops(self._inode, self._family)
            if drops is not None:
                self.counters["udp:kernel-drops"] = drops - self._base_drops


class TcpSyslog:
    """Syslog over TCP (RFC 6587): at most ``max_connections`` at once, idle ones closed."""

    def __init__(self, on_line: OnLine, counters: Counter[str], max_connections: int = DEFAULT_TCP_MAX_CONNECTIONS,
                 idle_timeout: float = DEFAULT_TCP_IDLE_TIMEOUT, max_frame: int = 8192) -> None:
        self.on_line = on_line
        self.counters = counters
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_frame = max_frame
        self.open = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        addr = str(peer[0]) if peer else "unknown"
        if self.open >= self.max_connections:
            self.counters["tcp:refused-over-cap"] += 1
            writer.transport.abort()
            return
        self.open += 1
        decoder = SyslogStreamDecoder(self.max_frame)
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(65536), self.idle_timeout)
                except asyncio.TimeoutError:
                    self.counters["tcp:closed-idle"] += 1
                    break
                frames = decoder.feed(data) if data else decoder.close()
                for frame in frames:
                    self.on_line(frame, addr, "tcp")
                if not data:
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.open -= 1
            for reason, count in decoder.rejected.items():
                self.counters["tcp:rejected:" + reason] += count
            writer.transport.abort()


def accept_error_filter(counters: Counter[str]) -> AcceptErrorFilter:
    """The loop's exception handler: failed accepts counted as ``accept-errors``, logged once a minute."""
    return AcceptErrorFilter(counters, "accept-errors", LOG, "netsync.fleet.commit_events",
                             "Lower the TCP cap or raise the limit")
