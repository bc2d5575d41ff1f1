"""Listener ingest throughput: parse + map + damp + persist, in lines per second, one core.

Usage: .venv/bin/python benchmarks/listener/bench_ingest.py [--lines 50000] [--devices 100] [--rounds 3]

Two measurements, each against a peer in the same run:

* core: ``Listener.ingest_syslog`` over a SQLite store with ``--devices`` managed devices, for
  every line: parse, map the source to a device, ask the damper, buffer the decision; plus
  the ``flush`` that writes states and notification records. Peer: the plain regex parser of
  ``bench_parse.py`` alone (parse only, nothing damped or stored).
* wire: the event source ``netsync.fleet.commit_events`` (asyncio, RFC 6587 TCP framing, the
  same listener) fed over loopback TCP by another process; timed from the first byte sent to
  the store recording the last line (a marker device). Peer: a plain asyncio TCP syslog
  receiver that splits lines and parses them with the same regex parser into events on an
  asyncio queue (what a minimal syslog event source does; no damping, no store).

The target is 20,000 lines/s or more for our paths. Prints a table; asserts no timing.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import random
import socket
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, ".collections"), ROOT, HERE]

from bench_parse import peer_parse  # noqa: E402
from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener  # noqa: E402

MARKER = "zz-marker"


def commit_lines(count: int, devices: int, seed: int = 7) -> list[bytes]:
    """Only commit messages (the listener's worst case: every line is parsed and damped)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        host, user = "r%d" % rng.randrange(devices), rng.choice(["ops", "alice", "automation"])
        if i % 2:
            line = ("<189>1 2026-07-06T03:52:5%d.%03dZ %s mgd 97400 UI_COMMIT_COMPLETED "
                    "[junos@2636.1.1.1.2.129 ] commit complete" % (i % 10, i % 1000, host))
        else:
            line = ('<189>1 2026-07-06T03:52:49.%03dZ %s mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 '
                    'username="%s" command="commit"] User \'%s\' requested \'commit\' operation'
                    % (i % 1000, host, user, user))
        out.append(line.encode())
    return out


def make_store(path: str, devices: int) -> None:
    with st.open_store(path) as store:
        with store.transaction():
            for i in range(devices):
                store.devices.upsert("r%d" % i, "127.0.0.1", 830, "junos", {"hostname": "r%d" % i})
            store.devices.upsert(MARKER, "127.0.0.1", 830, "junos", {"hostname": MARKER})
        store.devices.set_settings({"resync_delay": 3600})  # nothing becomes due while we measure


# -- core ----------------------------------------------------------------------------------

def core_rate(lines: list[bytes], devices: int, rounds: int) -> tuple[float, float, dict[str, int]]:
    best_ours = best_peer = float("inf")
    counters: dict[str, int] = {}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fleet.db")
            make_store(path, devices)
            with st.open_store(path) as store:
                listener = Listener(store)
                now = time.time()
                listener.refresh(now)
                start = time.perf_counter()
                for i, line in enumerate(lines):
                    listener.ingest_syslog(line, "127.0.0.1", now + i * 1e-4)
                listener.flush()
                best_ours = min(best_ours, time.perf_counter() - start)
                counters = dict(listener.counters)
        start = time.perf_counter()
        for line in lines:
            peer_parse(line)
        best_peer = min(best_peer, time.perf_counter() - start)
    return len(lines) / best_ours, len(lines) / best_peer, counters


# -- wire ----------------------------------------------------------------------------------

def _send(port: int, payload: bytes, go: Any) -> None:
    go.wait()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(payload)


def _framed(lines: list[bytes]) -> bytes:
    return b"".join(b"%d %s" % (len(x), x) for x in lines)


def _marker_line() -> bytes:
    return (b"<189>1 2026-07-06T03:59:59.000Z " + MARKER.encode()
            + b" mgd 1 UI_COMMIT_COMPLETED [junos@2636.1.1.1.2.129 ] commit complete")


async def _ours_wire(lines: list[bytes], devices: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fleet.db")
        make_store(path, devices)
        port = _free_port()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(commit_events.main(queue, {
            "store": path, "syslog_udp": "", "syslog_tcp": "127.0.0.1:%d" % port, "tick": 0.5,
            "flush_delay": 0.02, "netconf_notifications": False}))
        await _wait_port(port)
        payload = _framed(lines + [_marker_line()])
        with st.open_store(path) as store:
            elapsed = await _timed_send(port, payload, lambda: bool(store.db.query(
                "SELECT 1 FROM notifications WHERE device = ?", (MARKER,))))
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return elapsed


async def _peer_wire(lines: list[bytes]) -> float:
    """A minimal syslog source: LF/octet frames -> regex parse -> one event per line on a queue."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    done = asyncio.Event()
    total = len(lines) + 1

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf, seen = b"", 0
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buf += data
            while True:
                space = buf.find(b" ")
                if space < 0 or not buf[:space].isdigit():
                    break
                size = int(buf[:space])
                if len(buf) < space + 1 + size:
                    break
                frame, buf = buf[space + 1:space + 1 + size], buf[space + 1 + size:]
                await queue.put(peer_parse(frame))
                queue.get_nowait()
                seen += 1
                if seen == total:
                    done.set()
        writer.close()

    port = _free_port()
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    payload = _framed(lines + [_marker_line()])
    elapsed = await _timed_send(port, payload, done.is_set)
    server.close()
    return elapsed


async def _timed_send(port: int, payload: bytes, finished: Any) -> float:
    go = multiprocessing.Event()
    proc = multiprocessing.Process(target=_send, args=(port, payload, go))
    proc.start()
    start = time.perf_counter()
    go.set()
    while not finished():
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - start
    proc.join(30)
    return elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_port(port: int) -> None:
    for _ in range(200):
        try:
            _r, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the event source did not listen on %d" % port)


def wire_rates(lines: list[bytes], devices: int, rounds: int) -> tuple[float, float]:
    best_ours = best_peer = float("inf")
    for _ in range(rounds):
        best_ours = min(best_ours, asyncio.run(_ours_wire(lines, devices)))
        best_peer = min(best_peer, asyncio.run(_peer_wire(lines)))
    n = len(lines) + 1
    return n / best_ours, n / best_peer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    lines = commit_lines(args.lines, args.devices)
    core_ours, core_peer, counters = core_rate(lines, args.devices, args.rounds)
    wire_ours, wire_peer = wire_rates(lines, args.devices, args.rounds)
    print("python %s on %s, %d cores, load %.1f; %d commit lines from %d devices, best of %d"
          % (platform.python_version(), platform.machine(), os.cpu_count() or 0, os.getloadavg()[0],
             len(lines), args.devices, args.rounds))
    print("%-58s%12s%9s" % ("ingest path", "lines/s", "vs peer"))
    for name, ours, peer in (
            ("core: parse + map + damp + store (Listener.ingest_syslog)", core_ours, core_peer),
            ("wire: TCP -> commit_events -> store", wire_ours, wire_peer)):
        print("%-58s%12s%8.2fx" % (name, "{:,.0f}".format(ours), ours / peer))
        print("%-58s%12s%8.2fx" % ("  peer", "{:,.0f}".format(peer), 1.0))
    print("core counters: %s" % ", ".join("%s %d" % kv for kv in sorted(counters.items())))


if __name__ == "__main__":
    main()
