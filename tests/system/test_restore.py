"""netsync.fleet.restore through real ansible-playbook: a round trip on the Junos simulator (load override +
commit confirmed, confirmed) and on netconfd behind sshd (candidate, edit-config replace, confirmed commit);
check mode and diff, idempotency, and a resync afterwards storing the restored configuration."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system

RESTORE = REPO / "tests/system/playbooks/restore.yml"
RESYNC_TASK = "Store what the device now has"


def _snapshots(store: str, name: str) -> dict[int, str]:
    with st.open_store(store) as s:
        return {int(r["version"]): r["sha256"] for r in s.devices.list_snapshots(name)}


def _ok(run: Any) -> None:
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_restore_round_trip_junos(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], known_hosts=known)
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    sim.cli_commit(user="ops", set_commands=["set system location building B7",
                                             "set interfaces ge-0/0/1 description changed",
                                             "set system root-authentication encrypted-password \"$6$new$x\""])
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    assert sorted(_snapshots(store, "r1")) == [1, 2]
    commits = len(sim.commit_history())

    checked = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "--check", "--diff")
    _ok(checked)
    res = checked.results("Restore the version")["r1"]
    assert (res["changed"], res["version"], res["mechanism"], res["verified"]) == (True, 1, None, None)
    assert "system location building B7" in res["diff"]["before"]
    assert "building" not in res["diff"]["after"]
    assert "$6$new$x" not in str(res) and "$6$sim$rootsecret" not in str(res)  # secrets masked
    assert "<secret:" in res["diff"]["before"]
    assert len(sim.commit_history()) == commits  # check mode sent nothing

    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(run)
    res = run.results("Restore the version")["r1"]
    assert (res["changed"], res["platform"], res["mechanism"], res["verified"]) == (
        True, "junos", "commit confirmed 1", True)
    committed = sim.committed_config()
    assert committed.find("system/location") is None
    assert committed.findtext("system/root-authentication/encrypted-password") == "$6$sim$rootsecret"
    assert not sim.device.confirm_pending
    newest, confirmed = sim.commit_history()[:2]
    assert (confirmed.user, confirmed.comment) == ("admin", "netsync.fleet.restore of r1 version 1")
    assert (newest.user, newest.comment) == ("admin", "netsync.fleet.restore of r1 version 1 (confirmed)")
    resynced = run.results(RESYNC_TASK)["r1"]
    assert (resynced["changed"], resynced["snapshot_version"]) == (True, 3)
    shas = _snapshots(store, "r1")
    assert shas[3] == shas[1] != shas[2]

    again = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(again)
    assert again.results("Restore the version")["r1"]["changed"] is False
    assert again.results(RESYNC_TASK)["r1"]["changed"] is False
    assert len(sim.commit_history()) == commits + 2

    missing = run_playbook(RESTORE, inv, store, "-e", "restore_version=9")
    assert missing.rc == 2
    failed = missing.results("Restore the version")["r1"]
    assert failed["error"] == "unknown_version" and failed["msg"] == "device r1 has no stored version 9"


def test_restore_round_trip_netconfd(tmp_path: Path, netconfd_devices: list[Any]) -> None:
    nc = netconfd_devices[1]
    known = tmp_path / "known_hosts"
    known.write_text(Path(nc.known_hosts).read_text())
    inv = write_inventory(tmp_path / "inventory.yml", [from_netconfd(nc)], known_hosts=known)
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    original = nc.descriptions()
    marker = "restore-%s" % uuid.uuid4().hex[:8]
    nc.oob_commit(description=marker)
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    assert nc.descriptions()["eth0"] == marker

    checked = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "--check", "--diff")
    _ok(checked)
    res = checked.results("Restore the version")[nc.name]
    assert res["changed"] is True and marker in res["diff"]["before"] and marker not in res["diff"]["after"]
    assert nc.descriptions()["eth0"] == marker

    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "-e", "restore_confirm_timeout=30")
    _ok(run)
    res = run.results("Restore the version")[nc.name]
    assert (res["changed"], res["platform"], res["mechanism"], res["verified"]) == (
        True, "netconf", "confirmed-commit 30", True)
    assert nc.descriptions() == original
    assert nc.descriptions(source="candidate") == original
    resynced = run.results(RESYNC_TASK)[nc.name]
    assert (resynced["changed"], resynced["snapshot_version"]) == (True, 3)
    shas = _snapshots(store, nc.name)
    assert shas[3] == shas[1] != shas[2]

    again = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(again)
    assert again.results("Restore the version")[nc.name]["changed"] is False


def test_unconfirmed_restore_rolls_back_on_junos(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    """The session check after commit confirmed fails: the task fails saying so, and Junos rolls back."""
    import time

    from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
    from ansible_collections.netsync.fleet.plugins.module_utils.tasks.restore import run_restore
    from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync

    sim = junos_sim(hostname="r1")
    sim.device.confirm_unit = 1.0  # a confirm-timeout minute lasts one second here
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    params: dict[str, Any] = {
        "name": "r1", "host": "127.0.0.1", "port": sim.port, "username": "admin", "password": "secret",
        "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": str(known),
        "timeout": 10.0, "store": str(tmp_path / "fleet.db"), "state": "present", "job_id": None,
        "origin": "manual", "only_if_changed": False, "version": 1, "confirm_timeout": 60, "comment": None}
    run_device(params, False, False)
    sim.cli_commit(user="ops", set_commands=["set system location building B7"])
    assert run_resync(params, False, False)["snapshot_version"] == 2

    sim.faults.rpc_error_on = "get-commit-information"  # the check after commit confirmed fails
    with pytest.raises(TaskFailed) as err:
        run_restore(params, False, False)
    assert err.value.result["error"] == "rpc_error"
    assert "committed with commit confirmed 1 but not confirmed" in err.value.msg
    assert "rolls back to its previous configuration within 1 minute(s)" in err.value.msg
    assert sim.device.confirm_pending and sim.committed_config().find("system/location") is None
    deadline = time.monotonic() + 10
    while sim.device.confirm_pending and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim.committed_config().findtext("system/location/building") == "B7"
    newest = sim.commit_history()[0]
    assert (newest.user, newest.comment) == ("root", "commit confirmed rollback")
