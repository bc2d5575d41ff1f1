"""A commit whose notification was lost is in the store after the consistency check, and a device
that did not change costs one small RPC and no job (real ansible-playbook, Junos simulator)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

TASK = "Read the committed configuration and store a snapshot if it changed"
CHECK = ("-e", "netsync_only_if_changed=true")


def test_a_commit_whose_syslog_was_lost_is_caught(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("r1", sim)],
                          known_hosts=sim.write_known_hosts(tmp_path / "known_hosts"))
    store = str(tmp_path / "fleet.db")
    assert run_playbook(REPO / "playbooks/onboard.yml", inv, store).rc == 0
    with st.open_store(store) as s:
        jobs_before = len(s.jobs.recent("r1"))
    quiet = run_playbook(REPO / "playbooks/resync.yml", inv, store, *CHECK)
    res = quiet.results(TASK)["r1"]
    assert quiet.rc == 0 and res["changed"] is False and res["drifted"] is False and res["checked"] == "last_commit"
    with st.open_store(store) as s:
        assert len(s.jobs.recent("r1")) == jobs_before  # no job, no status change for a device that did not change
    sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description lost-notice"])  # no syslog
    caught = run_playbook(REPO / "playbooks/resync.yml", inv, store, *CHECK)
    res = caught.results(TASK)["r1"]
    assert caught.rc == 0 and res["changed"] is True and res["snapshot_version"] == 2
    assert "drifted" not in res and res["managed_status"] == "In Sync"
    with st.open_store(store) as s:
        assert "lost-notice" in (s.devices.get_snapshot("r1", 2) or {})["config"]


def test_devices_without_commit_metadata_are_read_and_compared(tmp_path: Path, netconfd_devices: list[Any]) -> None:
    dev = netconfd_devices[0]
    inv = write_inventory(tmp_path / "inv.yml", [from_netconfd(dev)], known_hosts=Path(dev.known_hosts))
    store = str(tmp_path / "fleet.db")
    assert run_playbook(REPO / "playbooks/onboard.yml", inv, store).rc == 0
    same = run_playbook(REPO / "playbooks/resync.yml", inv, store, *CHECK)
    res = same.results(TASK)[dev.name]
    assert same.rc == 0 and res["changed"] is False and "drifted" not in res  # read in full, same hash
    dev.oob_commit(description="lost-notice")
    caught = run_playbook(REPO / "playbooks/resync.yml", inv, store, *CHECK)
    assert caught.rc == 0 and caught.results(TASK)[dev.name]["changed"] is True
