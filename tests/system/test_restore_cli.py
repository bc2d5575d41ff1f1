"""netsync.fleet.restore on the CLI platforms through real ansible-playbook over network_cli: Arista EOS
(configuration session, rollback clean-config, commit timer, then the confirming commit) on the EOS
simulator: round trip, a refused line, a commit timer left unconfirmed; Cisco NX-OS refused before anything
is sent (IOS-XE and IOS-XR: test_restore_cisco.py)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system

RESTORE = REPO / "tests/system/playbooks/restore.yml"
CHANGE = ["interface Ethernet1", "description oob-change", "exit", "snmp-server community s3cr3t-RW rw"]


def _ok(run: Any) -> None:
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]


def _shas(store: str) -> dict[int, str]:
    with st.open_store(store) as s:
        return {int(r["version"]): r["sha256"] for r in s.devices.list_snapshots("edge1")}


def test_restore_round_trip_eos(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim = cli_sim(platform="eos", hostname="edge1")
    inv = cli_inventory(tmp_path / "inv.yml", {"edge1": host_vars(sim)})
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    original = sim.device.config.render()
    sim.configure(CHANGE, user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    assert sorted(_shas(store)) == [1, 2]

    checked = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "--check", "--diff")
    _ok(checked)
    res = checked.results("Restore the version")["edge1"]
    assert res["changed"] is True and "description oob-change" in res["diff"]["before"]
    assert "oob-change" not in res["diff"]["after"] and "s3cr3t-RW" not in checked.stdout
    assert sim.device.config.render() != original  # check mode sent nothing

    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(run)
    res = run.results("Restore the version")["edge1"]
    assert (res["changed"], res["platform"], res["verified"]) == (True, "eos", True)
    assert res["mechanism"] == ("configure session + rollback clean-config + commit timer 00:01:00 + "
                                "configure session commit")
    assert sim.device.config.render() == original
    assert (sim.device.sessions, sim.device.trial) == ({}, None)  # confirmed: no timer left running
    resynced = run.results("Store what the device now has")["edge1"]
    assert (resynced["changed"], resynced["snapshot_version"]) == (True, 3)
    shas = _shas(store)
    assert shas[3] == shas[1] != shas[2]

    again = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(again)
    assert again.results("Restore the version")["edge1"]["changed"] is False


def test_restore_refused_on_nxos(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim = cli_sim(platform="nxos", hostname="edge1")
    inv = cli_inventory(tmp_path / "inv.yml", {"edge1": host_vars(sim)})
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    sim.configure(["interface Ethernet1/1", "description oob-change"], user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    before = sim.device.config.render()
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    assert run.rc == 2
    res = run.results("Restore the version")["edge1"]
    assert res["error"] == "unsupported"
    assert res["msg"].startswith("restore is not supported for edge1 (platform nxos, stored format nxos-cli)")
    assert sim.device.config.render() == before


def _eos_changed(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> tuple[CliSim, Path, str]:  # noqa: F811
    """An EOS device onboarded (version 1), changed out of band and resynced (version 2)."""
    sim = cli_sim(platform="eos", hostname="edge1")
    inv = cli_inventory(tmp_path / "inv.yml", {"edge1": host_vars(sim)})
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    sim.configure(CHANGE, user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    return sim, inv, store


def test_eos_refused_line_aborts_the_session(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim, inv, store = _eos_changed(tmp_path, cli_sim)
    before, changes = sim.device.config.render(), len(sim.device.changes)
    refused = "hostname edge1"  # a line of version 1 that this release would no longer accept
    sim.device.rejects = {refused}
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    assert run.rc == 2, run.stdout[-3000:]
    res = run.results("Restore the version")["edge1"]
    assert res["error"] == "rpc_error" and res["msg"].startswith(
        "restore of edge1 version 1 failed: rpc_error: %r: %% Invalid input" % refused), res["msg"]
    assert sim.device.config.render() == before and len(sim.device.changes) == changes
    assert (sim.device.sessions, sim.device.trial) == ({}, None)  # aborted: no session left pending
    sim.device.rejects = set()
    _ok(run_playbook(RESTORE, inv, store, "-e", "restore_version=1"))
    assert sim.device.config.render() != before


def test_eos_unconfirmed_commit_timer_rolls_back(tmp_path: Path,
                                                 cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    """The commit cuts the management path before the confirmation: the task says so, EOS rolls back."""
    sim, inv, store = _eos_changed(tmp_path, cli_sim)
    before = sim.device.config.render()
    sim.device.cut_in_trial = True
    sim.device.trial_scale = 0.05  # the device's 60 s timer runs in 3 s
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "-e", "restore_confirm_timeout=60")
    assert run.rc == 4, run.stdout[-3000:]  # the session is lost: UNREACHABLE in the recap
    res = run.results("Restore the version")["edge1"]
    assert (res["error"], res["unreachable"]) == ("unreachable", True)
    assert res["msg"] == ("restore of edge1 version 1 failed: unreachable: committed with commit timer 00:01:00 "
                          "but not confirmed (unreachable: 'show hostname' got no answer): the "
                          "device rolls back to its previous configuration within 00:01:00"), res["msg"]
    assert sim.device.config.render() != before  # committed, waiting for the confirmation
    deadline = time.monotonic() + 30
    while sim.device.trial is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sim.device.trial is None and sim.device.config.render() == before
    assert sim.device.changes[-1].user == "system"
