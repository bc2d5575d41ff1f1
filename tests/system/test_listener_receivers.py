"""The listener's sockets under abuse: idle TCP connections cannot exhaust it, and every UDP
datagram of a burst is either received or counted as a kernel drop."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import receivers

pytestmark = pytest.mark.system
LINE = b"<189>1 2026-11-30T09:00:00Z r1 mgd 1 UI_COMMIT - User 'ops' requested 'commit' operation"


async def _wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_idle_tcp_connections_are_capped_and_closed() -> None:
    async def scenario() -> None:
        counters: Counter[str] = Counter()
        got: list[bytes] = []
        tcp = receivers.TcpSyslog(lambda data, addr, t: got.append(data), counters, max_connections=5,
                                  idle_timeout=1.0)
        server = await asyncio.start_server(tcp.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(12)]
        await _wait_for(lambda: counters["tcp:refused-over-cap"] == 7 and tcp.open == 5)
        late_reader, late_writer = await asyncio.open_connection("127.0.0.1", port)  # over the cap too
        assert await late_reader.read() == b"" and counters["tcp:refused-over-cap"] == 8
        late_writer.close()
        await _wait_for(lambda: counters["tcp:closed-idle"] == 5 and tcp.open == 0)
        # the idle ones are closed: now a commit gets through
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"%d %s" % (len(LINE), LINE) + b"9999999999 x")
        await writer.drain()
        await _wait_for(lambda: got == [LINE])
        writer.close()
        await _wait_for(lambda: tcp.open == 0)
        assert counters["tcp:rejected:bad-frame-length"] == 1
        for _r, w in idle:
            w.close()
        server.close()
        await server.wait_closed()
    asyncio.run(scenario())


def test_udp_burst_is_received_or_counted() -> None:
    """The listener stalls (a slow store) while a burst arrives: the datagrams that did not fit in the
    receive buffer are counted as kernel drops, so received + dropped == sent."""
    sent = 20000
    counters: Counter[str] = Counter()
    got = [0]
    stall = threading.Event()

    def on_line(data: bytes, addr: str, transport: str) -> None:
        if got[0] == 0:
            stall.wait(10)  # the first datagram blocks the loop until the burst is sent
        got[0] += 1

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        udp = receivers.UdpSyslog(on_line, counters, buffer_bytes=65536)
        transport, _ = await loop.create_datagram_endpoint(lambda: udp, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]

        def burst() -> None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for _ in range(sent):
                    sock.sendto(LINE, ("127.0.0.1", port))
            stall.set()
        thread = threading.Thread(target=burst)
        thread.start()
        await asyncio.sleep(0)
        await loop.run_in_executor(None, thread.join)
        udp.poll_drops()
        await _wait_for(lambda: (udp.poll_drops(), got[0] + counters["udp:kernel-drops"] == sent)[1])
        assert counters["udp:kernel-drops"] > 0  # the small buffer overflowed: the counter saw it
        transport.close()
    asyncio.run(scenario())
