"""Auto-resync through ansible-rulebook: 100 devices commit 3 times within 5 s; how long until all
are in sync, and how many ansible-playbook runs did it take? Ours against a peer, same run.

Usage: .venv/bin/python -m benchmarks.listener.bench_rulebook [--devices 100] [--commits 3]
                                                             [--forks 20] [--json out.json]

* ours: ``extensions/eda/rulebooks/auto_resync.yml`` (event source ``netsync.fleet.commit_events``,
  the damper with ``resync_delay`` = ``damping_window`` = 5 s), batched events.
* peer: ``benchmarks/listener/peer_rulebook.yml``: a plain syslog source (one event per line)
  and ansible-rulebook's own ``throttle: once_after: 5 seconds`` grouped by host, running the
  same ``netsync.fleet.resync`` playbook for that host.

Both runs use the same simulated Junos devices (in their own process), the same store and
inventory, ``ANSIBLE_FORKS``, the default sequential execution of ansible-rulebook, and the same
seeded timeline: each device commits at random moments within 4.5 s. The clock
starts at the first commit; a device is "in sync" when its latest snapshot holds its last commit
of the round and its status is In Sync. Playbook runs are counted by a callback in every run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[1] / ".collections")]

from benchmarks.resync.fleet import SIM_USER, SIM_PASSWORD, SimProcess  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from tests.system.helpers import REPO, Device, run_playbook, write_inventory  # noqa: E402
from tests.system.rulebook import RulebookRunner, free_port  # noqa: E402

DELAY = 5.0  # our resync_delay and damping_window; the peer's once_after
WINDOW = 4.5  # every device's commits fall within this many seconds


def in_sync(store: st.Store, names: list[str], marker: str) -> int:
    """How many of ``names`` have ``marker`` in their latest snapshot and are In Sync."""
    count = 0
    for row in store.devices.all():
        if row["name"] not in names or row["managed_status"] != st.IN_SYNC:
            continue
        snap = store.devices.latest_snapshot(row["name"])
        full = store.devices.get_snapshot(row["name"], int(snap["version"])) if snap else None
        if full is not None and marker in full["rendered"]:
            count += 1
    return count


def timeline(names: list[str], commits: int, window: float, seed: int = 5) -> list[tuple[float, str, int]]:
    """Each device commits ``commits`` times at random moments within ``window`` seconds."""
    rng = random.Random(seed)
    plan = []
    for dev in names:
        for n, at in enumerate(sorted(rng.uniform(0, window) for _ in range(commits))):
            plan.append((at, dev, n))
    return sorted(plan)


def scenario(name: str, runner: RulebookRunner, sims: SimProcess, store: st.Store, names: list[str],
             commits: int, runs_file: Path, timeout: float) -> dict[str, Any]:
    runs_file.write_text("")
    runner.start(ready=b"Waiting for events")  # the rules engine is up, not only the source
    t0 = time.monotonic()
    for at, dev, n in timeline(names, commits, WINDOW):  # the same random timeline for ours and the peer
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        sims.cli_commit(dev, ["set interfaces ge-0/0/1 description %s-%d" % (name, n)])
    spread = time.monotonic() - t0
    marker = "description %s-%d" % (name, commits - 1)
    done = 0
    while time.monotonic() - t0 < timeout:
        done = in_sync(store, names, marker)
        if done == len(names):
            break
        if runner.proc is None or runner.proc.poll() is not None:
            raise SystemExit("ansible-rulebook (%s) ended early:\n%s" % (name, runner.output()[-4000:]))
        time.sleep(0.25)
    elapsed = time.monotonic() - t0
    runner.stop()
    starts = [float(x) for x in runs_file.read_text().split()]
    return {"seconds": round(elapsed, 2), "in_sync": done, "devices": len(names), "playbook_runs": len(starts),
            "commit_spread_s": round(spread, 2), "timed_out": done != len(names)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--commits", type=int, default=3)
    ap.add_argument("--forks", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="netsync-bench-rulebook-"))
    sims = SimProcess(args.devices)
    try:
        ports = sims.start()
        names = sorted(ports, key=lambda n: int(n[1:]))
        known = work / "known_hosts"
        known.write_text("".join(line + "\n" for line in sims.known_hosts_lines))
        udp = free_port()
        inv = write_inventory(work / "inventory.yml",
                              [Device(n, "127.0.0.1", ports[n], SIM_USER, SIM_PASSWORD) for n in names],
                              known_hosts=known,
                              extra_vars={"netsync_listener_host": "127.0.0.1", "netsync_listener_port": udp})
        url = str(work / "fleet.db")
        onboard = run_playbook(REPO / "playbooks/onboard.yml", inv, url, "--forks", str(args.forks), timeout=1800)
        if onboard.rc != 0:
            raise SystemExit("onboarding failed:\n" + onboard.stdout[-3000:] + onboard.stderr[-3000:])
        runs_file = work / "runs.txt"
        env = {"ANSIBLE_FORKS": str(args.forks), "NETSYNC_BENCH_RUNS": str(runs_file),
               "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callbacks"), "ANSIBLE_CALLBACKS_ENABLED": "count_runs"}
        results: dict[str, Any] = {}
        with st.open_store(url) as store:
            store.devices.set_settings({"resync_delay": DELAY, "damping_window": DELAY, "damper_interval": 2.0})
            ours = RulebookRunner(work, inv, url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.5},
                                  env_extra=env)
            results["ours"] = scenario("ours", ours, sims, store, names, args.commits, runs_file, args.timeout)
            peer = RulebookRunner(work, inv, url, {"netsync_peer_port": udp}, rulebook=HERE / "peer_rulebook.yml",
                                  source_dir=HERE / "sources", env_extra=env)
            results["peer"] = scenario("peer", peer, sims, store, names, args.commits, runs_file, args.timeout)
        results["ratio_seconds"] = round(results["ours"]["seconds"] / results["peer"]["seconds"], 3)
        results["ratio_runs"] = round(results["ours"]["playbook_runs"] / max(results["peer"]["playbook_runs"], 1), 3)
        results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "load_at_end": round(os.getloadavg()[0], 2), "forks": args.forks}
        print("%-6s %10s %14s %9s %14s" % ("", "seconds", "playbook runs", "in sync", "commit spread"))
        for key in ("ours", "peer"):
            r = results[key]
            print("%-6s %10.1f %14d %5d/%-3d %13.1fs" % (key, r["seconds"], r["playbook_runs"], r["in_sync"],
                                                          r["devices"], r["commit_spread_s"]))
        print("ours/peer: time %.3f, playbook runs %.3f" % (results["ratio_seconds"], results["ratio_runs"]))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0
    finally:
        sims.stop()


if __name__ == "__main__":
    sys.exit(main())
