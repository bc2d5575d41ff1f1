"""Concurrent resyncs of 10 devices with forks, two ansible-playbook runs at once on one store:
no lock errors, nothing lost, no duplicate snapshot versions — on SQLite and PostgreSQL."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, VENV_BIN, ansible_env, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system


def test_ten_devices_two_playbooks_at_once(tmp_path: Path, junos_fleet: Callable[..., Any], store_url: str) -> None:
    fleet = junos_fleet(10, users={"admin": "secret"})
    known = fleet.write_known_hosts(tmp_path / "known_hosts")
    names = sorted(fleet.ports)
    devices = [from_sim(s.hostname, s) for s in fleet.sims]
    inv = write_inventory(tmp_path / "inv.yml", devices, known_hosts=known)
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url, "--forks", "10")
    assert run.rc == 0, run.stdout[-3000:]

    for sim in fleet.sims:
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/5 description concurrent"])
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inv), str(REPO / "playbooks/resync.yml"), "--forks", "10"]
    env = ansible_env(store_url)
    procs = [subprocess.Popen(cmd, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    assert not any("locked" in out.lower() for out in outputs)

    with st.open_store(store_url) as s:
        for name in names:
            versions = [x["version"] for x in s.devices.list_snapshots(name)]
            assert versions == [1, 2], (name, versions)  # both runs read the same commit: one new version
            assert s.devices.get(name)["managed_status"] == "In Sync"  # type: ignore[index]
            jobs = s.jobs.recent(name)
            assert len(jobs) == 3 and all(j["state"] == "done" for j in jobs)  # onboard + 2 concurrent
