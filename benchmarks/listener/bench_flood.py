"""Memory and loss of the listener under a flood while its store is locked.

Usage: .venv/bin/python benchmarks/listener/bench_flood.py [--datagrams 300000] [--lock 20]

The event source ``netsync.fleet.commit_events`` runs in process on a SQLite store with one managed
device (r1 on 127.0.0.1). Another writer locks the store; meanwhile another process sends
``--datagrams`` UDP datagrams as fast as it can: half commit messages from r1, half from forged
sources (random 198.18.x.y hostnames in the message, sent from loopback, so they are unknown
devices with distinct hostnames). Then the lock is released. Measured: the process's peak RSS
growth (``ru_maxrss``) against an idle event source, and where each datagram went:

    sent == recorded (notifications, repeats folded, counted) + kernel drops
            + backlog drops (the bounded backlog was full) + received but not recorded (must be 0)

Peer (same run): a plain asyncio UDP receiver that keeps every datagram in a list (what an
unbounded receiver does while its consumer is stuck): its RSS growth for the same flood.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import resource
import socket
import sqlite3
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, ".collections"), ROOT]

from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402

COMMIT = ("<189>1 2026-07-06T03:52:49.972Z {host} mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 "
          "username=\"ops\" command=\"commit\"] User 'ops' requested 'commit' operation")


def _send(port: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i in range(count):
            host = "r1" if i % 2 == 0 else "198.18.%d.%d" % (rng.randrange(256), rng.randrange(256))
            sock.sendto(COMMIT.format(host=host).encode(), ("127.0.0.1", port))


def _rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _recorded(path: str) -> int:
    with st.open_store(path) as s:
        rows = s.db.query("SELECT reason FROM notifications")
    total = 0
    for row in rows:
        more = re.search(r"\(and (\d+) more like it\)", row["reason"])
        total += 1 + (int(more.group(1)) if more else 0)
    return total


async def _ours(path: str, datagrams: int, lock_seconds: float) -> dict[str, Any]:
    port = _free_udp_port()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    task = asyncio.create_task(commit_events.main(queue, {
        "store": path, "syslog_udp": "127.0.0.1:%d" % port, "tick": 0.5, "netconf_notifications": False,
        "consistency_interval": 0}))
    await asyncio.sleep(1.5)
    base = _rss_kib()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    start = time.monotonic()
    sender = multiprocessing.Process(target=_send, args=(port, datagrams, 7))
    sender.start()
    while sender.is_alive():
        await asyncio.sleep(0.2)
    rest = lock_seconds - (time.monotonic() - start)
    if rest > 0:
        await asyncio.sleep(rest)
    locker.execute("COMMIT")
    locker.close()
    counters: dict[str, int] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the listener has written what it took in
        await asyncio.sleep(1.0)
        with st.open_store(path) as s:
            counters = (s.jobs.listener_counters() or {}).get("counters", {})
        if counters.get("received", 0) + counters.get("dropped:backlog-full", 0) + \
                counters.get("udp:kernel-drops", 0) >= datagrams and _recorded(path) >= counters.get("received", 0):
            break
    peak = _rss_kib() - base
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return {"rss_growth_kib": peak, "received": counters.get("received", 0), "recorded": _recorded(path),
            "kernel_drops": counters.get("udp:kernel-drops", 0),
            "backlog_drops": counters.get("dropped:backlog-full", 0),
            "unknown_source": counters.get("dropped:unknown-source", 0)}


def _peer(datagrams: int) -> dict[str, Any]:
    """A plain receiver keeping every datagram while its consumer is stuck (in a child process)."""
    out = multiprocessing.Queue()  # type: ignore[var-annotated]
    proc = multiprocessing.Process(target=_peer_child, args=(datagrams, out))
    proc.start()
    result = out.get(timeout=300)
    proc.join(10)
    return dict(result)


def _peer_child(datagrams: int, out: Any) -> None:
    async def run() -> dict[str, Any]:
        kept: list[bytes] = []

        class Keep(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: Any) -> None:
                kept.append(data)
        loop = asyncio.get_running_loop()
        port = _free_udp_port()
        transport, _ = await loop.create_datagram_endpoint(Keep, local_addr=("127.0.0.1", port))
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
        base = _rss_kib()
        sender = multiprocessing.Process(target=_send, args=(port, datagrams, 7))
        sender.start()
        while sender.is_alive():
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        transport.close()
        return {"rss_growth_kib": _rss_kib() - base, "received": len(kept)}
    out.put(asyncio.run(run()))


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datagrams", type=int, default=300000)
    parser.add_argument("--lock", type=float, default=20.0, help="seconds the store stays locked")
    parser.add_argument("--no-peer", action="store_true", help="measure ours only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fleet.db")
        with st.open_store(path) as s:
            s.devices.upsert("r1", "127.0.0.1", 830, "junos", {"hostname": "r1"})
        ours = asyncio.run(_ours(path, args.datagrams, args.lock))
    print(json.dumps({"ours": ours}), flush=True)
    peer = {"rss_growth_kib": 0, "received": 0} if args.no_peer else _peer(args.datagrams)
    accounted = ours["received"] + ours["kernel_drops"] + ours["backlog_drops"]
    result = {"datagrams": args.datagrams, "store_locked_s": args.lock, "ours": ours, "peer": peer,
              "accounted": accounted, "lost_unaccounted": args.datagrams - accounted,
              "rss_ratio_ours_to_peer": round(ours["rss_growth_kib"] / max(peer["rss_growth_kib"], 1), 3),
              "load": os.getloadavg()}
    print(json.dumps(result, indent=2))
    with open(os.path.join(HERE, "results", "flood.json"), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
