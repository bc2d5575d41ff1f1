"""Memory, file descriptors and loss of the listener under a flood while its store is locked.

Usage: .venv/bin/python benchmarks/listener/bench_flood.py [--datagrams 300000] [--lock 20] [--no-peer]

Each side runs in a fresh Python process of its own (``--role``), one after the other, so neither
inherits the other's memory (the peer used to run in a child forked from the process that had just
run ours, and died there with a MemoryError). The sender is a third process.

Ours: the event source ``netsync.fleet.commit_events`` on a SQLite store with two managed devices
behind 127.0.0.1 (r0, r1: told apart by hostname). Another writer locks the store; meanwhile the
sender sends ``--datagrams`` UDP datagrams as fast as it can: half commit messages of r1, half from
forged hostnames (random 198.18.x.y: unknown sources). Then the lock is released. Every datagram
must be accounted for:

    sent == received (the listener's counter) + kernel drops (/proc/net/udp, the socket's drops)
            + backlog drops (the bounded backlog was full)
    received == recorded (notifications rows, repeats folded and counted)

Peer (same run): a plain asyncio UDP receiver, the same receive buffer asked, that keeps every
datagram in a list (what an unbounded receiver does while its consumer is stuck).

Measured for both: received, recorded/kept, kernel drops, the resident set (VmRSS) before the flood,
its peak during it (sampled every 0.1 s, and VmHWM), and the open file descriptors (before, peak).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, ".collections"), ROOT]

COMMIT = ("<189>1 2026-07-06T03:52:49.972Z {host} mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 "
          "username=\"ops\" command=\"commit\"] User 'ops' requested 'commit' operation")
BUFFER = 16 * 1024 * 1024


# -- measures ---------------------------------------------------------------------------------------------
def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/self/status" % field)


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _udp_drops(port: int) -> int:
    """The kernel's drop count of the UDP socket bound to 127.0.0.1:``port`` (/proc/net/udp)."""
    local = "0100007F:%04X" % port
    with open("/proc/net/udp", encoding="ascii") as handle:
        for line in handle.readlines()[1:]:
            cols = line.split()
            if cols[1] == local:
                return int(cols[-1])
    raise RuntimeError("no UDP socket on 127.0.0.1:%d" % port)


class Sampler:
    """Peak RSS and fd count, sampled on the event loop while the flood runs."""

    def __init__(self) -> None:
        self.base_rss = _status_kib("VmRSS")
        self.base_fds = _fds()
        self.peak_rss = self.base_rss
        self.peak_fds = self.base_fds
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak_rss = max(self.peak_rss, _status_kib("VmRSS"))
            self.peak_fds = max(self.peak_fds, _fds())
            await asyncio.sleep(0.1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, int]:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return {"rss_before_kib": self.base_rss, "rss_peak_kib": max(self.peak_rss, _status_kib("VmRSS")),
                "rss_growth_kib": self.peak_rss - self.base_rss, "vm_hwm_kib": _status_kib("VmHWM"),
                "fds_before": self.base_fds, "fds_peak": self.peak_fds}


def _sender(port: int, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--role", "send", "--port", str(port),
                             "--datagrams", str(count)])


async def _wait(proc: subprocess.Popen[bytes]) -> None:
    while proc.poll() is None:
        await asyncio.sleep(0.1)
    if proc.returncode != 0:
        raise RuntimeError("the sender failed (%s)" % proc.returncode)


