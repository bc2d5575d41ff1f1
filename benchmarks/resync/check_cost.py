"""The consistency check's cost per device against a full resync, in the same run.

N simulated Junos devices (one simulator process, loopback), onboarded into a fresh store.
For each device, in process and one after the other: ``run_resync`` with ``only_if_changed``
(the check: one ``get-commit-information``, no job) and ``run_resync`` (a full read, render,
hash, job and status writes); medians over ``--rounds`` rounds. Checks first that the check
really read nothing more (``drifted`` false, no new job) and that a commit made without a
notification is caught by the check.

``python benchmarks/resync/check_cost.py --devices 20 --rounds 5``
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync  # noqa: E402
from tests.sims.junos_sim import SimFleet  # noqa: E402


def _params(name: str, port: int, known: Path, store: str, **kw: Any) -> dict[str, Any]:
    p = {"name": name, "host": "127.0.0.1", "port": port, "username": "admin", "password": "secret",
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": str(known),
         "timeout": 30.0, "store": store, "state": "present", "job_id": None, "origin": "manual"}
    p.update(kw)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lines", type=int, default=0, help="interfaces added to each device's configuration")
    args = parser.parse_args(argv)
    fleet = SimFleet(args.devices)
    fleet.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            known = fleet.write_known_hosts(Path(tmp) / "known_hosts")
            store = str(Path(tmp) / "fleet.db")
            devices = list(fleet.ports.items())
            if args.lines:
                for i in range(len(devices)):
                    lines = ["set interfaces ge-1/%d/%d description bench-%d" % (n // 48, n % 48, n)
                             for n in range(args.lines)]
                    fleet[i].cli_commit(user="bench", set_commands=lines)
            for name, port in devices:
                run_device(_params(name, port, known, store), False, False)
            check, full = [], []
            for _ in range(args.rounds):
                for name, port in devices:
                    start = time.perf_counter()
                    out = run_resync(_params(name, port, known, store, only_if_changed=True), False, False)
                    check.append(time.perf_counter() - start)
                    assert out["drifted"] is False and out["job_id"] is None, out
                    start = time.perf_counter()
                    out = run_resync(_params(name, port, known, store), False, False)
                    full.append(time.perf_counter() - start)
                    assert out["changed"] is False and out["managed_status"] == "In Sync", out
            name, port = devices[0]
            fleet[0].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description bench-drift"])
            caught = run_resync(_params(name, port, known, store, only_if_changed=True), False, False)
            assert caught["changed"] is True, caught
            with st.open_store(store) as s:
                jobs = len(s.jobs.recent(limit=100000))
    finally:
        fleet.stop()
    result = {"devices": args.devices, "rounds": args.rounds, "lines_added": args.lines,
              "check_median_ms": round(statistics.median(check) * 1000, 1),
              "full_resync_median_ms": round(statistics.median(full) * 1000, 1),
              "ratio_check_to_full": round(statistics.median(check) / statistics.median(full), 3),
              "jobs_recorded": jobs, "drift_caught": True}
    print(json.dumps(result))
    out = Path(__file__).parent / "results" / ("check_cost-%d.json" % args.lines)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
