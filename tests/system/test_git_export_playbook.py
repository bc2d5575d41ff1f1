"""The resync playbook exports to git when netsync_git_export_repo is set: real ansible-playbook
against the Junos simulator, then real git log, blame and show."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def test_resync_playbook_exports_each_new_snapshot(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sims = {"r1": junos_sim(hostname="r1"), "r2": junos_sim(hostname="r2")}
    known = tmp_path / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim(n, s) for n, s in sims.items()], known_hosts=known,
                          group="paris")
    store = str(tmp_path / "fleet.db")
    repo = tmp_path / "configs"
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]

    run = run_playbook(REPO / "playbooks/resync.yml", inv, store, "-e", "netsync_git_export_repo=%s" % repo)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    first = run.results("Export the new snapshots to git")
    assert len(first) == 1  # run_once
    out = next(iter(first.values()))
    assert out["changed"] is True and out["commits"] == 2 and out["devices"] == ["r1", "r2"]
    assert sorted(git(repo, "ls-files").split()) == ["paris/r1", "paris/r2"]
    assert git(repo, "show", "HEAD:paris/r1").startswith("set version ")
    assert "$6$" not in git(repo, "log", "-p")  # the simulator's encrypted passwords are masked

    sims["r1"].cli_commit(user="ops", set_commands=['set interfaces ge-0/0/1 description "uplink to core-2"'],
                          comment="ticket 42")
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store, "-e", "netsync_git_export_repo=%s" % repo,
                       "--diff")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    out = next(iter(run.results("Export the new snapshots to git").values()))
    assert out["commits"] == 1 and out["exported"][0]["device"] == "r1" and out["exported"][0]["version"] == 2
    with st.open_store(store) as s:
        v2 = s.devices.get_snapshot("r1", 2)
        assert v2 is not None
    log = git(repo, "log", "--format=%an|%ae|%at", "--", "paris/r1").splitlines()
    assert log[0] == "ops|ops@r1|%d" % int(v2["commit_time"])
    assert len(log) == 2
    body = git(repo, "log", "-1", "--format=%B", "--", "paris/r1")
    assert "Job %s covered 0 notifications." % v2["job_id"] in body  # a manual resync: no notification
    blame = git(repo, "blame", "--line-porcelain", "paris/r1")
    chunk = blame.split('\tset interfaces ge-0/0/1 description "uplink to core-2"\n')[0].rsplit("\nauthor ", 1)[1]
    assert chunk.split("\n", 1)[0] == "ops"

    run = run_playbook(REPO / "playbooks/resync.yml", inv, store, "-e", "netsync_git_export_repo=%s" % repo)
    out = next(iter(run.results("Export the new snapshots to git").values()))
    assert run.rc == 0 and out["changed"] is False and out["commits"] == 0  # idempotent
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store)
    assert run.rc == 0
    skipped = next(iter(run.results("Export the new snapshots to git").values()))
    assert skipped.get("skipped") is True  # no repository: no export
