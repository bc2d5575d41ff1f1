"""Federation benchmark: N children x M devices x K interfaces (+ one address each), generated data.

Measures, on real child servers (the one command, TLS) on loopback:
  1. the first full sync cycle and a cycle after 1% of the objects changed (time, peak memory of the
     master process, bytes received);
  2. ``ansible-inventory --list`` of the merged hosts from the inventory cache against the same hosts
     (same variables and groups) in a static YAML inventory file.

    .venv/bin/python benchmarks/federation/run.py [--children 10 --devices 5000 --ifaces 10]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]

from benchmarks.federation import gen  # noqa: E402
from tests.system.federation.servers import ProcessChild, new_token, self_signed  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def measured(cmd: list[str]) -> dict[str, Any]:
    """Run a command to completion; its stdout."""
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO))
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%s): %s" % (cmd[:3], proc.returncode, proc.stderr[-3000:]))
    return {"stdout": proc.stdout}


def run_rusage(cmd: list[str], env: dict[str, str] | None = None, out_path: str = os.devnull,
               timeout: float | None = None, max_gib: float | None = None) -> dict[str, Any]:
    """Run to completion (killed after ``timeout`` s; address space capped at ``max_gib``): time, peak RSS."""
    import resource
    import signal
    import threading

    def cap() -> None:
        if max_gib:
            limit = int(max_gib * 2 ** 30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.monotonic()
    with open(out_path, "w") as out, open(out_path + ".err", "w+b") as errf:
        proc = subprocess.Popen(cmd, stdout=out, stderr=errf, env=env, cwd=str(REPO), preexec_fn=cap)
        timer = threading.Timer(timeout, lambda: proc.send_signal(signal.SIGKILL)) if timeout else None
        if timer:
            timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status
        if timer:
            timer.cancel()
        errf.seek(0)
        err = errf.read()
    seconds = time.monotonic() - start
    if status != 0:
        raise RuntimeError("%s failed (status %s after %.0f s, peak %.0f MiB): %s" % (
            cmd[:3], status, seconds, usage.ru_maxrss / 1024.0, err[-2000:].decode(errors="replace")))
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024.0,
            "stderr": err.decode(errors="replace")}


def cycle_main(args: argparse.Namespace) -> None:
    """Subcommand: one sync cycle in this fresh process; prints a JSON report."""
    import resource

    from ansible_collections.netsync.fleet.plugins.module_utils import store as st
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import config_from_options
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import run_cycle

    options = json.loads(Path(args.options).read_text())
    cfg = config_from_options(options, str(Path(args.options).parent))
    with st.open_store(options["store"]) as store:
        rep = run_cycle(store.fed_topology, cfg)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "seconds": rep.seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "bytes": rep.bytes, "merged": rep.merged,
        "fetched": sum(r.fetched for r in rep.children.values()),
        "deleted": sum(r.deleted for r in rep.children.values()),
        "requests": sum(r.traffic.requests for r in rep.children.values()),
        "ok": all(r.ok for r in rep.children.values()), "warnings": rep.warnings,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


def _fill(job: tuple[str, str, int, int]) -> dict[str, Any]:
    return gen.fill(*job)


def _change(job: tuple[str, str, int, int, float, int]) -> dict[str, Any]:
    return gen.change(*job)


def static_inventory(master_url: str, path: Path) -> int:
    """The merged hosts, with the same variables and groups, as a static YAML inventory."""
    import yaml

    from ansible_collections.netsync.fleet.plugins.module_utils import store as st

    groups: dict[str, dict[str, Any]] = {}
    hosts: dict[str, Any] = {}
    with st.open_store(master_url) as store:
        for doc in store.fed_topology.hosts():
            hosts[doc["name"]] = doc["vars"]
            for g in doc["groups"]:
                groups.setdefault(g, {"hosts": {}})["hosts"][doc["name"]] = None
    data = {"all": {"hosts": hosts, "children": groups}}
    with path.open("w") as handle:
        yaml.dump(data, handle, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=False)
    return len(hosts)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("command", nargs="?", default="all", choices=["all", "cycle"])
    p.add_argument("--children", type=int, default=10)
    p.add_argument("--devices", type=int, default=5000)
    p.add_argument("--ifaces", type=int, default=10)
    p.add_argument("--fraction", type=float, default=0.01)
    p.add_argument("--repeat", type=int, default=3, help="runs of each ansible-inventory measurement")
    p.add_argument("--skip-static", action="store_true", help="no static YAML run (it is slow at 50,000 hosts)")
    p.add_argument("--skip-static-load", action="store_true", help="no load-only (--graph) run of the static YAML")
    p.add_argument("--static-timeout", type=float, default=7200.0, help="seconds one static YAML run may take")
    p.add_argument("--static-max-gib", type=float, default=12.0, help="address space of one static YAML run")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "federation" / "results.json"))
    p.add_argument("--workdir", default=str(REPO / ".tmp" / "bench-federation"))
    p.add_argument("--options", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.command == "cycle":
        cycle_main(args)
        return 0
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    names = ["c%02d" % i for i in range(args.children)]
    results: dict[str, Any] = {"children": args.children, "devices_per_child": args.devices,
                               "ifaces_per_device": args.ifaces, "cpus": os.cpu_count()}
    t = time.monotonic()
    with multiprocessing.Pool(2) as pool:
        filled = pool.map(_fill, [(str(work / ("%s.db" % n)), n, args.devices, args.ifaces) for n in names])
    results["prepare"] = {"seconds": time.monotonic() - t, "objects": sum(f["objects"] for f in filled),
                          "derive_seconds": sum(f["seconds"] for f in filled)}
    print("prepared", results["prepare"], flush=True)
    cert, key = self_signed(work)
    children: list[ProcessChild] = []
    try:
        options: dict[str, Any] = {"store": str(work / "master.db"), "timeout": 300, "children": []}
        for n in names:
            (work / ("%s.token" % n)).write_text(new_token() + "\n")
            child = ProcessChild(str(work / ("%s.db" % n)), n, work / ("%s.token" % n), tls=(cert, key),
                                 extra=("--refresh-interval", "1"))
            child.cmd.remove("--refresh-interval")
            child.cmd.remove("0")
            children.append(child.start())
            options["children"].append({"name": n, "url": child.url, "token_file": "%s.token" % n, "ca_path": cert})
        (work / "options.json").write_text(json.dumps(options))
        cycle = [sys.executable, __file__, "cycle", "--options", str(work / "options.json")]
        full = json.loads(measured(cycle)["stdout"])
        print("full cycle", full, flush=True)
        with multiprocessing.Pool(2) as pool:
            changed = pool.map(_change, [(str(work / ("%s.db" % n)), n, args.devices, args.ifaces, args.fraction, 7)
                                         for n in names])
        results["changed"] = {"devices": sum(c["devices"] for c in changed),
                              "objects": sum(c["objects"] for c in changed)}
        time.sleep(1.1)  # past the children's refresh interval: they check their snapshots again
        incr = json.loads(measured(cycle)["stdout"])
        print("incremental cycle", incr, flush=True)
        results["full"], results["incremental"] = full, incr
        results["ratio_time"] = incr["seconds"] / full["seconds"]
        results["ratio_bytes"] = incr["bytes"] / full["bytes"]
    finally:
        for child in children:
            child.stop()
    # ansible-inventory: from the inventory cache vs a static YAML file of the same hosts
    fed_cfg = dict(options, plugin="netsync.fleet.federation", refresh_interval=86400, cache=True,
                   cache_plugin="ansible.builtin.jsonfile", cache_connection=str(work / "cache"), cache_timeout=0)
    import yaml
    fed_path = work / "sites.federation.yml"
    fed_path.write_text(yaml.safe_dump(fed_cfg))
    static_path = work / "static.yml"
    results["hosts"] = static_inventory(options["store"], static_path)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    inv = [str(VENV_BIN / "ansible-inventory"), "--list", "-i"]
    graph = [str(VENV_BIN / "ansible-inventory"), "--graph", "-i"]
    results["inventory_from_store"] = run_rusage(inv + [str(fed_path)], env, str(work / "fed.json"))
    print("inventory from the store", results["inventory_from_store"]["seconds"], flush=True)
    fed_runs = [run_rusage(inv + [str(fed_path)], env, str(work / "fed.json")) for _ in range(args.repeat)]
    fed_load = run_rusage(graph + [str(fed_path)], env, str(work / "fed.graph"))
    print("inventory from the cache", [r["seconds"] for r in fed_runs], "load", fed_load["seconds"], flush=True)
    static_runs: list[dict[str, Any]] = []
    static_load: dict[str, Any] = {}
    static_error = ""
    if not args.skip_static:
        try:
            for _ in range(args.repeat):
                static_runs.append(run_rusage(inv + [str(static_path)], env, str(work / "static.json"),
                                              args.static_timeout, args.static_max_gib))
            if not args.skip_static_load:
                static_load = run_rusage(graph + [str(static_path)], env, str(work / "static.graph"),
                                         args.static_timeout, args.static_max_gib)
        except RuntimeError as exc:
            static_error = str(exc)[:1000]
        print("static", [r["seconds"] for r in static_runs], static_load.get("seconds"), static_error, flush=True)
    fed_hosts = len(json.loads((work / "fed.json").read_text())["_meta"]["hostvars"])
    static_hosts = len(json.loads((work / "static.json").read_text())["_meta"]["hostvars"]) if static_runs else 0
    results["inventory"] = {
        "hosts_from_cache": fed_hosts, "hosts_static": static_hosts,
        "cache_seconds": [r["seconds"] for r in fed_runs], "static_seconds": [r["seconds"] for r in static_runs],
        "cache_cpu_seconds": [r["cpu_seconds"] for r in fed_runs],
        "static_cpu_seconds": [r["cpu_seconds"] for r in static_runs],
        "cache_load_cpu_seconds": fed_load["cpu_seconds"], "static_load_cpu_seconds": static_load.get("cpu_seconds"),
        "cache_peak_mib": max(r["peak_mib"] for r in fed_runs),
        "static_peak_mib": max((r["peak_mib"] for r in static_runs), default=None),
        "static_file_mib": static_path.stat().st_size / 2 ** 20,
        "cache_file_mib": sum(f.stat().st_size for f in (work / "cache").iterdir()) / 2 ** 20,
        "cache_load_seconds": fed_load["seconds"], "cache_load_peak_mib": fed_load["peak_mib"],
        "static_load_seconds": static_load.get("seconds"), "static_load_peak_mib": static_load.get("peak_mib"),
        "static_error": static_error,
    }
    if static_runs:
        results["ratio_inventory"] = statistics.median(results["inventory"]["cache_seconds"]) / statistics.median(
            results["inventory"]["static_seconds"])
    for r in (results["inventory_from_store"],):
        r.pop("stderr", None)
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
