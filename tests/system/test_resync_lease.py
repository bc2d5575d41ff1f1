"""A resync whose process stops renewing its claims (frozen here; in production also a process on
another machine or in a deleted AWX/AAP pod, which the next resync cannot judge dead) loses them
within one lease: the next resync takes the devices over at once instead of failing ``busy``, and
the stopped run, when it goes on, stores nothing. Through real ansible-playbook.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, VENV_BIN, ansible_env, onboarded_junos_fleet, run_playbook
from tests.system.test_resync_cancel import MODES, RESYNC, _wait_all_synchronizing

pytestmark = pytest.mark.system

NAMES = ["r1", "r2", "r3", "r4"]
LEASE = {"NETSYNC_CLAIM_LEASE": "4"}


def _signal_every_process_of(pid: int, signum: int) -> None:
    """ansible-playbook, its process group and its children (ansible-core's workers and the strategy's
    pool processes run in sessions of their own)."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        os.kill(int(child), signum)
    os.killpg(pid, signum)


@pytest.mark.parametrize("mode", ["linear", "fleet-processes"])
def test_a_frozen_run_loses_its_devices_within_one_lease_and_stores_nothing_later(
        tmp_path: Path, junos_sim: Callable[..., Any], mode: str) -> None:
    fleet = onboarded_junos_fleet(tmp_path, junos_sim, NAMES)
    store, sims = fleet["store"], fleet["sims"]
    with st.open_store(store) as s:
        first = {name: int((s.devices.latest_snapshot(name) or {})["version"]) for name in NAMES}
    for sim in sims.values():
        sim.faults.delay = 6.0
    sent = {name: sim.rpcs_received for name, sim in sims.items()}
    frozen = subprocess.Popen([str(VENV_BIN / "ansible-playbook"), "-i", str(fleet["inventory"]), str(RESYNC)],
                              cwd=str(REPO), env=ansible_env(store, **LEASE, **MODES[mode]), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_all_synchronizing(store, frozen, sent, sims)  # every read in flight
        with st.open_store(store) as s:
            stopped_jobs = {name: s.jobs.recent(name)[0]["id"] for name in NAMES}
        _signal_every_process_of(frozen.pid, signal.SIGSTOP)
        for name, sim in sims.items():
            sim.faults.delay = 0.0
            sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description after-freeze-%s" % name])
        started = time.monotonic()
        again = run_playbook(RESYNC, fleet["inventory"], store, "-e", "netsync_timeout=20", timeout=120,
                             env_extra=LEASE)
        took = time.monotonic() - started
        assert again.rc == 0, again.stdout[-3000:] + again.stderr[-3000:]
        assert took < 20, took  # the claims lapsed within the lease: nobody waited out a timeout
        with st.open_store(store) as s:
            for name in NAMES:
                assert (s.devices.get(name) or {})["managed_status"] == st.IN_SYNC
                assert int((s.devices.latest_snapshot(name) or {})["version"]) == first[name] + 1
                reasons = [row["reason"] for row in s.devices.status_history(name, 5)]
                assert any("recovered" in reason for reason in reasons), reasons
    finally:
        _signal_every_process_of(frozen.pid, signal.SIGCONT)
    frozen.communicate(timeout=90)  # it goes on: its reads return the configuration from before
    with st.open_store(store) as s:
        for name in NAMES:
            job = s.jobs.get(stopped_jobs[name]) or {}
            assert job["state"] == "failed", job
            assert (s.devices.get(name) or {})["managed_status"] == st.IN_SYNC
            latest = int((s.devices.latest_snapshot(name) or {})["version"])
            assert latest == first[name] + 1  # the stale read was not stored
            assert "after-freeze-%s" % name in (s.devices.get_snapshot(name, latest) or {})["config"]
