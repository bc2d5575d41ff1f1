"""Import, resync, out-of-band commit, resync again: real ansible-playbook against the Junos
simulator and netconfd (behind sshd), on the SQLite and the PostgreSQL store."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system


@pytest.fixture
def mixed(tmp_path: Path, junos_sim: Callable[..., Any], netconfd_devices: list[Any]) -> dict[str, Any]:
    """Two simulated Junos devices and one netconfd device in one inventory."""
    sims = {"r1": junos_sim(hostname="r1"), "r2": junos_sim(hostname="r2")}
    known = tmp_path / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    nc = netconfd_devices[0]
    known.write_text(known.read_text() + Path(nc.known_hosts).read_text())
    devices = [from_sim(n, s) for n, s in sims.items()] + [from_netconfd(nc)]
    inv = write_inventory(tmp_path / "inventory.yml", devices, known_hosts=known)
    return {"sims": sims, "nc": nc, "inventory": inv, "known": known, "devices": devices}


def test_import_resync_commit_resync(mixed: dict[str, Any], store_url: str) -> None:
    inv = mixed["inventory"]
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    imported = run.results("Import the device (facts and first snapshot)")
    assert set(imported) == {"r1", "r2", mixed["nc"].name}
    assert imported["r1"]["changed"] is True
    assert imported["r1"]["device"]["platform"] == "junos"
    assert imported["r1"]["device"]["facts"]["hostname"] == "r1"
    assert imported["r1"]["device"]["facts"]["model"] == "vmx"
    assert imported[mixed["nc"].name]["device"]["platform"] == "netconf"
    first = run.results("Resync the device")
    assert all(r["snapshot_version"] == 1 and r["changed"] is False for r in first.values())
    assert all(r["managed_status"] == "In Sync" for r in first.values())

    # out-of-band commits: a CLI user on r1, another NETCONF client on the netconfd device
    mixed["sims"]["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description oob-change"])
    marker = "oob-%s" % uuid.uuid4().hex[:8]  # the netconfd fleet is shared by the session
    mixed["nc"].oob_commit(description=marker)
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url, "--diff")
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results("Read the committed configuration and store a snapshot if it changed")
    assert res["r1"]["changed"] is True and res["r1"]["snapshot_version"] == 2
    assert res["r1"]["commit_user"] == "ops"
    assert res["r2"]["changed"] is False and res["r2"]["snapshot_version"] == 1
    nc = res[mixed["nc"].name]
    assert nc["changed"] is True and nc["snapshot_version"] == 2
    assert "ge-0/0/1 description oob-change" in res["r1"]["diff"]["after"]
    assert "oob-change" not in res["r1"]["diff"]["before"]
    assert marker in nc["diff"]["after"] and marker not in nc["diff"]["before"]

    # device_info: history and a unified diff between versions, no device contacted
    with st.open_store(store_url) as s:
        snaps = s.devices.list_snapshots("r1")
        assert [x["version"] for x in snaps] == [1, 2]
        assert snaps[1]["commit_user"] == "ops" and snaps[1]["commit_time"] > snaps[0]["commit_time"]
        assert s.devices.get("r1")["managed_status"] == "In Sync"  # type: ignore[index]


def test_idempotency_and_check_mode(mixed: dict[str, Any], store_url: str) -> None:
    inv = mixed["inventory"]
    run = run_playbook(REPO / "tests/system/playbooks/idempotency.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-4000:]
    assert run.stats["r1"]["failures"] == 0

    mixed["sims"]["r2"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/2 description building-b2"])
    with st.open_store(store_url) as s:
        before = {d["name"]: (d["managed_status"], len(s.devices.list_snapshots(d["name"]))) for d in s.devices.all()}
        jobs = s.jobs.recent()
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url, "--check", "--diff")
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results("Read the committed configuration and store a snapshot if it changed")
    assert res["r2"]["changed"] is True and res["r2"]["snapshot_version"] == 2
    assert "building-b2" in res["r2"]["diff"]["after"]
    assert res["r1"]["changed"] is False
    with st.open_store(store_url) as s:  # check mode wrote nothing
        after = {d["name"]: (d["managed_status"], len(s.devices.list_snapshots(d["name"]))) for d in s.devices.all()}
        assert after == before
        assert s.jobs.recent() == jobs  # and created no job
        jobs_before = len(jobs)
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url, "--limit", "r2")
    assert run.results("Read the committed configuration and store a snapshot if it changed")["r2"]["changed"]
    with st.open_store(store_url) as s:
        assert len(s.devices.list_snapshots("r2")) == 2 and len(s.jobs.recent()) == jobs_before + 1


def test_netconf_connection_inventory_works_too(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    """An existing junipernetworks.junos inventory (ansible_connection: netconf) runs unchanged."""
    sim = junos_sim(hostname="edge1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("edge1", sim)], known_hosts=known,
                          connection="ansible.netcommon.netconf")
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results("Resync the device")["edge1"]["managed_status"] == "In Sync"
    with st.open_store(store) as s:
        assert s.devices.get("edge1")["platform"] == "junos"  # type: ignore[index]
