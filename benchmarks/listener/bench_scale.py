"""The listener at fleet size: ingest, memory and restart with 10,000 and 100,000 managed devices.

Usage: .venv/bin/python benchmarks/listener/bench_scale.py [--devices 10000,100000] [--store URL] [--repeat N]

For each fleet size, in a fresh process (so memory is the listener's own):

* ingest: one commit line from every device (each from its own address), then a second one
  (damped: the device already has a pending job), through ``Listener.ingest_syslog``, with a
  flush every 1,000 lines as the event source does. Checked first: every device has a
  pending job and a persisted damper state, and the second pass scheduled nothing new.
* memory: the process's RSS growth from an empty listener to all states held.
* restart: a new ``Listener`` on the same store, loading every persisted state, plus its first
  ``refresh`` (the device index). Checked: every state loaded, none rejected.

Peers, measured in the same run:

* ingest: the same pipeline on a 1,000-device fleet: the ratio of lines per second says what
  the fleet size itself costs per line (its pass takes about 0.1 s, so its rate is the median of
  5 fresh processes, run just before each measured fleet);
* restart: the floor of reading the same rows: one ``SELECT`` of the persisted states, each
  JSON document decoded (no damper objects, no index).

With ``--repeat N`` each fleet size and its 1,000-device peer run N times (a fresh pair of
processes each time, the peer first), one row per run, then the medians. Prints a table; asserts
no timing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, ".collections"), ROOT]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener  # noqa: E402

FLUSH_EVERY = 1000
BASE = 1000  # the peer fleet size
BASE_RUNS = 5  # its 1,000 lines take about 0.1 s: the median of this many fresh processes


def _rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _address(i: int) -> str:
    return "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)


def _line(i: int, user: str) -> bytes:
    return ('<189>1 2026-07-06T03:52:49.%03dZ r%d mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 '
            'username="%s" command="commit"] User \'%s\' requested \'commit\' operation'
            % (i % 1000, i, user, user)).encode()


def _make_store(url: str, devices: int) -> None:
    with st.open_store(url) as store:
        with store.transaction():
            for i in range(devices):
                store.devices.upsert("r%d" % i, _address(i), 830, "junos", {"hostname": "r%d" % i})
        store.devices.set_settings({"resync_delay": 3600})  # nothing falls due while we measure


def _ingest(listener: Listener, devices: int, now: float, user: str) -> float:
    start = time.perf_counter()
    for i in range(devices):
        listener.ingest_syslog(_line(i, user), _address(i), now + i * 1e-5)
        if (i + 1) % FLUSH_EVERY == 0:
            listener.flush()
    listener.flush()
    return time.perf_counter() - start


def child(url: str, devices: int) -> dict[str, Any]:
    """One fleet size, measured in this (fresh) process."""
    _make_store(url, devices)
    out: dict[str, Any] = {"devices": devices}
    with st.open_store(url) as store:
        rss0 = _rss_kib()
        now = time.time()
        start = time.perf_counter()
        listener = Listener(store)
        listener.refresh(now)
        out["first_refresh_s"] = time.perf_counter() - start
        out["ingest_s"] = _ingest(listener, devices, now, "alice")
        pending = sum(1 for s in listener.states.values() if s.pending is not None)
        persisted = len(store.jobs.load_damper_states())
        if pending != devices or persisted != devices:
            raise SystemExit("ingest check failed: %d pending, %d persisted of %d" % (pending, persisted, devices))
        out["repeat_s"] = _ingest(listener, devices, now + 5, "bob")
        due = sorted({s.pending.due for s in listener.states.values() if s.pending is not None})
        if sum(1 for s in listener.states.values() if s.pending is not None) != devices:
            raise SystemExit("repeat check failed: a damped commit changed the pending jobs")
        out["distinct_due_times"] = len(due)
        out["rss_growth_mib"] = (_rss_kib() - rss0) / 1024
        out["counters"] = dict(listener.counters)
        del listener
    with st.open_store(url) as store:
        start = time.perf_counter()
        rows = store.db.query("SELECT device, state FROM damper_state")
        floor = {r["device"]: json.loads(r["state"]) for r in rows}
        out["restart_floor_s"] = time.perf_counter() - start
        start = time.perf_counter()
        again = Listener(store)
        again.refresh(time.time())
        out["restart_s"] = time.perf_counter() - start
        if len(again.states) != devices or len(floor) != devices or again.counters["bad-persisted-state"]:
            raise SystemExit("restart check failed: %d states loaded of %d" % (len(again.states), devices))
    return out


def _run_child(size: int, store_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = store_url or os.path.join(tmp, "fleet.db")
        proc = subprocess.run([sys.executable, __file__, "--child", str(size), "--store", url],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit("fleet of %d failed:\n%s%s" % (size, proc.stdout, proc.stderr))
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", default="10000,100000", help="fleet sizes, comma-separated")
    ap.add_argument("--store", default=None, help="store URL (default: a SQLite file per fleet size); a "
                    "PostgreSQL URL must name an empty database, it is filled")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each fleet size (default 1); medians printed")
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.store, args.child)))
        return
    sizes = [int(x) for x in args.devices.split(",") if x]
    print("python %s on %s, %d cores, load at start %.1f"
          % (platform.python_version(), platform.machine(), os.cpu_count() or 0, os.getloadavg()[0]))
    print("%12s %12s %9s %12s %9s %10s %10s %9s %9s"
          % ("devices", "ingest l/s", "vs 1k", "damped l/s", "RSS MiB", "B/device", "restart s",
             "floor s", "vs floor"))
    for size in sizes:
        rows = []
        for run in range(1, max(1, args.repeat) + 1):
            base_s = statistics.median(_run_child(BASE, None)["ingest_s"] for _ in range(BASE_RUNS))
            res = _run_child(size, args.store)
            row = _row(size, base_s, res)
            rows.append(row)
            _print_row("{:,}".format(size) if args.repeat <= 1 else "{:,} #{}".format(size, run), row)
            print("  first refresh %.2f s; counters %s; load now %.1f"
                  % (res["first_refresh_s"], ", ".join("%s %d" % kv for kv in sorted(res["counters"].items())),
                     os.getloadavg()[0]))
        if len(rows) > 1:
            _print_row("median", {key: statistics.median(r[key] for r in rows) for key in rows[0]})


def _row(size: int, base_s: float, res: dict[str, Any]) -> dict[str, float]:
    rate = size / res["ingest_s"]
    return {"rate": rate, "vs_base": rate / (BASE / base_s), "repeat": size / res["repeat_s"],
            "rss_mib": res["rss_growth_mib"], "per_device": res["rss_growth_mib"] * 1048576 / size,
            "restart_s": res["restart_s"], "floor_s": res["restart_floor_s"],
            "vs_floor": res["restart_s"] / res["restart_floor_s"]}


def _print_row(label: str, row: dict[str, float]) -> None:
    print("%12s %12s %8.2fx %12s %9.1f %10.0f %10.2f %9.2f %8.2fx"
          % (label, "{:,.0f}".format(row["rate"]), row["vs_base"], "{:,.0f}".format(row["repeat"]), row["rss_mib"],
             row["per_device"], row["restart_s"], row["floor_s"], row["vs_floor"]))

if __name__ == "__main__":
    main()
