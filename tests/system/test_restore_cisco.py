"""netsync.fleet.restore on Cisco IOS-XE and IOS-XR through real ansible-playbook over network_cli, against
the CLI simulators (tests/sims/cli_restore_shell.py): IOS-XE writes the version to bootflash through tclsh and
runs configure replace ... revert trigger error timer + configure confirm; IOS-XR types it in a configuration
session and commits replace confirmed + commit. A replace the device refuses leaves it unchanged and the
task fails with the device's words."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_platforms import IOS
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system

RESTORE = REPO / "tests/system/playbooks/restore.yml"
IOS_ARCHIVE = IOS.default_config + "\narchive\n path bootflash:archive\n maximum 5"
CHANGES = {
    "ios": ["interface GigabitEthernet1", "description oob-change", "exit", "no ntp server 192.0.2.123",
            "snmp-server community s3cr3t-RW RW"],
    "iosxr": ["interface GigabitEthernet0/0/0/0", "description oob-change", "exit",
              "no interface Loopback0", "snmp-server community s3cr3t-RW RW"],
}
MECHANISM = {
    "ios": "configure replace bootflash:netsync-restore.cfg force revert trigger error timer 1 + configure confirm",
    "iosxr": "commit replace confirmed 60 + commit",
}


def _ok(run: Any) -> None:
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]


def _shas(store: str) -> dict[int, str]:
    with st.open_store(store) as s:
        return {int(r["version"]): r["sha256"] for r in s.devices.list_snapshots("edge1")}


def _config(sim: CliSim) -> list[str]:
    """The device's configuration, without IOS' drifting ntp clock-period (volatile: not in the hash)."""
    return [line for line in sim.device.config.render() if not line.startswith("ntp clock-period")]


def _device(cli_sim: Callable[..., CliSim], tmp_path: Path, platform: str,  # noqa: F811
            config: str | None = None) -> tuple[CliSim, Path, str]:
    sim = cli_sim(platform=platform, hostname="edge1",
                  config=config if config is not None else (IOS_ARCHIVE if platform == "ios" else None))
    inv = cli_inventory(tmp_path / "inv.yml", {"edge1": host_vars(sim)})
    store = str(tmp_path / "fleet.db")
    _ok(run_playbook(REPO / "playbooks/onboard.yml", inv, store))
    return sim, inv, store


@pytest.mark.parametrize("platform", ["ios", "iosxr"])
def test_restore_round_trip(platform: str, tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim, inv, store = _device(cli_sim, tmp_path, platform)
    original = _config(sim)
    sim.configure(CHANGES[platform], user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    assert sorted(_shas(store)) == [1, 2]
    changed = _config(sim)

    checked = run_playbook(RESTORE, inv, store, "-e", "restore_version=1", "--check", "--diff")
    _ok(checked)
    res = checked.results("Restore the version")["edge1"]
    assert (res["changed"], res["mechanism"], res["verified"]) == (True, None, None)
    assert "description oob-change" in res["diff"]["before"] and "oob-change" not in res["diff"]["after"]
    assert "s3cr3t-RW" not in checked.stdout and "<secret:" in res["diff"]["before"]
    assert _config(sim) == changed  # check mode sent nothing
    assert sim.device.files == {}

    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(run)
    res = run.results("Restore the version")["edge1"]
    assert (res["changed"], res["platform"], res["verified"]) == (True, platform, True)
    assert res["mechanism"] == MECHANISM[platform]
    assert _config(sim) == original
    assert (sim.device.files, sim.device.trial) == ({}, None)  # temporary file deleted, replace confirmed
    assert sim.device.changes[-1].user == "admin"
    resynced = run.results("Store what the device now has")["edge1"]
    assert (resynced["changed"], resynced["snapshot_version"]) == (True, 3)
    shas = _shas(store)
    assert shas[3] == shas[1] != shas[2]

    again = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    _ok(again)
    assert again.results("Restore the version")["edge1"]["changed"] is False
    assert len(sim.device.changes) == 2  # the out-of-band change and the restore: nothing more was sent


# (platform, line the device now refuses, start of the device's words in the task's message)
REFUSALS = [
    ("ios", "ntp server 192.0.2.123",
     "configure replace failed: Failed to apply command ntp server 192.0.2.123"
     "\nThe original configuration has been successfully restored."),
    ("iosxr", "ipv4 address 10.0.0.3 255.255.255.255",
     "'ipv4 address 10.0.0.3 255.255.255.255': % Invalid input detected at '^' marker."),
]


@pytest.mark.parametrize("platform,refused,words", REFUSALS)
def test_refused_replace_leaves_the_device_unchanged(platform: str, refused: str, words: str, tmp_path: Path,
                                                     cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim, inv, store = _device(cli_sim, tmp_path, platform)
    sim.configure(CHANGES[platform], user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    before, changes = _config(sim), len(sim.device.changes)
    sim.device.rejects = {refused}  # e.g. a feature the device no longer accepts
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    assert run.rc == 2, run.stdout[-3000:]
    res = run.results("Restore the version")["edge1"]
    assert res["error"] == "rpc_error"
    assert res["msg"] == "restore of edge1 version 1 failed: rpc_error: " + words
    assert _config(sim) == before and len(sim.device.changes) == changes
    assert (sim.device.files, sim.device.trial) == ({}, None)
    sim.device.rejects = set()  # the persistent connection was left in a usable mode
    _ok(run_playbook(RESTORE, inv, store, "-e", "restore_version=1"))
    assert _config(sim) != before


def test_ios_without_archive_is_refused_by_the_device(tmp_path: Path,
                                                      cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim, inv, store = _device(cli_sim, tmp_path, "ios", config=IOS.default_config)
    sim.configure(CHANGES["ios"], user="ops")
    before = _config(sim)
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    assert run.rc == 2
    res = run.results("Restore the version")["edge1"]
    assert res["error"] == "unsupported"
    assert res["msg"] == ("restore of edge1 version 1 failed: unsupported: configure replace with revert needs "
                          "the configuration archive (configure 'archive' with 'path <file system>:<name>'); "
                          "the device said: %Please turn config archive on")
    assert _config(sim) == before and sim.device.files == {}


# (platform, what the task says after the cut: the proof that the session works got no answer)
CUTS = [("ios", "replaced with configure replace ... timer 1 but not confirmed (unreachable: 'show privilege' "
                "got no answer): the device rolls back to its previous configuration within 1 minute(s)"),
        ("iosxr", "committed with commit replace confirmed 60 but not confirmed (unreachable: 'show running-config "
                  "hostname' got no answer): the device rolls back to its previous configuration within 60 s")]


@pytest.mark.parametrize("platform,words", CUTS)
def test_unconfirmed_replace_rolls_back(platform: str, words: str, tmp_path: Path,
                                        cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    """The replace cuts the session before the confirmation: the task says so and the device rolls back."""
    sim, inv, store = _device(cli_sim, tmp_path, platform)
    sim.configure(CHANGES[platform], user="ops")
    _ok(run_playbook(REPO / "playbooks/resync.yml", inv, store))
    before = _config(sim)
    sim.device.cut_in_trial = True
    sim.device.trial_scale = 0.05  # the device's 60 s timer runs in 3 s
    run = run_playbook(RESTORE, inv, store, "-e", "restore_version=1")
    assert run.rc == 4, run.stdout[-3000:]  # the session is lost: UNREACHABLE in the recap
    res = run.results("Restore the version")["edge1"]
    assert (res["error"], res["unreachable"]) == ("unreachable", True)
    assert res["msg"] == "restore of edge1 version 1 failed: unreachable: " + words
    assert _config(sim) != before  # replaced, waiting for the confirmation
    deadline = time.monotonic() + 30
    while sim.device.trial is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sim.device.trial is None and _config(sim) == before
    assert sim.device.changes[-1].user == "system"
