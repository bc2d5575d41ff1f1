"""CLI resync benchmark: ``playbooks/resync.yml`` (ours) against ``cisco.ios.ios_config`` with
``backup: true`` (the usual way), over one inventory of simulated IOS devices on ``network_cli``.

    .venv/bin/python benchmarks/resync/cli_run.py [--devices 50] [--processes 5] [--repeat 3] [--forks 10]

Starts ``--devices`` IOS simulators in ``--processes`` child processes, onboards them into a
fresh SQLite store (not timed), runs each arm once untimed (warm-up), then ``--repeat`` times:
changes ``--changed`` devices out of band and runs both playbooks (order alternating), timing
each ``ansible-playbook`` wall to wall. Every timed run is checked before its time counts:
both arms read every device (the simulators count ``show running-config``), ours stored a
snapshot holding the change for exactly the changed devices and left every device In Sync,
the peer rewrote every backup file and the changed ones hold the change.
Writes ``results/cli-latest.json`` and prints a table. See docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from benchmarks.resync.checks import check_ours, failed_hosts  # noqa: E402
from benchmarks.resync.cli_fleet import CliFleet  # noqa: E402
from benchmarks.resync.run import timed_run, versions  # noqa: E402

OURS = REPO / "playbooks" / "resync.yml"
PEER = REPO / "benchmarks" / "resync" / "cli_peer.yml"
ONBOARD = REPO / "playbooks" / "onboard.yml"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/resync/cli_run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", type=int, default=50, help="simulated IOS devices (default 50)")
    p.add_argument("--processes", type=int, default=5, help="simulator processes (default 5)")
    p.add_argument("--repeat", type=int, default=3, help="timed A/B repetitions (default 3)")
    p.add_argument("--forks", type=int, default=10, help="ansible-playbook --forks for both (default 10)")
    p.add_argument("--changed", type=int, default=5, help="devices changed out of band per repetition")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks/resync/results/cli-latest.json")
    return p.parse_args(argv)


def check_reads(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """Every device printed its running configuration at least once during the run."""
    return ["%s: running configuration not read" % n for n in before if after.get(n, 0) <= before[n]]


def check_backups(backups: Path, names: list[str], changed: list[str], marker: str, since: float) -> dict[str, Any]:
    """Every host's backup was rewritten in this run, is an IOS configuration, holds ``marker`` iff changed."""
    problems: list[str] = []
    for name in names:
        path = backups / ("%s.cfg" % name)
        if not path.exists():
            problems.append("%s: no backup file" % name)
            continue
        text = path.read_text()
        if "hostname %s" % name not in text:
            problems.append("%s: backup is not this device's configuration" % name)
        if path.stat().st_mtime < since:
            problems.append("%s: backup file not rewritten" % name)
        if (marker in text) != (name in changed):
            problems.append("%s: backup %s the change" % (name, "lacks" if name in changed else "has"))
    return {"ok": not problems, "problems": problems}


