"""Syslog parse throughput: netsync's parser vs. a plain regex-based peer, same run, one core.

Usage: .venv/bin/python benchmarks/listener/bench_parse.py [--lines N] [--rounds R]
(run from the repository root). Prints a table; asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, ".collections"), ROOT]

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (  # noqa: E402
    SyslogParseError,
    SyslogStreamDecoder,
    parse_syslog,
)

NOW = dt.datetime(2026, 7, 6, 12, 0, tzinfo=dt.UTC).timestamp()
USERS = ["ops", "netconf", "alice", "bob", "automation"]
HOSTS = [f"r{i}" for i in range(1, 200)]


def make_lines(count: int, seed: int = 1) -> list[bytes]:
    """A realistic mix: 25% Junos 5424 commits, 25% Junos 3164 commits, 50% other lines."""
    rng = random.Random(seed)
    out: list[bytes] = []
    for i in range(count):
        host, user, pid = rng.choice(HOSTS), rng.choice(USERS), rng.randint(1000, 99999)
        ms = f"{i % 1000:03d}"
        kind = rng.randrange(8)
        if kind == 0:
            line = (f'<189>1 2026-07-06T03:52:49.{ms}Z {host} mgd {pid} UI_COMMIT '
                    f'[junos@2636.1.1.1.2.129 username="{user}" command="commit" '
                    f'message="CHG-{i} change"] User \'{user}\' requested \'commit\' operation '
                    f"(comment: CHG-{i} change)")
        elif kind == 1:
            line = (f"<189>1 2026-07-06T03:52:5{i % 10}.{ms}+02:00 {host} mgd {pid} "
                    "UI_COMMIT_COMPLETED [junos@2636.1.1.1.2.129 ] commit complete")
        elif kind == 2:
            line = (f"<189>Jul  6 03:52:49 {host} mgd[{pid}]: UI_COMMIT: User '{user}' "
                    f"requested 'commit' operation (comment: CHG-{i})")
        elif kind == 3:
            line = f"<189>Jul  6 03:52:51 {host} mgd[{pid}]: UI_COMMIT_COMPLETED: commit complete"
        elif kind == 4:
            line = (f"<190>1 2026-07-06T03:52:49.{ms}Z {host} mgd {pid} UI_NETCONF_CMD "
                    f'[junos@2636.1.1.1.2.129 username="{user}" command="get-configuration"] '
                    f"User '{user}' used NETCONF client to run command 'get-configuration'")
        elif kind == 5:
            line = (f"<37>1 2026-07-06T03:50:42.{ms}Z {host} sshd - SSHD_LOGIN_FAILED "
                    f'[junos@2636.1.1.1.2.129 username="{user}" source-address="192.0.2.{i % 250}"]'
                    f" Login failed for user '{user}' from host '192.0.2.{i % 250}'")
        elif kind == 6:
            line = (f"<28>Jul 16 03:50:42 {host} mib2d[{pid}]: SNMP_TRAP_LINK_DOWN: "
                    f"ifIndex {i % 600}, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1")
        else:
            line = (f"<38>Jul 16 03:50:42 web{i % 9} sshd[{pid}]: Failed password for {user} "
                    f"from 198.51.100.{i % 250} port {pid} ssh2")
        out.append(line.encode())
    return out


# -- the peer: a plain regex parser of the kind commonly written/copied ---------------------

PEER_5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>(?P<ver>\d{1,2}) (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) "
    r"(?P<procid>\S+) (?P<msgid>\S+) (?P<sd>-|(?:\[.*?(?<!\\)\])+)(?: (?P<msg>.*))?$"
)
PEER_SD_ELEMENT = re.compile(r'\[(?P<id>[^\s\]]+)(?P<params>(?:\s+[^=\]\s]+="(?:\\.|[^"\\])*")*)\s*\]')
PEER_SD_PARAM = re.compile(r'([^\s=\]]+)="((?:\\.|[^"\\])*)"')
PEER_3164 = re.compile(
    r"^<(?P<pri>\d{1,3})>(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<host>\S+) "
    r"(?P<tag>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$"
)
PEER_JUNOS_TAG = re.compile(r"^([A-Z][A-Z0-9_]+): (.*)$")
PEER_EVENTS = {"UI_COMMIT": "commit-started", "UI_COMMIT_COMPLETED": "commit"}


def _nil(value: str) -> str | None:
    return None if value == "-" else value


def peer_parse(data: bytes) -> dict[str, Any] | None:
    """Same outputs as ours (epoch timestamps, SD dict, Junos tag); None when unparsable."""
    text = data.decode("utf-8", "replace")
    m = PEER_5424.match(text)
    if m:
        ts = m["ts"]
        stamp = None if ts == "-" else dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
        sd: dict[str, dict[str, str]] = {}
        if m["sd"] != "-":
            for el in PEER_SD_ELEMENT.finditer(m["sd"]):
                sd[el["id"]] = {
                    k: re.sub(r'\\(["\\\]])', r"\1", v)
                    for k, v in PEER_SD_PARAM.findall(el["params"])
                }
        pri, msgid, msg = int(m["pri"]), _nil(m["msgid"]), m["msg"] or ""
        host, app, procid = _nil(m["host"]), _nil(m["app"]), _nil(m["procid"])
    else:
        m = PEER_3164.match(text)
        if not m:
            return None
        stamp = dt.datetime.strptime(f"2026 {m['ts']}", "%Y %b %d %H:%M:%S").replace(
            tzinfo=dt.UTC
        )
        pri, host, app, procid, sd = int(m["pri"]), m["host"], m["tag"], m["pid"], {}
        msgid, msg = None, m["msg"]
        jm = PEER_JUNOS_TAG.match(msg)
        if jm:
            msgid, msg = jm.group(1), jm.group(2)
    return {
        "facility": pri >> 3, "severity": pri & 7, "hostname": host, "app": app,
        "procid": procid, "msgid": msgid, "sd": sd, "message": msg,
        "timestamp": None if stamp is None else stamp.timestamp(),
        "event": PEER_EVENTS.get(msgid or "", "other"),
    }


def ours(data: bytes) -> object:
    try:
        return parse_syslog(data, now=NOW)
    except SyslogParseError:
        return None


# -- measurement ---------------------------------------------------------------------------

def rates(fns: list[Callable[[bytes], object]], lines: list[bytes], rounds: int) -> list[float]:
    """Best-of-``rounds`` lines per second of each parser, rounds interleaved (fair under load)."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for line in lines:
                fn(line)
            best[i] = min(best[i], time.perf_counter() - start)
    return [len(lines) / b for b in best]


