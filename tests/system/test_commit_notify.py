"""The commit_notify callback in a real ansible-playbook run: netconf_config changes an interface
description on the Junos simulator, the store inbox gets one row for that device; an unchanged
re-run and a check-mode run add none."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system

PLAYBOOK = REPO / "tests/system/playbooks/commit_notify_describe.yml"
ENABLED = {"ANSIBLE_CALLBACKS_ENABLED": "netsync.fleet.commit_notify"}


def _inbox(url: str) -> list[dict[str, Any]]:
    with st.open_store(url) as s:
        return s.jobs.inbox_take()


def test_netconf_config_change_becomes_inbox_row(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sims = {"r1": junos_sim(hostname="r1"), "r2": junos_sim(hostname="r2")}
    known = tmp_path / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host *\n  UserKnownHostsFile %s\n" % known)
    store = str(tmp_path / "fleet.db")
    devices = [from_sim(name, sim) for name, sim in sims.items()]
    inv = write_inventory(tmp_path / "inventory.yml", devices, known_hosts=known)
    onboard = run_playbook(REPO / "playbooks/onboard.yml", inv, store, "--limit", "r1")
    assert onboard.rc == 0, onboard.stdout[-3000:] + onboard.stderr[-3000:]
    assert _inbox(store) == []  # netsync's own modules are not configuration commits

    nc_vars = ["-e", "ansible_connection=ansible.netcommon.netconf",
               "-e", "ansible_network_os=junipernetworks.junos.junos",
               "-e", "ansible_netconf_ssh_config=%s" % ssh_config,
               "-e", "netsync_description=set-by-ansible"]
    run = run_playbook(PLAYBOOK, inv, store, *nc_vars, env_extra=ENABLED)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = run.results("Set the description of ge-0/0/2")
    assert res["r1"]["changed"] is True and res["r2"]["changed"] is True
    for sim in sims.values():
        assert "set-by-ansible" in sim.device.text()
    rows = _inbox(store)
    assert [(r["device"], r["source"]) for r in rows] == [("r1", "ansible")]  # r2 is not in the store
    detail = json.loads(rows[0]["detail"])
    assert detail["action"] == "ansible.netcommon.netconf_config"
    assert detail["task"] == "Set the description of ge-0/0/2"
    assert detail["play"] == "Describe an interface over NETCONF"
    assert "content" not in rows[0]["detail"] and "secret" not in rows[0]["detail"]
    assert "1 change(s) notified for 1 device(s)" in run.stdout + run.stderr
    assert run.stderr.count("is not a device in the store") == 1 and "r2 changed" in run.stderr

    again = run_playbook(PLAYBOOK, inv, store, *nc_vars, env_extra=ENABLED)
    assert again.rc == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert again.results("Set the description of ge-0/0/2")["r1"]["changed"] is False
    assert _inbox(store) == []

    checked = run_playbook(PLAYBOOK, inv, store, *nc_vars[:-1], "netsync_description=check-only", "--check",
                           env_extra=ENABLED)
    assert checked.rc == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    assert checked.results("Set the description of ge-0/0/2")["r1"]["changed"] is True
    assert _inbox(store) == []