def _send(port: int, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i in range(count):
            host = "r1" if i % 2 == 0 else "198.18.%d.%d" % (rng.randrange(256), rng.randrange(256))
            sock.sendto(COMMIT.format(host=host).encode(), ("127.0.0.1", port))


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- ours -------------------------------------------------------------------------------------------------
def _recorded(path: str) -> int:
    from ansible_collections.netsync.fleet.plugins.module_utils import store as st
    with st.open_store(path) as s:
        rows = s.db.query("SELECT reason FROM notifications")
    total = 0
    for row in rows:
        more = re.search(r"\(and (\d+) more like it\)", row["reason"])
        total += 1 + (int(more.group(1)) if more else 0)
    return total


async def _ours(datagrams: int, lock_seconds: float) -> dict[str, Any]:
    from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events
    from ansible_collections.netsync.fleet.plugins.module_utils import store as st
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fleet.db")
        with st.open_store(path) as s:
            for name in ("r0", "r1"):
                s.devices.upsert(name, "127.0.0.1", 830, "junos", {"hostname": name})
        port = _free_udp_port()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(commit_events.main(queue, {
            "store": path, "syslog_udp": "127.0.0.1:%d" % port, "tick": 0.5, "netconf_notifications": False,
            "consistency_interval": 0, "syslog_udp_buffer": BUFFER}))
        await asyncio.sleep(1.5)
        drops_before = _udp_drops(port)
        sampler = Sampler()
        sampler.start()
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        start = time.monotonic()
        await _wait(_sender(port, datagrams))
        rest = lock_seconds - (time.monotonic() - start)
        if rest > 0:
            await asyncio.sleep(rest)
        locker.execute("COMMIT")
        locker.close()
        counters: dict[str, int] = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # until the listener has written what it took in
            await asyncio.sleep(1.0)
            with st.open_store(path) as s:
                counters = (s.jobs.listener_counters() or {}).get("counters", {})
            taken = counters.get("received", 0) + counters.get("dropped:backlog-full", 0)
            if taken + _udp_drops(port) - drops_before >= datagrams and _recorded(path) >= counters.get("received", 0):
                break
        measures = await sampler.stop()
        kernel = _udp_drops(port) - drops_before
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return dict(measures, received=counters.get("received", 0), recorded=_recorded(path), kernel_drops=kernel,
                    kernel_drops_counted=counters.get("udp:kernel-drops", 0),
                    backlog_drops=counters.get("dropped:backlog-full", 0),
                    unknown_source=counters.get("dropped:unknown-source", 0))


# -- the peer ---------------------------------------------------------------------------------------------
async def _peer(datagrams: int) -> dict[str, Any]:
    kept: list[bytes] = []

    class Keep(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            kept.append(data)

    loop = asyncio.get_running_loop()
    port = _free_udp_port()
    transport, _ = await loop.create_datagram_endpoint(Keep, local_addr=("127.0.0.1", port))
    transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    await asyncio.sleep(0.5)
    drops_before = _udp_drops(port)
    sampler = Sampler()
    sampler.start()
    await _wait(_sender(port, datagrams))
    await asyncio.sleep(1.0)  # what the socket still holds
    measures = await sampler.stop()
    kernel = _udp_drops(port) - drops_before
    transport.close()
    return dict(measures, received=len(kept), recorded=len(kept), kernel_drops=kernel)


# -- the run ----------------------------------------------------------------------------------------------
def _child(role: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--role", role, "--datagrams", str(args.datagrams), "--lock", str(args.lock)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if run.returncode != 0:
        raise SystemExit("the %s run failed (%d):\n%s" % (role, run.returncode, run.stderr[-3000:]))
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datagrams", type=int, default=300000)
    parser.add_argument("--lock", type=float, default=20.0, help="seconds the store stays locked")
    parser.add_argument("--no-peer", action="store_true", help="measure ours only")
    parser.add_argument("--role", choices=("main", "ours", "peer", "send"), default="main", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "send":
        _send(args.port, args.datagrams)
        return 0
    if args.role == "ours":
        print(json.dumps(asyncio.run(_ours(args.datagrams, args.lock))))
        return 0
    if args.role == "peer":
        print(json.dumps(asyncio.run(_peer(args.datagrams))))
        return 0
    load_before = os.getloadavg()
    ours = _child("ours", args)
    peer = None if args.no_peer else _child("peer", args)
    accounted = ours["received"] + ours["kernel_drops"] + ours["backlog_drops"]
    problems = []
    if accounted != args.datagrams:
        problems.append("ours: %d of %d datagrams accounted for" % (accounted, args.datagrams))
    if ours["recorded"] != ours["received"]:
        problems.append("ours: %d received but %d recorded" % (ours["received"], ours["recorded"]))
    if peer is not None and peer["received"] + peer["kernel_drops"] != args.datagrams:
        problems.append("peer: %d of %d accounted for" % (peer["received"] + peer["kernel_drops"], args.datagrams))
    result = {"datagrams": args.datagrams, "store_locked_s": args.lock, "ours": ours, "peer": peer,
              "accounted": accounted, "lost_unaccounted": args.datagrams - accounted, "problems": problems,
              "rss_growth_ratio_ours_to_peer": None if peer is None else
              round(ours["rss_growth_kib"] / max(peer["rss_growth_kib"], 1), 3),
              "load_before": load_before, "load_after": os.getloadavg()}
    print(json.dumps(result, indent=2))
    with open(os.path.join(HERE, "results", "flood.json"), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(result, indent=2) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