def decoder_rate(lines: list[bytes], octet: bool, rounds: int) -> float:
    if octet:
        stream = b"".join(str(len(x)).encode() + b" " + x for x in lines)
    else:
        stream = b"".join(x + b"\n" for x in lines)
    chunks = [stream[i:i + 65536] for i in range(0, len(stream), 65536)]
    best = float("inf")
    for _ in range(rounds):
        dec = SyslogStreamDecoder()
        start = time.perf_counter()
        got = sum(len(dec.feed(c)) for c in chunks)
        best = min(best, time.perf_counter() - start)
        assert got == len(lines)
    return len(lines) / best


def worst_case_ms(fn: Callable[[bytes], object], line: bytes) -> float:
    start = time.perf_counter()
    fn(line)
    return (time.perf_counter() - start) * 1000


def agreement(lines: list[bytes]) -> float:
    same = 0
    for line in lines:
        a, b = parse_syslog(line, now=NOW), peer_parse(line)
        if b is not None and (a.hostname, a.msgid, a.event, a.structured_data, a.message) == (
            b["hostname"], b["msgid"], b["event"], b["sd"], b["message"]
        ) and abs((a.timestamp or 0) - (b["timestamp"] or 0)) < 1e-3:
            same += 1
    return same / len(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    lines = make_lines(args.lines)
    ours_rate, peer_rate = rates([ours, peer_parse], lines, args.rounds)
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{len(lines)} lines (avg {sum(map(len, lines)) // len(lines)} B), "
          f"best of {args.rounds}; output agreement ours/peer: {agreement(lines):.1%}")
    print(f"{'parse path':<40}{'lines/s':>12}{'us/line':>10}{'vs peer':>9}")
    for name, r in (("netsync parse_syslog", ours_rate), ("peer: plain regex parser", peer_rate)):
        print(f"{name:<40}{r:>12,.0f}{1e6 / r:>10.2f}{r / peer_rate:>8.2f}x")
    for name, octet in (("framing: octet-counting decode", True), ("framing: LF decode", False)):
        r = decoder_rate(lines, octet, args.rounds)
        print(f"{name:<40}{r:>12,.0f}{1e6 / r:>10.2f}{'':>9}")
    for n in (16, 18, 20):  # peer's lazy SD pattern backtracks over every split: O(2^n)
        hostile = b"<13>1 - h a - - " + b"[a]" * n + b"x"
        print(f"hostile line '[a]' * {n} + 'x' ({len(hostile)} B): "
              f"ours {worst_case_ms(ours, hostile):.3f} ms, "
              f"peer {worst_case_ms(peer_parse, hostile):.1f} ms")

if __name__ == "__main__":
    main()
