"""Alarms and metrics on demand: lookup latency against real child servers (the one command, TLS, loopback).

1. Alarms: N children, each with M alarm changes (``device_syslog`` alarms raised on generated devices).
   - the first lookup with a fresh master store: pulls all N x M changes;
   - a lookup within ``max_alarm_update_delay``: answered from the master's copy (no request);
   - a lookup after the delay when 1% of the alarms changed (cleared): the incremental pull.
   Each measured twice: the lookup logic in this process (``query_alarms``), and a whole
   ``ansible-playbook`` run of ``query('netsync.fleet.alarms', ...)`` (filtered to one device, so
   the play does not print 100,000 alarms).
2. Metrics: one device with a year of 1-minute points (525,600) on each of 2 children (the same
   times: the merge deduplicates them). The first lookup (sources determined, all points pulled and
   merged), the next one (sources reused), and a whole ``ansible-playbook`` run.

    .venv/bin/python benchmarks/federation/bench_alarms.py [--children 10 --alarms 10000 --points 525600]

Prints a table (and JSON with --out). Asserts no timing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import Signal  # noqa: E402
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.alarms import (  # noqa: E402
    AlarmQuery,
    query_alarms,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (  # noqa: E402
    load_federation,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.metrics import query_metric  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import apply_signals
from tests.system.federation.servers import ProcessChild, new_token, self_signed  # noqa: E402

VENV_BIN = Path(sys.executable).parent
YEAR_MINUTES = 365 * 24 * 60


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def fill_alarms(path: str, count: int, now: float) -> None:
    with st.open_store(path) as store:
        sigs = [Signal("device_syslog", "dev%05d" % (i // 5), True, now - (count - i) * 0.01, "message %d" % i,
                       subject="TAG_%d" % (i % 5), severity=("critical", "major")[i % 2]) for i in range(count)]
        for i in range(0, len(sigs), 5000):
            apply_signals(store.alarms, sigs[i:i + 5000])


def clear_some(path: str, share: float, now: float) -> int:
    with st.open_store(path) as store:
        rows = store.alarms.select(state="active")
        pick = rows[::max(int(1 / share), 1)]
        apply_signals(store.alarms, [Signal(a["type"], a["device"], False, now, subject=a["subject"]) for a in pick])
        return len(pick)


def fill_points(path: str, points: int, start: float) -> None:
    with st.open_store(path) as store:
        store.metrics.record(("resync_duration", "r1", start + 60.0 * i, 1.0 + (i % 17) / 10) for i in range(points))


def playbook(tmp: Path, play: str, env: dict[str, str]) -> float:
    (tmp / "play.yml").write_text(play)
    (tmp / "local.ini").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                   % sys.executable)
    run_env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), **env)
    start = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(tmp / "local.ini"), str(tmp / "play.yml")],
                          cwd=str(REPO), env=run_env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("ansible-playbook failed: %s" % (proc.stdout[-2000:] + proc.stderr[-2000:]))
    return took


ALARM_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ query('netsync.fleet.alarms', device='dev00007') | length }}"
"""
METRIC_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ (lookup('netsync.fleet.metrics', 'resync_duration', device='r1', start='-400d')).points | length }}"
"""


def start_children(tmp: Path, stores: dict[str, str], cert: str, key: str) -> dict[str, ProcessChild]:
    children: dict[str, ProcessChild] = {}
    for name, path in stores.items():
        (tmp / ("%s.token" % name)).write_text(new_token() + "\n")
        children[name] = ProcessChild(path, name, tmp / ("%s.token" % name), tls=(cert, key)).start()
    return children


def write_config(tmp: Path, name: str, children: dict[str, ProcessChild], cert: str, master: str) -> Path:
    doc = {"plugin": "netsync.fleet.federation", "store": master, "timeout": 300,
           "children": [{"name": n, "url": c.url, "token_file": "%s.token" % n, "ca_path": cert}
                        for n, c in children.items()]}
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path


def bench_alarms(tmp: Path, n: int, m: int, cert: str, key: str) -> dict[str, Any]:
    now = time.time()
    stores = {"child%02d" % i: str(tmp / ("a%02d.db" % i)) for i in range(n)}
    t_fill, _ = timed(lambda: [fill_alarms(p, m, now) for p in stores.values()])
    children = start_children(tmp, stores, cert, key)
    try:
        out: dict[str, Any] = {"children": n, "changes_per_child": m, "fill_s": t_fill}
        cfg_path = write_config(tmp, "alarms.federation.yml", children, cert, str(tmp / "master-a.db"))
        fed = load_federation(str(cfg_path))
        with st.open_store(str(tmp / "master-a.db")) as master:
            copies = master.fed_alarms
            out["pull_s"], res = timed(lambda: query_alarms(copies, fed.config, AlarmQuery(state="all"), 50.0))
            out["pulled_alarms"] = len(res["alarms"])
            out["copy_s"], res = timed(lambda: query_alarms(copies, fed.config, AlarmQuery(state="all"), 50.0))
            assert res["pulled"] == []
            out["copy_one_device_s"], _ = timed(
                lambda: query_alarms(master.fed_alarms, fed.config, AlarmQuery(device="dev00007"), 50.0))
            out["copy_critical_s"], res = timed(
                lambda: query_alarms(master.fed_alarms, fed.config, AlarmQuery(severity="critical"), 50.0))
            out["critical"] = len(res["alarms"])
            out["changed"] = sum(clear_some(p, 0.01, time.time()) for p in stores.values())
            out["incremental_s"], res = timed(lambda: query_alarms(master.fed_alarms, fed.config, AlarmQuery(), 0.0))
            out["active_after"] = len(res["alarms"])
        # whole ansible-playbook runs: a fresh master store (pull), then the copy
        env = {"NETSYNC_FEDERATION_CONFIG": str(cfg_path), "NETSYNC_FEDERATION_STORE": str(tmp / "master-b.db")}
        out["playbook_pull_s"] = playbook(tmp, ALARM_PLAY, env)
        out["playbook_copy_s"] = playbook(tmp, ALARM_PLAY, env)
        out["playbook_empty_s"] = playbook(tmp, "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                                                "    - ansible.builtin.debug: {msg: x}\n", env)
        return out
    finally:
        for child in children.values():
            child.stop()


def bench_metrics(tmp: Path, points: int, cert: str, key: str) -> dict[str, Any]:
    start = time.time() - points * 60.0
    stores = {"east": str(tmp / "m-east.db"), "west": str(tmp / "m-west.db")}
    t_fill, _ = timed(lambda: [fill_points(p, points, start) for p in stores.values()])
    children = start_children(tmp, stores, cert, key)
    try:
        out: dict[str, Any] = {"points_per_child": points, "fill_s": t_fill}
        cfg_path = write_config(tmp, "metrics.federation.yml", children, cert, str(tmp / "master-m.db"))
        fed = load_federation(str(cfg_path))
        with st.open_store(str(tmp / "master-m.db")) as master:
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            sources = master.fed_alarms
            out["first_s"], res = timed(lambda: query_metric(sources, fed, "resync_duration", "r1", start - 1,
                                                             time.time()))
            out["merged_points"], out["sources"] = len(res["points"]), res["sources"]
            out["reused_s"], res = timed(lambda: query_metric(sources, fed, "resync_duration", "r1", start - 1,
                                                              time.time()))
            out["reused"] = res["sources_reused"]
            out["master_rss_growth_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        env = {"NETSYNC_FEDERATION_CONFIG": str(cfg_path), "NETSYNC_FEDERATION_STORE": str(tmp / "master-n.db")}
        out["playbook_s"] = playbook(tmp, METRIC_PLAY, env)
        return out
    finally:
        for child in children.values():
            child.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--children", type=int, default=10)
    p.add_argument("--alarms", type=int, default=10000, help="alarm changes per child")
    p.add_argument("--points", type=int, default=YEAR_MINUTES, help="metric points per child")
    p.add_argument("--skip-alarms", action="store_true")
    p.add_argument("--skip-metrics", action="store_true")
    p.add_argument("--out", help="write the figures as JSON here")
    args = p.parse_args()
    result: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(),
                              "cpus": os.cpu_count(), "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        cert, key = self_signed(tmp)
        if not args.skip_metrics:  # first: the master's peak RSS growth is its own
            result["metrics"] = bench_metrics(tmp, args.points, cert, key)
        if not args.skip_alarms:
            result["alarms"] = bench_alarms(tmp, args.children, args.alarms, cert, key)
    a, m = result.get("alarms"), result.get("metrics")
    print("python %s on %s, %s cores, load %.1f" % (result["python"], result["machine"], result["cpus"],
                                                    result["load"]))
    if a:
        total = a["children"] * a["changes_per_child"]
        print("alarms: %d children x %d changes = %d" % (a["children"], a["changes_per_child"], total))
        for label, key_ in (("lookup logic, fresh master store (pull all %d)" % total, "pull_s"),
                            ("lookup logic, from the copy (all %d alarms)" % a["pulled_alarms"], "copy_s"),
                            ("lookup logic, from the copy (one device)", "copy_one_device_s"),
                            ("lookup logic, from the copy (critical: %d)" % a["critical"], "copy_critical_s"),
                            ("lookup logic, after %d changes (incremental pull)" % a["changed"], "incremental_s"),
                            ("ansible-playbook, fresh master store (pull all)", "playbook_pull_s"),
                            ("ansible-playbook, from the copy", "playbook_copy_s"),
                            ("ansible-playbook with no lookup (start-up)", "playbook_empty_s")):
            print("  %-58s %8.3f s" % (label, a[key_]))
    if m:
        print("metrics: 1 device x %d points on each of 2 children -> %d merged" % (m["points_per_child"],
                                                                                 m["merged_points"]))
        for label, key_ in (("lookup logic, sources determined + pull + merge", "first_s"),
                            ("lookup logic, sources reused + pull + merge", "reused_s"),
                            ("ansible-playbook, whole run", "playbook_s")):
            print("  %-58s %8.3f s" % (label, m[key_]))
        print("  master peak RSS growth %.0f MiB" % m["master_rss_growth_mib"])
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
