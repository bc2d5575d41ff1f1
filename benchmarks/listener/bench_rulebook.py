"""Auto-resync through ansible-rulebook: every device commits 3 times within 4.5 s; how long until
all are in sync, and how many ansible-playbook runs did it take? Ours against a peer, same run.

Usage: .venv/bin/python -m benchmarks.listener.bench_rulebook [--devices 100] [--sims 1] [--commits 3]
           [--forks 20] [--arms ours,peer] [--json out.json] [--exact-reads] [--fleet-strategy]

* ``ours``: ``extensions/eda/rulebooks/auto_resync.yml`` (event source ``netsync.fleet.commit_events``,
  the damper with ``resync_delay`` = ``damping_window`` = 5 s, ``batch_window`` 1 s; consistency
  checks off, the peer has none).
* ``peer``: the same damping from ansible-rulebook's own parts (``peer_rulebooks.py``): a plain syslog
  source, one ``throttle: once_after: 5 seconds`` rule per device (ansible-rulebook opens one
  ``once_after`` window per rule, not per group), whose ``post_event`` feeds a batching rule
  (``once_after: 1 second`` grouped by device) that runs the same ``netsync.fleet.resync`` playbook.
* ``peer_shared`` (not run by default): ``peer_rulebook.yml``, one ``once_after`` rule grouped by host:
  one window for the whole fleet, so it does not damp each device (its damping check is reported,
  not enforced).

Same simulated Junos devices (``--sims`` processes), store, inventory, ``ANSIBLE_FORKS``, ansible-rulebook's
default sequential execution, and the same seeded timeline. The clock starts at the first commit.
Correctness before time: an arm counts only when every device's latest snapshot holds its last
commit of the round and is ``In Sync``, and every device's first read of the round started at
least 5 s after its own first commit (the damping both promise); otherwise the benchmark exits 1
and prints what is wrong. Playbook runs (and their hosts) are counted by a callback in every run.
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
from typing import Any, Callable

import yaml

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[1] / ".collections")]

from benchmarks.listener.peer_rulebooks import per_host_rulebook  # noqa: E402
from benchmarks.listener.sims import Sims  # noqa: E402
from benchmarks.resync.fleet import SIM_USER, SIM_PASSWORD  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from tests.system.helpers import REPO, Device, run_playbook, write_inventory  # noqa: E402
from tests.system.rulebook import RulebookRunner as _Runner, free_port  # noqa: E402

DELAY = 5.0  # our resync_delay and damping_window; the peer's once_after per device
BATCH = 1.0  # our batch_window; the peer's batching once_after
WINDOW = 4.5  # every device's commits fall within this many seconds


class RulebookRunner(_Runner):
    """The tests' runner, waiting longer for the start: a peer rulebook of 1,000 rules loads slowly."""

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 900.0) -> Any:
        return super().wait_for(what, check, timeout)


def timeline(names: list[str], commits: int, window: float, seed: int = 5) -> list[tuple[float, str, int]]:
    """Each device commits ``commits`` times at random moments within ``window`` seconds."""
    rng = random.Random(seed)
    plan = []
    for dev in names:
        for n, at in enumerate(sorted(rng.uniform(0, window) for _ in range(commits))):
            plan.append((at, dev, n))
    return sorted(plan)


def in_sync(store: st.Store, names: set[str], marker: str, confirmed: set[str]) -> int:
    """How many of ``names`` have ``marker`` in their latest snapshot and are In Sync; ``confirmed``
    (the devices found so before: no commit follows the last one) is not read again."""
    for row in store.devices.all():
        name = row["name"]
        if name not in names or name in confirmed or row["managed_status"] != st.IN_SYNC:
            continue
        snap = store.devices.latest_snapshot(name)
        full = store.devices.get_snapshot(name, int(snap["version"])) if snap else None
        if full is not None and marker in full["rendered"]:
            confirmed.add(name)
    return len(confirmed)


def check_arm(store: st.Store, names: list[str], marker: str, first: dict[str, float],
              since: float) -> tuple[list[str], list[str], int]:
    """(correctness problems, damping problems, reads): every device In Sync with ``marker`` in its
    latest snapshot; its first job since ``since`` started at least DELAY after its first commit."""
    wrong = ["%s: not In Sync with its last commit" % n for n in sorted(set(names) - _synced(store, names, marker))]
    early: list[str] = []
    reads = 0
    for name in names:
        jobs = [j for j in store.jobs.recent(name, 50) if j["started_at"] is not None and j["started_at"] >= since]
        reads += len(jobs)
        if not jobs:
            wrong.append("%s: no resync job in this round" % name)
            continue
        start = min(float(j["started_at"]) for j in jobs)
        if start < first[name] + DELAY:
            early.append("%s: first read %.2f s after its first commit" % (name, start - first[name]))
    return wrong, early, reads


