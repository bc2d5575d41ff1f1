"""Resync benchmark: ``playbooks/resync.yml`` (ours) against a netcommon backup playbook (peer).

    .venv/bin/python benchmarks/resync/run.py [--devices 24] [--repeat 3] [--forks 10]

Starts simulated Junos and netconfd devices on loopback, onboards them into a fresh
SQLite store (not timed), then, ``--repeat`` times: commits out of band on a few devices
and runs both playbooks (order alternating), timing each ``ansible-playbook`` wall to
wall. Then one device's latency. Writes ``results/latest.json`` and prints a table.
See docs/benchmarks.md, section Resync.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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

from benchmarks.resync import latency  # noqa: E402
from benchmarks.resync.checks import check_ours, check_peer, failed_hosts  # noqa: E402
from benchmarks.resync.fleet import Testbed  # noqa: E402
from tests.system.helpers import run_playbook  # noqa: E402

OURS = REPO / "playbooks" / "resync.yml"
PEER = REPO / "benchmarks" / "resync" / "peer.yml"
ONBOARD = REPO / "playbooks" / "onboard.yml"
TARGET_RATIO = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/resync/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", type=int, default=24, help="devices in all (default 24)")
    p.add_argument("--junos", type=int, default=None, help="of which simulated Junos (default half)")
    p.add_argument("--repeat", type=int, default=3, help="timed A/B repetitions (default 3)")
    p.add_argument("--forks", type=int, default=10, help="ansible-playbook --forks for both (default 10)")
    p.add_argument("--changed", type=int, default=4, help="devices committed out of band per repetition")
    p.add_argument("--latency-runs", type=int, default=5, help="runs per single-device measurement")
    p.add_argument("--tick-rpcs", type=int, default=20, help="round trips per TICK setting")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks/resync/results/latest.json")
    return p.parse_args(argv)


def versions() -> dict[str, Any]:
    from importlib import metadata

    import ncclient  # type: ignore[import-untyped]

    site = Path(ncclient.__file__).resolve().parents[1]
    manifest = site / "ansible_collections" / "ansible" / "netcommon" / "MANIFEST.json"
    nc_version = json.loads(manifest.read_text())["collection_info"]["version"] if manifest.exists() else None
    return {"nproc": os.cpu_count(), "python": platform.python_version(),
            "ansible_core": metadata.version("ansible-core"), "ansible": metadata.version("ansible"),
            "ansible_netcommon": nc_version, "ncclient": ncclient.__version__, "machine": platform.machine(),
            "kernel": platform.release(), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


def pick_changed(tb: Testbed, count: int, rep: int) -> list[str]:
    """``count`` devices, half of each kind, different ones each repetition."""
    junos = [n for n in tb.names if tb.is_junos(n)]
    other = [n for n in tb.names if not tb.is_junos(n)]
    chosen: list[str] = []
    for group, share in ((junos, (count + 1) // 2), (other, count // 2)):
        if not group:
            continue
        start = rep * share
        chosen += [group[(start + i) % len(group)] for i in range(min(share, len(group)))]
    while len(chosen) < count and len(chosen) < len(tb.names):  # one kind only
        extra = [n for n in tb.names if n not in chosen]
        chosen.append(extra[rep % len(extra)])
    return chosen


def child_cpu() -> float:
    """User + system CPU seconds of the children waited for (ansible-playbook and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(playbook: Path, inventory: Path, store: str, forks: int, *extra: str,
              must_pass: bool = False) -> tuple[float, Any, float]:
    start, cpu = time.perf_counter(), child_cpu()
    run = run_playbook(playbook, inventory, store, "--forks", str(forks), *extra, timeout=900)
    wall = time.perf_counter() - start
    cpu = round(child_cpu() - cpu, 3)
    if run.rc != 0:
        detail = failed_hosts(run) or run.stdout[-3000:] + run.stderr[-3000:]
        if must_pass:
            raise RuntimeError("%s failed (rc %s): %s" % (playbook.name, run.rc, detail))
        print("  %s: rc %s: %s" % (playbook.name, run.rc, detail), flush=True)
    return wall, run, cpu


def fleet_runs(tb: Testbed, store: str, backups: Path, args: argparse.Namespace) -> dict[str, Any]:
    peer_extra = ("-e", "backup_dir=%s" % backups)
    out: dict[str, Any] = {"ours": [], "peer": [], "ours_play": [], "peer_play": [], "ours_tasks": [],
                           "peer_tasks": [], "ours_cpu": [], "peer_cpu": [], "checks": []}
    # warm-up, untimed: page cache and .pyc for both, the peer's first backup files
    for arm, book, inv, extra in (("ours", OURS, tb.ours_inventory, ()), ("peer", PEER, tb.peer_inventory, peer_extra)):
        wall, run, _ = timed_run(book, inv, store, args.forks, *extra)
        out["warmup_%s_s" % arm] = round(wall, 3)
        out["warmup_%s_failed" % arm] = failed_hosts(run)
    for rep in range(args.repeat):
        marker = "bench-%d-%s" % (rep, uuid.uuid4().hex[:8])
        changed = pick_changed(tb, args.changed, rep)
        for name in changed:
            tb.oob_commit(name, marker)
        order = ("ours", "peer") if rep % 2 == 0 else ("peer", "ours")
        check: dict[str, Any] = {"rep": rep, "order": list(order), "changed": changed}
        for arm in order:
            if arm == "ours":
                wall, run, cpu = timed_run(OURS, tb.ours_inventory, store, args.forks)
                check["ours"] = check_ours(run, store, tb.names, changed, marker)
            else:
                since = time.time()
                wall, run, cpu = timed_run(PEER, tb.peer_inventory, store, args.forks, *peer_extra)
                check["peer"] = check_peer(backups, tb.names, changed, marker, since)
            check[arm]["failed_hosts"] = failed_hosts(run)
            check[arm]["ok"] = check[arm]["ok"] and run.rc == 0
            out[arm].append(round(wall, 3))
            out[arm + "_cpu"].append(cpu)
            out[arm + "_play"].append(round(latency.play_seconds(run.data), 3) if run.data else None)
            out[arm + "_tasks"].append(latency.task_seconds(run.data) if run.data else {})
            print("  rep %d %-4s %7.2f s" % (rep, arm, wall), flush=True)
        out["checks"].append(check)
    out["ours_median_s"] = round(statistics.median(out["ours"]), 3)
    out["peer_median_s"] = round(statistics.median(out["peer"]), 3)
    for arm in ("ours", "peer"):
        plays = [x for x in out[arm + "_play"] if x is not None]
        out[arm + "_play_median_s"] = round(statistics.median(plays), 3) if plays else None
        out[arm + "_cpu_median_s"] = round(statistics.median(out[arm + "_cpu"]), 3)
    out["ratio_ours_over_peer"] = round(out["ours_median_s"] / out["peer_median_s"], 3)
    out["target_met"] = out["ratio_ours_over_peer"] <= TARGET_RATIO
    return out


def single_device(tb: Testbed, store: str, backups: Path, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    noop = workdir / "noop.yml"
    noop.write_text(latency.NOOP_PLAY)
    n = args.latency_runs
    junos = next((d for d in tb.devices if tb.is_junos(d.name)), None)
    other = next((d for d in tb.devices if not tb.is_junos(d.name)), None)
    out: dict[str, Any] = {"python_startup_ms": latency.python_startup(),
                           "cold_imports_ms": latency.cold_imports()}
    for label, dev in (("junos", junos), ("netconfd", other)):
        if dev is None:
            continue
        entry: dict[str, Any] = {"host": dev.name}
        entry["noop_playbook"] = latency.end_to_end(noop, tb.ours_inventory, store, dev.name, n)
        entry["ours_playbook"] = latency.end_to_end(OURS, tb.ours_inventory, store, dev.name, n)
        entry["peer_playbook"] = latency.end_to_end(PEER, tb.peer_inventory, store, dev.name, n,
                                                    ("-e", "backup_dir=%s" % backups))
        scratch = str(workdir / ("inproc-%s.db" % label))
        entry["in_process"] = latency.in_process(dev, tb.known_hosts, scratch, max(n, 5))
        entry["tick"] = latency.tick_effect(dev, tb.known_hosts, args.tick_rpcs)
        out[label] = entry
        print("  latency %s done" % label, flush=True)
    return out


def table(res: dict[str, Any]) -> str:
    f = res["fleet"]
    lines = ["", "Resync of %d devices (%d Junos sim + %d netconfd), forks %d, %d repetitions"
             % (res["devices"], res["junos"], res["netconfd"], res["forks"], res["repeat"]),
             "%-30s %9s %9s %9s  %s" % ("", "wall s", "play s", "cpu s", "wall of each run"),
             "%-30s %9.2f %9.2f %9.2f  %s" % ("ours  playbooks/resync.yml", f["ours_median_s"],
                                              f["ours_play_median_s"] or float("nan"), f["ours_cpu_median_s"],
                                              f["ours"]),
             "%-30s %9.2f %9.2f %9.2f  %s" % ("peer  netconf_get + copy", f["peer_median_s"],
                                              f["peer_play_median_s"] or float("nan"), f["peer_cpu_median_s"],
                                              f["peer"]),
             "%-30s %9.3f  (target <= %.2f: %s)" % ("ratio ours/peer (wall)", f["ratio_ours_over_peer"], TARGET_RATIO,
                                                   "met" if f["target_met"] else "NOT met"),
             "correctness: %s" % ("all checks passed" if res["checks_ok"] else "FAILED")]
    lat = res["latency"]
    lines += ["", "One device, medians in ms (python start-up %.0f; cold import of ncclient + ours %.0f)"
              % (lat["python_startup_ms"], lat["cold_imports_ms"])]
    for label in ("junos", "netconfd"):
        e = lat.get(label)
        if not e:
            continue
        ip, tick = e["in_process"], e["tick"]
        lines.append("  %s (%s)" % (label, e["host"]))
        for key, name in (("noop_playbook", "noop (debug)"), ("ours_playbook", "ours"), ("peer_playbook", "peer")):
            tasks = ", ".join("%s %.0f" % (t[:24], v) for t, v in e[key]["tasks_ms"].items())
            failed = " FAILED %d run(s)" % len(e[key]["failures"]) if e[key]["failures"] else ""
            lines.append("    ansible-playbook %-12s wall %6.0f  play %6.0f  [%s]%s"
                         % (name, e[key]["wall_ms"], e[key]["play_ms"], tasks, failed))
        lines.append("    in-process: connect %.1f, rpc %.1f, close %.1f, render+sha %.2f, store %.1f; "
                     "run_resync total %.1f (%d bytes of config)" % (ip["connect"], ip["rpc"], ip["close"],
                                                                     ip["render_sha"], ip["store"], ip["total"],
                                                                     ip["config_bytes"]))
        for key in ("ours_0.002", "ncclient_0.1"):
            t = tick[key]
            lines.append("    TICK %-5s connect %6.1f  first rpc %6.1f  rpc %6.1f  close %6.1f"
                         % (key.split("_")[1], t["connect_ms"], t["first_rpc_ms"], t["rpc_ms"], t["close_ms"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n_junos = args.devices // 2 if args.junos is None else args.junos
    if not 0 <= n_junos <= args.devices or args.devices < 1:
        raise SystemExit("--junos must be between 0 and --devices")
    workdir = Path(tempfile.mkdtemp(prefix="nsbench-"))
    tb = Testbed(n_junos, args.devices - n_junos, workdir)
    res: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "command": " ".join([".venv/bin/python", "benchmarks/resync/run.py", *sys.argv[1:]]),
                           "devices": args.devices, "junos": n_junos, "netconfd": args.devices - n_junos,
                           "forks": args.forks, "repeat": args.repeat, "changed_per_rep": args.changed,
                           "machine": versions()}
    try:
        print("starting %d devices in %s" % (args.devices, workdir), flush=True)
        tb.start()
        store = str(workdir / "fleet.db")
        backups = workdir / "backups"
        backups.mkdir()
        onboard_s, _, _ = timed_run(ONBOARD, tb.ours_inventory, store, args.forks, must_pass=True)
        res["onboard_s"] = round(onboard_s, 3)
        print("onboarded in %.2f s (not counted)" % onboard_s, flush=True)
        res["fleet"] = fleet_runs(tb, store, backups, args)
        res["checks_ok"] = all(c[arm]["ok"] for c in res["fleet"]["checks"] for arm in ("ours", "peer"))
        res["latency"] = single_device(tb, store, backups, workdir, args)
    finally:
        res["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        tb.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, sort_keys=False) + "\n")
    print(table(res))
    print("\nwrote %s" % args.out)
    return 0 if res["checks_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
