"""Topology of the CLI platforms: Device and Interface/Address objects from the text as read."""
from __future__ import annotations

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils.topology import derive

from tests.sims.cli_device import CliDevice

ADDRESS = {"ios": "192.0.2.1/24", "nxos": "192.0.2.2/24", "iosxr": "192.0.2.3/24", "eos": "192.0.2.4/24"}
UPLINK = {"ios": "GigabitEthernet1", "nxos": "Ethernet1/1", "iosxr": "GigabitEthernet0/0/0/0", "eos": "Ethernet1"}


@pytest.mark.parametrize("platform", ["ios", "nxos", "iosxr", "eos"])
def test_interfaces_and_addresses(platform: str) -> None:
    dev = CliDevice(platform, "edge1")
    dev.config.apply("interface Loopback9", None)
    dev.config.apply("ipv6 address 2001:db8::9/64" if platform != "iosxr" else "ipv6 address 2001:db8::9/64",
                     "interface Loopback9")
    dev.config.apply("shutdown", "interface Loopback9")
    objects = derive({"name": "edge1", "facts": {"hostname": "edge1"}}, platform, dev.running_config(), "s1",
                     updated_at=1.0)
    by_type: dict[str, list] = {}
    for obj in objects:
        by_type.setdefault(obj.type, []).append(obj)
    device = by_type["Device"][0]
    assert device.properties["platform"] == platform and device.properties["hostname"] == "edge1"
    ifaces = {o.properties["name"]: o for o in by_type["Interface"]}
    uplink = ifaces[UPLINK[platform]]
    assert uplink.properties.get("description") == "uplink"
    addresses = {o.properties.get("prefix") or o.key for o in by_type["Address"]}
    assert any(ADDRESS[platform] in a for a in addresses), addresses
    assert any("2001:db8::9/64" in a for a in addresses), addresses
    assert ifaces["Loopback9"].properties.get("admin_state") == "down"
    assert not any("secret" in str(o.properties) for o in objects)