def _synced(store: st.Store, names: list[str], marker: str) -> set[str]:
    out = set()
    for name in names:
        row = store.devices.get(name)
        snap = store.devices.latest_snapshot(name)
        full = store.devices.get_snapshot(name, int(snap["version"])) if snap else None
        if row and row["managed_status"] == st.IN_SYNC and full is not None and marker in full["rendered"]:
            out.add(name)
    return out


def scenario(arm: str, runner: RulebookRunner, sims: Sims, store: st.Store, names: list[str], commits: int,
             runs_file: Path, timeout: float) -> dict[str, Any]:
    runs_file.write_text("")
    try:  # ansible-rulebook runs in its own session: stop it on every way out, Ctrl-C included
        return _run_scenario(arm, runner, sims, store, names, commits, runs_file, timeout)
    finally:
        runner.stop()


def _run_scenario(arm: str, runner: RulebookRunner, sims: Sims, store: st.Store, names: list[str],
                  commits: int, runs_file: Path, timeout: float) -> dict[str, Any]:
    runner.start(ready=b"Waiting for events")  # the rules engine is up, not only the source
    load_before = os.getloadavg()[0]
    since = time.time()
    t0 = time.monotonic()
    first: dict[str, float] = {}
    for at, dev, n in timeline(names, commits, WINDOW):  # the same random timeline for every arm
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        first.setdefault(dev, time.time())
        sims.send_commit(dev, ["set interfaces ge-0/0/1 description %s-%d" % (arm, n)])
    spread = time.monotonic() - t0
    sims.wait_replies(120.0)
    marker = "description %s-%d" % (arm, commits - 1)
    wanted, done, confirmed = set(names), 0, set[str]()
    while time.monotonic() - t0 < timeout:
        done = in_sync(store, wanted, marker, confirmed)
        if done == len(names):
            break
        if runner.proc is None or runner.proc.poll() is not None:
            raise SystemExit("ansible-rulebook (%s) ended early:\n%s" % (arm, runner.output()[-4000:]))
        time.sleep(0.25)
    elapsed = time.monotonic() - t0
    load_after = os.getloadavg()[0]
    end = time.monotonic() + 180.0  # let the runs finish (their recap), so that every run is counted
    while time.monotonic() < end and _runs(runs_file, "start") > _runs(runs_file, "end"):
        time.sleep(0.5)
    runner.stop()  # before reading the store: no run may still be writing
    wrong, early, reads = check_arm(store, names, marker, first, since)
    runs = [line.split() for line in runs_file.read_text().splitlines() if line.startswith("end ")]
    return {"seconds": round(elapsed, 2), "in_sync": done, "devices": len(names),
            "playbook_runs": _runs(runs_file, "start"),
            "hosts_per_run": [int(r[2]) for r in runs], "reads": reads,
            "commit_spread_s": round(spread, 2), "timed_out": done != len(names),
            "correct": not wrong, "problems": wrong[:20], "damped_each_device": not early,
            "damping_problems": len(early), "damping_examples": early[:5],
            "load": [round(load_before, 2), round(load_after, 2)]}


def _runs(runs_file: Path, kind: str) -> int:
    return sum(1 for line in runs_file.read_text().splitlines() if line.startswith(kind + " "))


