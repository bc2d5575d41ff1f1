"""The resync batch through real ansible-playbook: every host's own result in the recap, one
failing and one unreachable device among good ones, --limit, check and diff mode, and a batch
process killed with SIGKILL in the middle of the run (the workers resync their hosts themselves)."""
from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.protocol import base_dir
from tests.system import helpers
from tests.system.helpers import REPO, VENV_BIN, ansible_env, onboarded_junos_fleet, run_playbook

pytestmark = pytest.mark.system

RESYNC = REPO / "playbooks/resync.yml"
TASK = "Read the committed configuration and store a snapshot if it changed"
NAMES = ["r1", "r2", "r3", "r4", "r5"]
BATCH = ("-e", "netsync_resync_batch=auto")  # the batch is opt-in


@pytest.fixture
def fleet(tmp_path: Path, junos_sim: Callable[..., Any]) -> dict[str, Any]:
    """Five simulated Junos devices, onboarded into a SQLite store."""
    return onboarded_junos_fleet(tmp_path, junos_sim, NAMES)


def jobs_since(store: str, since: float) -> dict[str, int]:
    return helpers.jobs_since(store, since, NAMES)


def test_recap_per_host_with_a_failing_and_an_unreachable_device(fleet: dict[str, Any]) -> None:
    sims = fleet["sims"]
    sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description batch-change"])
    sims["r4"].faults.reject_auth = True
    sims["r5"].faults.rpc_error_on = "get-configuration"
    since = time.time()
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], *BATCH)
    assert run.rc == 4, run.stderr[-3000:]  # ansible-playbook: 4 when a host was unreachable
    stats = run.stats
    assert {h: (stats[h]["ok"], stats[h]["failures"], stats[h]["unreachable"]) for h in NAMES} == {
        "r1": (1, 0, 0), "r2": (1, 0, 0), "r3": (1, 0, 0), "r4": (0, 0, 1), "r5": (0, 1, 0)}
    res = run.results(TASK)
    assert res["r1"]["changed"] is True and res["r1"]["snapshot_version"] == 2 and res["r1"]["batch"] is True
    assert res["r1"]["commit_user"] == "ops"
    assert [res[h]["changed"] for h in ("r2", "r3")] == [False, False]
    assert all(res[h]["batch"] is True for h in NAMES)
    assert res["r4"]["unreachable"] is True and res["r4"]["error"] == "auth_failed"
    assert res["r5"]["failed"] is True and res["r5"]["error"] == "rpc_error" and "r5" in res["r5"]["msg"]
    with st.open_store(fleet["store"]) as s:
        status = {n: s.devices.get(n)["managed_status"] for n in NAMES}  # type: ignore[index]
        assert status == {"r1": "In Sync", "r2": "In Sync", "r3": "In Sync", "r4": "Sync Failed",
                          "r5": "Sync Failed"}
        for name in ("r1", "r2", "r3"):  # each host's result is its own device's job
            job = s.jobs.get(res[name]["job_id"])
            assert job is not None and job["device"] == name and job["state"] == "done"
        assert s.devices.latest_snapshot("r1")["job_id"] == res["r1"]["job_id"]  # type: ignore[index]
    assert jobs_since(fleet["store"], since) == {n: 1 for n in NAMES}  # one resync per device, no more


def test_limit_check_and_diff(fleet: dict[str, Any]) -> None:
    sims = fleet["sims"]
    for name in ("r1", "r3"):
        sims[name].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/2 description seen-%s" % name])
    since = time.time()
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], *BATCH, "--limit", "r1,r2", "--check", "--diff")
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == ["r1", "r2"]
    assert res["r1"]["changed"] is True and res["r1"]["snapshot_version"] == 2 and res["r1"]["job_id"] is None
    assert "seen-r1" in res["r1"]["diff"]["after"] and "seen-r1" not in res["r1"]["diff"]["before"]
    assert res["r2"]["changed"] is False and "diff" not in res["r2"]
    assert res["r1"]["batch"] is True and res["r2"]["batch"] is True
    assert jobs_since(fleet["store"], since) == {n: 0 for n in NAMES}  # check mode wrote no job
    with st.open_store(fleet["store"]) as s:
        assert [len(s.devices.list_snapshots(n)) for n in NAMES] == [1, 1, 1, 1, 1]

    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], *BATCH, "--limit", "r1,r3")
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == ["r1", "r3"]
    assert [res[h]["snapshot_version"] for h in ("r1", "r3")] == [2, 2]
    assert jobs_since(fleet["store"], since) == {"r1": 1, "r2": 0, "r3": 1, "r4": 0, "r5": 0}


def test_per_host_path_when_the_batch_is_off(fleet: dict[str, Any]) -> None:
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "-e", "netsync_resync_batch=false")
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == NAMES and not any("batch" in r for r in res.values())
    assert all(r["managed_status"] == "In Sync" for r in res.values())


def test_killed_batch_hosts_resynced_by_their_workers(fleet: dict[str, Any]) -> None:
    sims = fleet["sims"]
    for sim in sims.values():
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/3 description before-kill"])
        sim.faults.delay = 1.0  # each reply: the batch is surely mid-run when killed
    since = time.time()
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(fleet["inventory"]), str(RESYNC), "--forks", "2", *BATCH]
    proc = subprocess.Popen(cmd, cwd=str(REPO), env=ansible_env(fleet["store"]), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        batch_pid = 0
        deadline = time.monotonic() + 120
        while not batch_pid and time.monotonic() < deadline:
            for pidfile in glob.glob(os.path.join(base_dir(), "%d-*" % proc.pid, "pid")):
                batch_pid = int(Path(pidfile).read_text() or 0)
            time.sleep(0.05)
        assert batch_pid, "no batch process started"
        while time.monotonic() < deadline:  # wait until the batch holds a device
            with st.open_store(fleet["store"]) as s:
                if any(s.devices.get(n)["managed_status"] == "Synchronizing" for n in NAMES):  # type: ignore[index]
                    break
            time.sleep(0.05)
        os.kill(batch_pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    data = json.loads(out[out.find("{"):])
    res = {h: r for p in data["plays"] for t in p["tasks"] if t["task"]["name"] == TASK
           for h, r in t["hosts"].items()}
    assert sorted(res) == NAMES
    assert all(r["changed"] is True and r["snapshot_version"] == 2 for r in res.values())
    assert any("batch" not in r for r in res.values())  # at least one host was resynced by its worker
    with st.open_store(fleet["store"]) as s:
        for name in NAMES:
            row = s.devices.get(name)
            assert row is not None and row["managed_status"] == "In Sync"
            assert s.db.query("SELECT claim_job FROM devices WHERE name = ?", (name,))[0]["claim_job"] is None
            latest = s.devices.latest_snapshot(name)
            assert latest is not None and latest["version"] == 2 and latest["job_id"] == res[name]["job_id"]
    assert all(n >= 1 for n in jobs_since(fleet["store"], since).values())
