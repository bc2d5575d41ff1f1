"""Resync at fleet size: ``playbooks/resync.yml`` against the bare ncclient floor, same run.

    .venv/bin/python benchmarks/resync/scale.py [--devices 100] [--sims 4] [--forks 20] [--repeat 3]

Starts ``--devices`` simulated Junos devices spread over ``--sims`` simulator processes, onboards
them into a fresh SQLite store (not timed), then ``--repeat`` times: commits out of band on a few
devices and runs, in rotating order, three arms, each timed wall to wall as a process:

- ``floor``: ``benchmarks/resync/floor.py``, a thread pool of ``--forks`` bare ncclient sessions
  (open, ``get-configuration`` committed, close) over the same devices;
- ``floor_nodelay``: the same with ``TCP_NODELAY`` on each session's socket, as our sessions have it
  (not a default arm: the target is against ``floor``; this one says what the socket option alone gives);
- ``batch``: ``ansible-playbook playbooks/resync.yml --forks N`` with ``NETSYNC_RESYNC_BATCH=1``
  (the resync batch, whatever the number of hosts);
- ``per_host``: the same with ``NETSYNC_RESYNC_BATCH=0`` (each worker resyncs its host);
- ``strategy``: the same with ``ANSIBLE_STRATEGY=netsync.fleet.fleet`` (batch off): the resync task's
  hosts run in a thread pool inside ansible-playbook, no worker process per host; every host's result
  must say ``in_process: true``; the hosts run in the strategy's pool processes (default: the CPUs, at
  most 2);
- ``strategy_threads``: the same with ``NETSYNC_FLEET_PROCESSES=0`` (threads inside ansible-playbook);
- ``strategy_executor``: the strategy with ``NETSYNC_FLEET_DIRECT=0`` (each host through ansible-core's
  task executor in the pool's threads, not the direct path);
- ``noop``: a playbook with one ``debug`` task over the same hosts and forks: what ansible-core's
  per-host machinery alone costs (no correctness check: it does no device work).

Correctness first: the floor must read every device and see the new commit exactly on the
committed ones; both playbook arms must pass ``checks.check_ours`` (every host's result in the
run, the store's snapshot, status and history tied to the job). A failed check fails the run.
Writes ``results/scale-<devices>.json``. See docs/benchmarks.md, "Resync at fleet size".
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from benchmarks.resync.checks import RESYNC_TASK, check_ours, failed_hosts  # noqa: E402
from benchmarks.resync.fleet import SIM_USER, SIM_PASSWORD, SimProcess  # noqa: E402
from tests.system.helpers import Device, run_playbook, write_inventory  # noqa: E402

OURS = REPO / "playbooks" / "resync.yml"
ONBOARD = REPO / "playbooks" / "onboard.yml"
FLOOR = REPO / "benchmarks" / "resync" / "floor.py"
TARGET = 1.5
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/resync/scale.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", type=int, default=100)
    p.add_argument("--sims", type=int, default=4, help="simulator processes (default 4)")
    p.add_argument("--forks", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--changed", type=int, default=4, help="devices committed out of band per repetition")
    p.add_argument("--arms", default="floor,strategy,batch,per_host,noop")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


class Fleet:
    def __init__(self, devices: int, procs: int, workdir: Path) -> None:
        per = [devices // procs + (1 if i < devices % procs else 0) for i in range(procs)]
        self.procs = [SimProcess(n, prefix=LETTERS[i]) for i, n in enumerate(per) if n]
        self.workdir = workdir
        self.owner: dict[str, SimProcess] = {}
        self.devices: list[Device] = []
        self.home = workdir / "home"
        self.inventory = workdir / "inventory.yml"

    def start(self) -> None:
        lines: list[str] = []
        for proc in self.procs:
            ports = proc.start()
            lines += proc.known_hosts_lines
            for name in sorted(ports, key=lambda n: int(n[1:])):
                self.owner[name] = proc
                self.devices.append(Device(name, "127.0.0.1", ports[name], SIM_USER, SIM_PASSWORD))
        (self.home / ".ssh").mkdir(parents=True)
        known = self.home / ".ssh" / "known_hosts"
        known.write_text("".join(line + "\n" for line in lines if line.strip()))
        write_inventory(self.inventory, self.devices, known_hosts=known, connection="local")

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.devices]

    def commit(self, name: str, marker: str) -> None:
        self.owner[name].cli_commit(name, ["set interfaces ge-0/0/1 description %s" % marker])

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


def run_floor(fleet: Fleet, forks: int, changed: list[str], marker: str,
              nodelay: bool = False) -> tuple[float, dict[str, Any]]:
    targets = [{"name": d.name, "host": d.host, "port": d.port, "username": d.username, "password": d.password}
               for d in fleet.devices]
    env = dict(os.environ, HOME=str(fleet.home))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(FLOOR), "--threads", str(forks)] + (["--nodelay"] if nodelay else []),
                          input=json.dumps(targets),
                          capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - start
    problems: list[str] = []
    try:
        results = json.loads(proc.stdout)
    except ValueError:
        return wall, {"ok": False, "problems": ["floor output: %s" % (proc.stdout[-500:] + proc.stderr[-2000:])]}
    for name in fleet.names:
        res = results.get(name) or {}
        if not res.get("ok"):
            problems.append("%s: %s" % (name, res.get("error")))
        elif (marker in res["markers"]) != (name in changed):
            problems.append("%s: read %s the new commit" % (name, "lacks" if name in changed else "has"))
    return wall, {"ok": not problems and proc.returncode == 0, "problems": problems[:20]}


OURS_ARMS = ("batch", "per_host", "strategy", "strategy_threads", "strategy_executor")


def run_ours(fleet: Fleet, store: str, forks: int, arm: str, changed: list[str],
             marker: str) -> tuple[float, dict[str, Any]]:
    extra = {"NETSYNC_RESYNC_BATCH": "1" if arm == "batch" else "0"}
    if arm.startswith("strategy"):
        extra.update(ANSIBLE_STRATEGY="netsync.fleet.fleet", ANSIBLE_DEPRECATION_WARNINGS="0")
        if arm == "strategy_threads":
            extra["NETSYNC_FLEET_PROCESSES"] = "0"
        if arm == "strategy_executor":
            extra["NETSYNC_FLEET_DIRECT"] = "0"
    verbose = ("-vv",) if arm.startswith("strategy") else ()  # the strategy says which path the task took
    start = time.perf_counter()
    run = run_playbook(OURS, fleet.inventory, store, "--forks", str(forks), *verbose, timeout=1800, env_extra=extra)
    wall = time.perf_counter() - start
    check = check_ours(run, store, fleet.names, changed, marker)
    check["failed_hosts"] = dict(list(failed_hosts(run).items())[:20])
    check["ok"] = check["ok"] and run.rc == 0
    if arm.startswith("strategy"):  # the arm measures the in-process path: every host must have taken it
        outside = [h for h, r in _results(run).items() if r.get("in_process") is not True]
        if outside:
            check["ok"] = False
            check["problems"].append("not run in-process: %s" % outside[:20])
        path = "through ansible-core's task executor" if arm == "strategy_executor" else "direct"
        if "runs in-process %s" % path not in run.stdout:
            check["ok"] = False
            check["problems"].append("the resync task did not run in-process %s" % path)
    check["problems"] = check["problems"][:20]
    return wall, check


def _results(run: Any) -> dict[str, dict[str, Any]]:
    try:
        return dict(run.results(RESYNC_TASK))
    except AssertionError:
        return {}


def run_noop(fleet: Fleet, store: str, forks: int) -> tuple[float, dict[str, Any]]:
    book = fleet.workdir / "noop.yml"
    book.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n"
                    "        msg: noop\n")
    start = time.perf_counter()
    run = run_playbook(book, fleet.inventory, store, "--forks", str(forks), timeout=1800)
    wall = time.perf_counter() - start
    return wall, {"ok": run.rc == 0 and len(run.stats) == len(fleet.names), "problems": []}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    arms = [a for a in args.arms.split(",") if a]
    workdir = Path(tempfile.mkdtemp(prefix="nsscale-"))
    fleet = Fleet(args.devices, args.sims, workdir)
    res: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "command": " ".join(["benchmarks/resync/scale.py", *sys.argv[1:]]),
                           "devices": args.devices, "sim_processes": len(fleet.procs), "forks": args.forks,
                           "nproc": os.cpu_count(), "loadavg_at_start": os.getloadavg(),
                           "walls": {a: [] for a in arms}, "loads": [], "checks": []}
    try:
        fleet.start()
        store = str(workdir / "fleet.db")
        run = run_playbook(ONBOARD, fleet.inventory, store, "--forks", str(args.forks), timeout=3600)
        if run.rc != 0:
            raise RuntimeError("onboarding failed: %s" % failed_hosts(run))
        print("%d devices in %d simulator processes onboarded" % (args.devices, len(fleet.procs)), flush=True)
        for rep in range(args.repeat):
            marker = "bench-%d-%s" % (rep, uuid.uuid4().hex[:8])
            changed = [fleet.names[(rep * args.changed + i * 7) % len(fleet.names)] for i in range(args.changed)]
            changed = sorted(set(changed))
            for name in changed:
                fleet.commit(name, marker)
            order = arms[rep % len(arms):] + arms[:rep % len(arms)]
            check: dict[str, Any] = {"rep": rep, "order": order, "changed": changed}
            for arm in order:
                if arm == "noop":
                    wall, check[arm] = run_noop(fleet, store, args.forks)
                elif arm in ("floor", "floor_nodelay"):
                    wall, check[arm] = run_floor(fleet, args.forks, changed, marker, nodelay=arm == "floor_nodelay")
                else:
                    # each playbook arm sees the commit as new only once: commit again between arms
                    wall, check[arm] = run_ours(fleet, store, args.forks, arm, changed, marker)
                res["walls"][arm].append(round(wall, 3))
                res["loads"].append(os.getloadavg()[0])
                print("  rep %d %-8s %7.2f s  ok=%s  load %.1f" % (rep, arm, wall, check[arm]["ok"],
                                                                   os.getloadavg()[0]), flush=True)
                later = order[order.index(arm) + 1:]
                if arm in OURS_ARMS and any(a in OURS_ARMS for a in later):
                    marker = "bench-%d-%s" % (rep, uuid.uuid4().hex[:8])
                    for name in changed:
                        fleet.commit(name, marker)
            res["checks"].append(check)
    finally:
        res["loadavg_at_end"] = os.getloadavg()
        fleet.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    res["checks_ok"] = all(c[a]["ok"] for c in res["checks"] for a in arms)
    res["median_s"] = {a: round(statistics.median(w), 3) for a, w in res["walls"].items() if w}
    if "floor" in res["median_s"]:
        res["ratio_to_floor"] = {a: round(m / res["median_s"]["floor"], 3) for a, m in res["median_s"].items()}
        best = min((res["ratio_to_floor"][a] for a in OURS_ARMS if a in res["ratio_to_floor"]), default=99)
        res["target_met"] = res["checks_ok"] and best <= TARGET
    out = args.out or REPO / ("benchmarks/resync/results/scale-%d.json" % args.devices)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps({k: res.get(k) for k in ("median_s", "ratio_to_floor", "checks_ok", "target_met",
                                              "loadavg_at_start", "loadavg_at_end")}, indent=1))
    if not res["checks_ok"]:
        print(json.dumps(res["checks"], indent=1)[:6000])
    return 0 if res["checks_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
