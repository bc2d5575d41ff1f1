"""The listener path: commit_events with git_export_repo, the real ansible-rulebook runs the resync
playbook, which exports the new snapshot to git; the commit names the job and the notifications it covered."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.report import covered_notifications
from tests.system.helpers import REPO, listener_inventory, run_playbook
from tests.system.rulebook import RulebookRunner, free_port, jobs_of, rulebook_runner, settled

pytestmark = pytest.mark.system
__all__ = ["rulebook_runner"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commits(repo: Path, path: str) -> list[str]:
    if not (repo / ".git").is_dir():
        return []
    proc = subprocess.run(["git", "-C", str(repo), "log", "--format=%H", "--", path], capture_output=True, text=True)
    return proc.stdout.split() if proc.returncode == 0 else []


def test_each_auto_resync_is_exported(tmp_path: Path, junos_sim: Callable[..., Any],
                                      rulebook_runner: Callable[..., RulebookRunner]) -> None:
    udp = free_port()
    sim = junos_sim(hostname="r1")
    inv = listener_inventory(tmp_path, sim, udp)
    url = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    repo = tmp_path / "configs"
    with st.open_store(url) as store:
        store.devices.set_settings({"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5})
        runner = rulebook_runner(inv, url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.2,
                                            "netsync_git_export_repo": str(repo)})
        runner.start()
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description first"])
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description second"])
        runner.wait_for("the damped resync", lambda: settled(store, "r1", 1))
        jobs = jobs_of(store, "r1", "auto")
        latest = store.devices.latest_snapshot("r1")
        assert latest is not None and latest["job_id"] == jobs[-1]["id"]
        # the playbook exports after the resync task ended the job: wait for every version on the branch
        runner.wait_for("the git export", lambda: len(commits(repo, "routers/r1")) >= int(latest["version"]))
        counts, _ = covered_notifications(store.jobs.reads(["r1"]), store.jobs.accepted_notifications(["r1"], 0))
    # the onboarding snapshot (v1) is on the branch too: the first export is a backfill
    log = git(repo, "log", "--format=%an|%at|%s", "--", "routers/r1").splitlines()
    assert log[0] == "ops|%d|r1 v%d by ops" % (int(latest["commit_time"]), int(latest["version"]))
    assert len(log) == int(latest["version"])
    body = git(repo, "log", "-1", "--format=%B", "--", "routers/r1")
    covered = counts[str(latest["job_id"])]
    assert covered >= 1
    assert "Job %s covered %d notification%s." % (latest["job_id"], covered, "" if covered == 1 else "s") in body
    assert "set interfaces ge-0/0/1 description second\n" in git(repo, "show", "HEAD:routers/r1")
