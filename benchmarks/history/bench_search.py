"""Search every configuration: ``netsync.fleet.search`` against ``grep -rn`` over the same texts, same run.

A fresh SQLite store gets ``--devices`` devices (default 5,000) with a rendering of ``--lines``
lines each (default 1,000; Junos set-style statements, some of them secrets), a second version for
every tenth device (so "latest" has to pick). The peer: the same latest renderings, masked, written
as one file per device, searched by GNU ``grep -rn`` (``-F`` for a substring, ``-E`` for a regular
expression) from the page cache (a warm-up run first). Both sides are checked against a plain
Python line-by-line search of the masked texts before any time is reported; then each query runs
``--rounds`` times and the medians are compared.

``python benchmarks/history/bench_search.py [--devices 5000 --lines 1000 --rounds 5] [--json out.json]``
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import mask_text  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.history.search import SearchQuery, search  # noqa: E402

# (label, pattern, regex, grep flags): few lines found, so the time is the scan's, not the output's
def queries(devices: int) -> list[tuple[str, str, bool, list[str]]]:
    return [
        ("substring, 1 device", "host-name dev%05d" % (devices * 6 // 7), False, ["-F"]),
        ("substring, absent", "no-such-statement-anywhere", False, ["-F"]),
        ("regex, anchored", r"^system host-name dev0[0-9]{2}17$", True, ["-E"]),
        ("regex, mid-line", r"next-hop 10\.0\.7\.1$", True, ["-E"]),
    ]


def device_text(d: int, lines: int, version: int) -> str:
    out = ["system host-name dev%05d" % d,
           'system root-authentication encrypted-password "$6$%08x$Zq9cQf1b2"' % (d * 7919),
           'snmp community c%06d authorization read-only' % d]
    i = 0
    while len(out) < lines:
        i += 1
        k = i % 6
        if k == 0:
            out.append("interfaces interface ge-0/0/%d unit 0 family inet address 10.%d.%d.1/30"
                       % (i, (d + i) % 250, d % 250 if i % 50 else 19))
        elif k == 1:
            out.append('interfaces interface ge-0/0/%d description "uplink to core-%d"' % (i, (d * 10 + i) % 10000))
        elif k == 2:
            out.append("protocols ospf area 0.0.0.%d interface ge-0/0/%d.0 metric %d" % (d % 4, i, 10 + i % 90))
        elif k == 3:
            out.append("policy-options prefix-list pl-%d 10.%d.0.0/16" % (i, (d + i) % 250))
        elif k == 4:
            out.append("firewall family inet filter edge-in term t%d then count c%d" % (i, i))
        else:
            out.append("routing-options static route 172.%d.%d.%d/32 next-hop 10.0.%d.1"
                       % (16 + d % 16, (d * 3 + i) % 256, i % 256, d % 256))
    if version > 1:
        out.append("interfaces interface ge-0/0/999 description \"v%d\"" % version)
    return "\n".join(out[:lines + (1 if version > 1 else 0)]) + "\n"


def fill(url: str, devices: int, lines: int) -> dict[str, str]:
    """The store, and each device's latest rendering (as stored, unmasked)."""
    latest: dict[str, str] = {}
    with st.open_store(url) as s:
        with s.transaction():
            for d in range(devices):
                name = "dev%05d" % d
                s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
                for version in (1, 2) if d % 10 == 0 else (1,):
                    text = device_text(d, lines, version)
                    s.devices.add_snapshot(name, "junos-xml", "<configuration/>", text, sha256_text(text))
                    latest[name] = text
    return latest


def reference(masked: dict[str, str], pattern: str, regex: bool) -> list[tuple[str, int, str]]:
    rx = re.compile(pattern if regex else re.escape(pattern))
    return [(name, n, line) for name in sorted(masked)
            for n, line in enumerate(masked[name].splitlines(), 1) if rx.search(line)]


def grep(directory: str, pattern: str, flags: list[str]) -> tuple[list[tuple[str, int, str]], float]:
    start = time.perf_counter()
    proc = subprocess.run(["grep", "-rn", *flags, "--", pattern, "."], cwd=directory, capture_output=True,
                          text=True, env=dict(os.environ, LC_ALL="C"))
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit("grep failed: %s" % proc.stderr)
    found = []
    for row in proc.stdout.splitlines():
        path, number, line = row.split(":", 2)
        found.append((path[2:], int(number), line))
    return sorted(found), elapsed


def ours(url: str, pattern: str, regex: bool) -> tuple[list[tuple[str, int, str]], float]:
    start = time.perf_counter()
    with st.open_store(url, create=False) as s:
        res = search(s.snapshot_feed, s.mask_key(), SearchQuery(pattern=pattern, regex=regex, max_results=100000))
    elapsed = time.perf_counter() - start
    assert not res["truncated"]
    return [(m["device"], m["line_number"], m["line"]) for m in res["matches"]], elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument("--workdir", help="keep the store and files here and reuse them (same --devices/--lines)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        work = args.workdir or tmp
        os.makedirs(work, exist_ok=True)
        url = os.path.join(work, "fleet-%d-%d.db" % (args.devices, args.lines))
        t0 = time.perf_counter()
        if os.path.exists(url):  # reused: the texts are generated again, the store is not
            latest = {"dev%05d" % d: device_text(d, args.lines, 2 if d % 10 == 0 else 1) for d in range(args.devices)}
        else:
            latest = fill(url, args.devices, args.lines)
        with st.open_store(url, create=False) as s:
            key = s.mask_key()
        masked = {name: mask_text(text, key) for name, text in latest.items()}
        files = os.path.join(work, "files-%d-%d" % (args.devices, args.lines))
        os.makedirs(files, exist_ok=True)
        for name, text in masked.items():
            Path(files, name).write_text(text)
        size = sum(len(t) for t in masked.values())
        print("filled %d devices x %d lines (%.0f MB of latest text, store %.0f MB) in %.0f s"
              % (args.devices, args.lines, size / 1e6, os.path.getsize(url) / 1e6, time.perf_counter() - t0))
        rows = []
        for label, pattern, regex, flags in queries(args.devices):
            expected = reference(masked, pattern, regex)
            grep(files, pattern, flags)  # warm the page cache
            got, _ = ours(url, pattern, regex)
            peer, _ = grep(files, pattern, flags)
            assert got == expected, (label, got[:5], expected[:5])
            assert peer == expected, (label, peer[:5], expected[:5])
            assert ("absent" in label) == (not expected), (label, len(expected))
            times, peer_times = [], []
            for _ in range(args.rounds):
                times.append(ours(url, pattern, regex)[1])
                peer_times.append(grep(files, pattern, flags)[1])
            row = {"query": label, "pattern": pattern, "lines_found": len(expected),
                   "devices_found": len({d for d, _n, _l in expected}),
                   "netsync_median_s": round(statistics.median(times), 3),
                   "grep_median_s": round(statistics.median(peer_times), 3),
                   "ratio": round(statistics.median(times) / statistics.median(peer_times), 2)}
            rows.append(row)
            print("%-20s %5d lines on %4d devices: netsync %.3f s, grep -rn %.3f s (x%.2f)"
                  % (label, row["lines_found"], row["devices_found"], row["netsync_median_s"], row["grep_median_s"],
                     row["ratio"]))
        load = Path("/proc/loadavg").read_text().split()[:3]
        print("load average %s (2 cores, shared)" % " ".join(load))
        if args.json:
            Path(args.json).write_text(json.dumps({"devices": args.devices, "lines": args.lines, "rounds": args.rounds,
                                                   "load": load, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
