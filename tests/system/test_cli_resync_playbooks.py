"""Cisco IOS, NX-OS, IOS-XR and Arista EOS over ansible.netcommon.network_cli: real
ansible-playbook against the CLI simulators, through the vendor collections' cliconf plugins.

Import, an out-of-band change, resync with the right diff (secrets masked, a changed secret
still a change), idempotency (the volatile header lines change on every read, yet a second
resync stores nothing), check mode, and failures that name their cause."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import PLATFORMS, cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system
RESYNC = "Read the committed configuration and store a snapshot if it changed"
# an out-of-band change per platform: a description and the SNMP community (a secret)
CHANGE = {
    "ios": ["interface GigabitEthernet2", "description oob-change", "exit", "snmp-server community s3cr3t-RW RW"],
    "nxos": ["interface Ethernet1/1", "description oob-change", "exit",
             "username ops password 5 $5$NEWsecretHASH role network-operator"],
    "iosxr": ["interface GigabitEthernet0/0/0/0", "description oob-change", "exit",
              "snmp-server community s3cr3t-RW RW"],
    "eos": ["interface Ethernet1", "description oob-change", "exit", "snmp-server community s3cr3t-RW rw"],
}
SECRET = {"ios": "s3cr3t-RW", "nxos": "$5$NEWsecretHASH", "iosxr": "s3cr3t-RW", "eos": "s3cr3t-RW"}


def _snapshots(store: str, name: str) -> list[dict[str, Any]]:
    with st.open_store(store) as s:
        return list(s.devices.list_snapshots(name))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_import_change_resync_idempotent_check(platform: str, tmp_path: Path, cli_sim: Callable[..., CliSim],  # noqa: F811
                                               store_url: str) -> None:
    """On both back ends (``store_url``: a SQLite file, then a fresh PostgreSQL database)."""
    sim = cli_sim(platform=platform, hostname="edge1")
    inv = cli_inventory(tmp_path / "inv.yml", {"edge1": host_vars(sim)})
    store = store_url

    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    device = run.results("Import the device (facts and first snapshot)")["edge1"]["device"]
    assert device["platform"] == platform and device["port"] == sim.port
    facts = device["facts"]
    assert facts["hostname"] == "edge1" and facts["version"] == sim.device.state.version
    assert facts["model"] == sim.device.state.model and facts["serial"] == sim.device.state.serial
    first = run.results("Resync the device")["edge1"]
    assert first["changed"] is False and first["snapshot_version"] == 1 and first["managed_status"] == "In Sync"

    sim.configure(CHANGE[platform], user="ops")
    run = run_playbook(REPO / "tests/system/playbooks/cli_resync_twice.yml", inv, store, "--diff")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    changed = run.results("Resync (first run)")["edge1"]
    assert changed["changed"] is True and changed["snapshot_version"] == 2
    after, before = changed["diff"]["after"], changed["diff"]["before"]
    assert " description oob-change" in after and "oob-change" not in before
    assert SECRET[platform] not in after and SECRET[platform] not in run.stdout  # masked everywhere
    new_marks = set(after.splitlines()) - set(before.splitlines())
    assert any("<secret:" in line for line in new_marks), new_marks  # a changed secret is a change
    if platform in ("ios", "iosxr"):  # the configuration header names the committing user
        assert changed["commit_user"] == "ops"
    again = run.results("Resync (second run)")["edge1"]
    assert again["changed"] is False and again["snapshot_version"] == 2 and again["managed_status"] == "In Sync"
    snaps = _snapshots(store, "edge1")
    assert [s["version"] for s in snaps] == [1, 2]

    # check mode: predicts the new snapshot and its diff, stores nothing
    sim.configure(["hostname edge1-renamed"], user="ops")
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store, "--check", "--diff")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    res = run.results(RESYNC)["edge1"]
    assert res["changed"] is True and res["snapshot_version"] == 3
    assert "hostname edge1-renamed" in res["diff"]["after"]
    assert len(_snapshots(store, "edge1")) == 2
    with st.open_store(store) as s:
        raw = s.devices.get_snapshot("edge1", 2)
        assert raw is not None and SECRET[platform] in raw["config"]  # the snapshot keeps the raw text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_failures_name_the_cause(platform: str, tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim = cli_sim(platform=platform, hostname="edge2")
    store = str(tmp_path / "fleet.db")
    inv = cli_inventory(tmp_path / "inv.yml", {"edge2": host_vars(sim)})
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]

    bad = cli_inventory(tmp_path / "bad.yml", {"edge2": host_vars(sim, password="wrong")})
    run = run_playbook(REPO / "playbooks/resync.yml", bad, store)
    res = run.results(RESYNC)["edge2"]
    assert run.rc == 4 and res["unreachable"] is True  # a refused login is UNREACHABLE in the recap
    assert res["error"] == "auth_failed" and "authentication failed for user 'admin'" in res["msg"], res["msg"]
    assert "wrong" not in run.stdout and "secret" not in res["msg"]  # no credential in the output
    assert res["managed_status"] == "Sync Failed"

    if platform in ("ios", "eos"):
        bad = cli_inventory(tmp_path / "bad2.yml", {"edge2": host_vars(sim, enable_password="nope")})
        run = run_playbook(REPO / "playbooks/resync.yml", bad, store)
        res = run.results(RESYNC)["edge2"]
        assert res["unreachable"] is True and res["error"] == "auth_failed" and "enable" in res["msg"], res["msg"]

    sim.stop()
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store)
    res = run.results(RESYNC)["edge2"]
    assert run.rc == 4 and res["unreachable"] is True and res["error"] == "unreachable", res["msg"]
    assert "cannot reach edge2 (127.0.0.1:%d)" % sim.port in res["msg"]
    with st.open_store(store) as s:
        row = s.devices.get("edge2")
        assert row is not None and row["managed_status"] == "Sync Failed" and row["connection_state"] == "down"
        assert len(s.devices.list_snapshots("edge2")) == 1  # a failed read keeps the previous snapshot
