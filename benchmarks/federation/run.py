"""Federation benchmark: N children x M devices x K interfaces (+ one address each), generated data.

Measures, on real child servers (the one command, TLS) on loopback:
  1. the first full sync cycle and a cycle after 1% of the objects changed (time, peak memory of the
     master process, bytes received);
  2. ``ansible-inventory --list`` and ``--graph`` of the merged hosts from the inventory cache against
     ansible-core's script inventory of the same hosts, groups and (unsafe) variables
     (``inventory_peer.py``), and the same for the lean mode (``topology_queries`` of the Device type);
     a static YAML file of the same hosts only with ``--static``.

    .venv/bin/python benchmarks/federation/run.py [--children 10 --devices 5000 --ifaces 10]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
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


def static_runs(args: argparse.Namespace, work: Path, master_url: str, env: dict[str, str]) -> dict[str, Any]:
    """``--list`` and ``--graph`` of a static YAML file of the same hosts (a note only: ansible-core 2.19's
    YAML inventory is slow to load), capped in time and address space."""
    static_path = work / "static.yml"
    hosts = static_inventory(master_url, static_path)
    out: dict[str, Any] = {"hosts": hosts, "file_mib": static_path.stat().st_size / 2 ** 20}
    for mode in ("--list", "--graph"):
        try:
            r = run_rusage([str(VENV_BIN / "ansible-inventory"), mode, "-i", str(static_path)], env,
                           str(work / ("static%s.out" % mode)), args.static_timeout, args.static_max_gib)
            r.pop("stderr", None)
            out[mode.strip("-")] = r
        except RuntimeError as exc:
            out[mode.strip("-") + "_error"] = str(exc)[:1000]
        print("static", mode, out.get(mode.strip("-")), flush=True)
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("command", nargs="?", default="all", choices=["all", "cycle"])
    p.add_argument("--children", type=int, default=10)
    p.add_argument("--devices", type=int, default=5000)
    p.add_argument("--ifaces", type=int, default=10)
    p.add_argument("--fraction", type=float, default=0.01)
    p.add_argument("--repeat", type=int, default=1, help="timed runs of each ansible-inventory measurement")
    p.add_argument("--static", action="store_true", help="also the static YAML file (very slow at 10,000 hosts)")
    p.add_argument("--no-lean", action="store_true", help="no lean-mode master (topology_queries: Device only)")
    p.add_argument("--static-timeout", type=float, default=7200.0, help="seconds one static YAML run may take")
    p.add_argument("--static-max-gib", type=float, default=12.0, help="address space of one static YAML run")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "federation" / "results.json"))
    p.add_argument("--workdir", default=str(REPO / ".tmp" / "bench-federation"))
    p.add_argument("--options", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.command == "cycle":
        cycle_main(args)
        return 0
    work = Path(args.workdir).resolve()
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
    lean_options: dict[str, Any] = {}
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
        if not args.no_lean:  # the lean mode: a second master that keeps only the Device objects
            lean_options = dict(options, store=str(work / "master-lean.db"), topology_queries=[{"types": ["Device"]}])
            (work / "options-lean.json").write_text(json.dumps(lean_options))
            lean_cycle = [sys.executable, __file__, "cycle", "--options", str(work / "options-lean.json")]
            results["lean_cycle"] = json.loads(measured(lean_cycle)["stdout"])
            print("lean full cycle", results["lean_cycle"], flush=True)
    finally:
        for child in children:
            child.stop()
    # ansible-inventory: ours from its cache against ansible-core's script inventory of the same hosts
    import yaml

    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    graph = [str(VENV_BIN / "ansible-inventory"), "--graph", "-i"]
    modes = [("", options)] + ([] if args.no_lean else [("lean", lean_options)])
    for label, opts in modes:
        sub = work / (label or "full")
        sub.mkdir()
        kids = [dict(c, token_file=str(work / c["token_file"])) for c in opts["children"]]
        fed_cfg = dict(opts, children=kids, plugin="netsync.fleet.federation", refresh_interval=86400, cache=True,
                       cache_plugin="ansible.builtin.jsonfile", cache_connection=str(sub / "cache"), cache_timeout=0)
        fed_path = sub / "sites.federation.yml"
        fed_path.write_text(yaml.safe_dump(fed_cfg))
        # the first run reads the master's store and fills the cache (--graph: no JSON printing); the measured
        # runs read the cache
        first = run_rusage(graph + [str(fed_path)], env, str(sub / "first.graph"))
        first.pop("stderr", None)
        print(label or "full", "--graph from the store (fills the cache)", round(first["seconds"], 1), flush=True)
        proc = subprocess.run([sys.executable, str(Path(__file__).parent / "inventory_peer.py"), "--workdir", str(sub),
                               "--store", str(opts["store"]), "--repeat", str(args.repeat),
                               "--out", str(sub / "inventory.json")], cwd=str(REPO))
        if proc.returncode != 0:
            raise RuntimeError("inventory_peer.py failed for %s" % (label or "full"))
        measured_inv = json.loads((sub / "inventory.json").read_text())
        measured_inv["from_store"] = first
        measured_inv["cache_file_mib"] = sum(f.stat().st_size for f in (sub / "cache").iterdir()) / 2 ** 20
        results["inventory_lean" if label else "inventory"] = measured_inv
    if args.static:
        results["static"] = static_runs(args, work, options["store"], env)
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