def runs(fleet: CliFleet, store: str, backups: Path, args: argparse.Namespace) -> dict[str, Any]:
    peer_extra = ("-e", "backup_dir=%s" % backups)
    out: dict[str, Any] = {"ours": [], "peer": [], "ours_cpu": [], "peer_cpu": [], "checks": []}
    for arm, book, extra in (("ours", OURS, ()), ("peer", PEER, peer_extra)):  # warm-up, untimed
        wall, run, _ = timed_run(book, fleet.inventory, store, args.forks, *extra)
        out["warmup_%s_s" % arm] = round(wall, 3)
        out["warmup_%s_failed" % arm] = failed_hosts(run)
    n = len(fleet.names)
    for rep in range(args.repeat):
        marker = "bench-%d-%s" % (rep, uuid.uuid4().hex[:8])
        changed = [fleet.names[(rep * args.changed + i) % n] for i in range(min(args.changed, n))]
        for name in changed:
            fleet.configure(name, ["interface GigabitEthernet2", "description %s" % marker])
        order = ("ours", "peer") if rep % 2 == 0 else ("peer", "ours")
        check: dict[str, Any] = {"rep": rep, "order": list(order), "changed": changed}
        for arm in order:
            before, since = fleet.reads(), time.time()
            if arm == "ours":
                wall, run, cpu = timed_run(OURS, fleet.inventory, store, args.forks)
                check["ours"] = check_ours(run, store, fleet.names, changed, marker)
            else:
                wall, run, cpu = timed_run(PEER, fleet.inventory, store, args.forks, *peer_extra)
                check["peer"] = check_backups(backups, fleet.names, changed, marker, since)
            unread = check_reads(before, fleet.reads())
            check[arm]["problems"] += unread
            check[arm]["failed_hosts"] = failed_hosts(run)
            check[arm]["ok"] = check[arm]["ok"] and not unread and run.rc == 0
            out[arm].append(round(wall, 3))
            out[arm + "_cpu"].append(cpu)
            print("  rep %d %-4s %7.2f s  %s" % (rep, arm, wall, "ok" if check[arm]["ok"] else "CHECK FAILED"),
                  flush=True)
        out["checks"].append(check)
    for arm in ("ours", "peer"):
        out[arm + "_median_s"] = round(statistics.median(out[arm]), 3)
        out[arm + "_cpu_median_s"] = round(statistics.median(out[arm + "_cpu"]), 3)
    out["ratio_ours_over_peer"] = round(out["ours_median_s"] / out["peer_median_s"], 3)
    return out


def table(res: dict[str, Any]) -> str:
    f = res["fleet"]
    return "\n".join([
        "", "Resync of %d simulated IOS devices over network_cli (%d simulator processes), forks %d, %d repetitions"
        % (res["devices"], res["processes"], res["forks"], res["repeat"]),
        "%-44s %9s %9s  %s" % ("", "wall s", "cpu s", "wall of each run"),
        "%-44s %9.2f %9.2f  %s" % ("ours  playbooks/resync.yml", f["ours_median_s"], f["ours_cpu_median_s"],
                                   f["ours"]),
        "%-44s %9.2f %9.2f  %s" % ("peer  cisco.ios.ios_config backup: true", f["peer_median_s"],
                                   f["peer_cpu_median_s"], f["peer"]),
        "%-44s %9.3f" % ("ratio ours/peer (wall, medians)", f["ratio_ours_over_peer"]),
        "load average at start %s, at end %s" % (res["machine"]["loadavg_at_start"], res["loadavg_at_end"]),
        "correctness: %s" % ("all checks passed" if res["checks_ok"] else "FAILED")])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.devices < 1 or args.processes < 1:
        raise SystemExit("--devices and --processes must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="nsbench-cli-"))
    fleet = CliFleet(args.devices, args.processes, workdir)
    res: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "command": " ".join([".venv/bin/python", "benchmarks/resync/cli_run.py", *sys.argv[1:]]),
                           "devices": args.devices, "processes": args.processes, "forks": args.forks,
                           "repeat": args.repeat, "changed_per_rep": args.changed, "machine": versions()}
    try:
        print("starting %d IOS simulators in %s" % (args.devices, workdir), flush=True)
        fleet.start()
        store = str(workdir / "fleet.db")
        backups = workdir / "backups"
        backups.mkdir()
        onboard_s, _, _ = timed_run(ONBOARD, fleet.inventory, store, args.forks, must_pass=True)
        res["onboard_s"] = round(onboard_s, 3)
        print("onboarded in %.2f s (not counted)" % onboard_s, flush=True)
        res["fleet"] = runs(fleet, store, backups, args)
        res["checks_ok"] = all(c[arm]["ok"] for c in res["fleet"]["checks"] for arm in ("ours", "peer"))
    finally:
        res["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        fleet.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print(table(res))
    print("\nwrote %s" % args.out)
    return 0 if res["checks_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