def rulebook_runner(arm: str, work: Path, inv: Path, url: str, udp: int, names: list[str],
                    env: dict[str, str]) -> RulebookRunner:
    if arm == "ours":
        return RulebookRunner(work, inv, url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.5,
                                               "netsync_batch_window": BATCH, "netsync_consistency_interval": 0},
                              env_extra=env)
    if arm == "peer":
        book = work / "peer_per_host.yml"
        book.write_text(yaml.safe_dump(per_host_rulebook(names, DELAY, BATCH), sort_keys=False))
        return RulebookRunner(work, inv, url, {"netsync_peer_port": udp}, rulebook=book,
                              source_dir=HERE / "sources", env_extra=env)
    if arm == "peer_shared":
        return RulebookRunner(work, inv, url, {"netsync_peer_port": udp}, rulebook=HERE / "peer_rulebook.yml",
                              source_dir=HERE / "sources", env_extra=env)
    raise SystemExit("unknown arm %r" % arm)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--sims", type=int, default=1, help="simulator processes")
    ap.add_argument("--commits", type=int, default=3)
    ap.add_argument("--forks", type=int, default=20)
    ap.add_argument("--arms", default="ours,peer")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--exact-reads", action="store_true",
                    help="run every arm's ansible-rulebook through rulebook_exact_reads.py (its async channel read "
                         "with readexactly: drools_jpy's read(n) cuts large matches and the engine stops delivering)")
    ap.add_argument("--fleet-strategy", action="store_true",
                    help="every arm's playbook runs with ANSIBLE_STRATEGY=netsync.fleet.fleet")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="netsync-bench-rulebook-"))
    sims = Sims(args.devices, args.sims)
    try:
        ports = sims.start()
        names = sims.names
        known = work / "known_hosts"
        known.write_text("".join(line + "\n" for line in sims.known_hosts_lines))
        udp = free_port()
        inv = write_inventory(work / "inventory.yml",
                              [Device(n, "127.0.0.1", ports[n], SIM_USER, SIM_PASSWORD) for n in names],
                              known_hosts=known,
                              extra_vars={"netsync_listener_host": "127.0.0.1", "netsync_listener_port": udp})
        url = str(work / "fleet.db")
        onboard = run_playbook(REPO / "playbooks/onboard.yml", inv, url, "--forks", str(args.forks), timeout=3600)
        if onboard.rc != 0:
            raise SystemExit("onboarding failed:\n" + onboard.stdout[-3000:] + onboard.stderr[-3000:])
        runs_file = work / "runs.txt"
        env = {"ANSIBLE_FORKS": str(args.forks), "NETSYNC_BENCH_RUNS": str(runs_file),
               "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callbacks"), "ANSIBLE_CALLBACKS_ENABLED": "count_runs"}
        if args.fleet_strategy:  # the same for every arm
            env.update(ANSIBLE_STRATEGY="netsync.fleet.fleet", ANSIBLE_DEPRECATION_WARNINGS="0")
        results: dict[str, Any] = {"devices": args.devices, "sim_processes": len(sims.procs), "commits": args.commits,
                                   "exact_reads": args.exact_reads, "fleet_strategy": args.fleet_strategy}
        with st.open_store(url) as store:
            store.devices.set_settings({"resync_delay": DELAY, "damping_window": DELAY, "damper_interval": 2.0})
            for arm in args.arms.split(","):
                runner = rulebook_runner(arm, work, inv, url, udp, names, env)
                if args.exact_reads:  # the same engine for every arm
                    runner.command = [sys.executable, str(HERE / "rulebook_exact_reads.py")]
                results[arm] = scenario(arm, runner, sims, store, names, args.commits, runs_file, args.timeout)
                print(arm, json.dumps(results[arm]), flush=True)
        return report(results, args)
    finally:
        sims.stop()


def report(results: dict[str, Any], args: argparse.Namespace) -> int:
    arms = [a for a in args.arms.split(",")]
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "load_at_end": round(os.getloadavg()[0], 2), "forks": args.forks}
    failed = [a for a in arms
              if not results[a]["correct"] or (a != "peer_shared" and not results[a]["damped_each_device"])]
    print("%-12s %9s %6s %9s %8s %9s %s" % ("", "seconds", "runs", "in sync", "reads", "damped", "hosts per run"))
    for arm in arms:
        r = results[arm]
        print("%-12s %9.1f %6d %5d/%-4d %7d %9s %s" % (arm, r["seconds"], r["playbook_runs"], r["in_sync"],
                                                      r["devices"], r["reads"], r["damped_each_device"],
                                                      r["hosts_per_run"]))
    if "ours" in results and "peer" in results and not failed:
        results["ratio_seconds"] = round(results["ours"]["seconds"] / results["peer"]["seconds"], 3)
        results["ratio_runs"] = round(results["ours"]["playbook_runs"] / max(results["peer"]["playbook_runs"], 1), 3)
        print("ours/peer: time %.3f, playbook runs %.3f" % (results["ratio_seconds"], results["ratio_runs"]))
    results["failed_arms"] = failed
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if failed:
        for arm in failed:
            print("FAILED: %s is not correct: %s %s" % (arm, results[arm]["problems"][:5],
                                                        results[arm]["damping_examples"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
