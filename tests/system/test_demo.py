"""`make demo` (scripts/demo.py), the README's first command, run as a user runs it.

It must end well and have done what it prints: three devices onboarded and `In Sync`, the
out-of-band commit on r2 stored as a new snapshot and shown as a diff, the burst of three commits
on r3 turned into one resync job by the listener under ansible-rulebook, and every snapshot a
commit in the git export. Checked in the demo's store and git repository, not only in its output.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def test_demo_does_what_it_prints(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    env = dict(os.environ, NETSYNC_DEMO_DIR=str(work))
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], cwd=str(REPO), env=env,
                          capture_output=True, text=True, timeout=900)
    out = proc.stdout
    assert proc.returncode == 0, out[-6000:] + proc.stderr[-6000:]

    with st.open_store(str(work / "fleet.db")) as store:
        devices = {d["name"]: d for d in store.devices.all()}
        assert sorted(devices) == ["r1", "r2", "r3"]
        assert {d["managed_status"] for d in devices.values()} == {st.IN_SYNC}
        # onboarding: the imported configuration, then the auto-resync commit (syslog towards the listener)
        users = {name: [snap["commit_user"] for snap in store.devices.list_snapshots(name)] for name in devices}
        # r2: then the out-of-band commit of user ops; r3: the burst of ops, stored once
        assert users == {"r1": ["root", "admin"], "r2": ["root", "admin", "ops"], "r3": ["root", "admin", "ops"]}
        auto = [j for j in store.jobs.recent("r3") if j["origin"] == "auto"]
        assert len(auto) == 1 and auto[0]["state"] == "done"
        assert store.devices.list_snapshots("r3")[-1]["job_id"] == auto[0]["id"]
        total = sum(len(store.devices.list_snapshots(name)) for name in devices)

    assert "uplink to core-2" in out  # the stored diff of r2
    assert "1 resync job for 3 commits" in out
    repo = work / "configs"
    assert int(_git(repo, "rev-list", "--count", "HEAD").strip()) == total
    assert 'set interfaces ge-0/0/1 description "uplink to core-2"' in _git(repo, "show", "HEAD:routers/r2")
    assert "burst-2" in _git(repo, "show", "HEAD:routers/r3")


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], cwd=str(REPO),
                          env=dict(os.environ, NETSYNC_DEMO_DIR=str(tmp_path)), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "not empty" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine\n"
