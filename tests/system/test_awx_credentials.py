"""Credentials the way AWX/AAP hands them over: a machine credential sets the play's user and
connection password (`-u`, `--connection-password-file` here), a network credential sets
ANSIBLE_NET_USERNAME / ANSIBLE_NET_PASSWORD. The inventory holds no credentials at all."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system


@pytest.fixture
def bare(tmp_path: Path, junos_sim: Callable[..., Any]) -> dict[str, Any]:
    """r1 on the simulator; an inventory with address and port only."""
    sim = junos_sim(hostname="r1", users={"netops": "s3cret-pass"})
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = tmp_path / "inventory.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": {"r1": {"ansible_host": "127.0.0.1", "ansible_port": sim.port}},
                                           "vars": {"ansible_connection": "local",
                                                    "netsync_known_hosts_file": str(known)}}}))
    return {"sim": sim, "inv": inv, "store": str(tmp_path / "fleet.db"), "tmp": tmp_path}


def test_machine_credential_user_and_connection_password(bare: dict[str, Any]) -> None:
    password_file = bare["tmp"] / "connection-password"
    password_file.write_text("s3cret-pass\n")
    run = run_playbook(REPO / "playbooks/onboard.yml", bare["inv"], bare["store"], "-u", "netops",
                       "--connection-password-file", str(password_file))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results("Resync the device")["r1"]["managed_status"] == "In Sync"
    assert "s3cret-pass" not in run.stdout + run.stderr
    with st.open_store(bare["store"]) as store:
        assert store.devices.latest_snapshot("r1") is not None


def test_network_credential_environment(bare: dict[str, Any]) -> None:
    env = {"ANSIBLE_NET_USERNAME": "netops", "ANSIBLE_NET_PASSWORD": "s3cret-pass"}
    run = run_playbook(REPO / "playbooks/onboard.yml", bare["inv"], bare["store"], env_extra=env)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results("Resync the device")["r1"]["managed_status"] == "In Sync"


def test_no_password_is_a_clear_failure(bare: dict[str, Any]) -> None:
    env = {"ANSIBLE_NET_USERNAME": "netops", "ANSIBLE_NET_PASSWORD": "s3cret-pass"}
    assert run_playbook(REPO / "playbooks/onboard.yml", bare["inv"], bare["store"], env_extra=env).rc == 0
    run = run_playbook(REPO / "playbooks/resync.yml", bare["inv"], bare["store"], "-u", "netops")
    assert run.rc == 4  # a refused login is UNREACHABLE in the recap
    res = run.results("Read the committed configuration and store a snapshot if it changed")["r1"]
    assert res["unreachable"] is True and res["error"] == "auth_failed", res
    with st.open_store(bare["store"]) as store:
        assert (store.devices.get("r1") or {}).get("managed_status") == "Sync Failed"
