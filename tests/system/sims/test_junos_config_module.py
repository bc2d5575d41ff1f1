"""junipernetworks.junos.junos_config through real ansible-playbook over ansible.netcommon.netconf
against the Junos simulator: backups in set (its default) and json, a set line committed with a
comment, and the second run unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.sims.fixtures import junos_sim  # noqa: F401
from tests.sims.junos_sim import JunosSim
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system

PLAYBOOK = REPO / "tests/system/playbooks/junos_config_backup.yml"


def test_junos_config_backup_and_change(tmp_path: Path, junos_sim: Callable[..., JunosSim]) -> None:  # noqa: F811
    sim = junos_sim(hostname="r1")
    known = tmp_path / "known_hosts"
    sim.write_known_hosts(known)
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host *\n  UserKnownHostsFile %s\n" % known)
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], connection="ansible.netcommon.netconf")
    backups = tmp_path / "backup"
    run = run_playbook(PLAYBOOK, inv, str(tmp_path / "unused.db"),
                       "-e", "ansible_netconf_ssh_config=%s" % ssh_config, "-e", "backup_dir=%s" % backups)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]

    set_lines = (backups / "r1.set").read_text().splitlines()
    assert set_lines[:2] == ["set version 21.4R3.15", "set system host-name r1"]
    assert "set interfaces ge-0/0/1 unit 0 family inet address 198.51.100.1/24" in set_lines
    data = json.loads((backups / "r1.json").read_text())
    assert data["configuration"]["system"]["host-name"] == "r1"

    first, second = (task["hosts"]["r1"] for task in run.data["plays"][0]["tasks"][2:4])
    assert first["changed"] is True and second["changed"] is False
    building = sim.committed_config().find("system/location/building")
    assert building is not None and building.text == "B7" and len(building) == 0
    newest = sim.commit_history()[0]
    assert (newest.user, newest.comment) == ("admin", "set by junos_config")
    assert len(sim.commit_history()) == 2
