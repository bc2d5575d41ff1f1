"""Cisco IOS-XE, IOS-XR and Arista EOS hosts whose inventory says NETCONF
(``ansible_connection: ansible.netcommon.netconf`` with the vendor's ``ansible_network_os``) are read
as generic RFC 6241 devices: real ansible-playbook against netconfd behind a loopback sshd, with
ietf-system loaded, so the hostname fact comes from ``/system/hostname``."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_netconfd, run_playbook, write_inventory
from tests.testbed.netconfd import NetconfdDevice, NetconfdFleet

pytestmark = pytest.mark.system
NETWORK_OS = ("cisco.ios.ios", "cisco.iosxr.iosxr", "arista.eos.eos")
RESYNC = "Read the committed configuration and store a snapshot if it changed"


@pytest.fixture(scope="module")
def system_fleet() -> Iterator[list[NetconfdDevice]]:
    """Three netconfd devices that also implement ietf-system (hostname ``ncNN-host``)."""
    fleet = NetconfdFleet(len(NETWORK_OS), system_hostnames=True)
    try:
        yield fleet.start()
    finally:
        fleet.stop()


def test_vendor_network_os_over_netconf_is_generic(tmp_path: Path, system_fleet: list[NetconfdDevice],
                                                   store_url: str) -> None:
    devices = []
    for nc, network_os in zip(system_fleet, NETWORK_OS, strict=True):
        dev = from_netconfd(nc)
        dev.extra["ansible_network_os"] = network_os
        devices.append(dev)
    inv = write_inventory(tmp_path / "inv.yml", devices, known_hosts=Path(system_fleet[0].known_hosts),
                          connection="ansible.netcommon.netconf")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    imported = run.results("Import the device (facts and first snapshot)")
    for nc in system_fleet:
        device = imported[nc.name]["device"]
        assert device["platform"] == "netconf", device
        assert device["facts"]["hostname"] == "%s-host" % nc.name  # from ietf-system /system/hostname
    assert all(r["snapshot_version"] == 1 for r in run.results("Resync the device").values())

    marker = "oob-%s" % uuid.uuid4().hex[:8]
    changed = system_fleet[1]  # the cisco.iosxr.iosxr host
    changed.oob_commit(description=marker)
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url, "--diff")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = run.results(RESYNC)
    assert res[changed.name]["changed"] is True and res[changed.name]["snapshot_version"] == 2
    assert marker in res[changed.name]["diff"]["after"] and marker not in res[changed.name]["diff"]["before"]
    assert "\nsystem\n  hostname %s-host\n" % changed.name in res[changed.name]["diff"]["after"]  # indented text
    others = [nc.name for nc in system_fleet if nc is not changed]
    assert [res[n]["changed"] for n in others] == [False, False]
    with st.open_store(store_url) as s:
        assert [x["version"] for x in s.devices.list_snapshots(changed.name)] == [1, 2]
        assert all(s.devices.get(nc.name)["managed_status"] == "In Sync" for nc in system_fleet)  # type: ignore[index]
