"""Topology of the CLI platforms: Device and Interface/Address objects from the text as read."""
from __future__ import annotations

import sys

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils.topology import TopologyError, derive
from ansible_collections.netsync.fleet.plugins.module_utils.topology._cli import cli_interfaces
from ansible_collections.netsync.fleet.plugins.module_utils.topology._xml import Iface

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


# Configurations as the platforms print them (indentation, section ends, headers), with the lines
# that a line-by-line reader gets wrong: "shutdown" under router/line sections, "no shutdown",
# "ip mtu", addresses without a prefix of their own.
IOS = """Building configuration...

Current configuration : 1234 bytes
!
! Last configuration change at 09:00:01 UTC Mon Nov 30 2026 by admin
!
version 17.9
hostname r1
!
interface GigabitEthernet1
 description uplink to core, port 3
 mtu 9000
 ip mtu 1400
 ip address 192.0.2.1 255.255.255.0
 ip address 198.51.100.1 255.255.255.128 secondary
 ipv6 address 2001:DB8::1/64
 ipv6 address FE80::1 link-local
 no shutdown
!
interface GigabitEthernet2
 no ip address
 shutdown
!
interface GigabitEthernet3
 ip address dhcp
!
router bgp 65000
 neighbor 192.0.2.9 description not-an-interface
 shutdown
!
line vty 0 4
 shutdown
end
"""
NXOS = """!Command: show running-config
!Running configuration last done at: Mon Nov 30 09:00:01 2026
!Time: Mon Nov 30 09:10:00 2026

version 10.3(3) Bios:version
hostname r1

interface Ethernet1/1
  description uplink
  no switchport
  mtu 9216
  ip address 192.0.2.2/24
  ipv6 address 2001:db8:1::2/64
  no shutdown

interface Ethernet1/2
  shutdown

interface mgmt0
  vrf member management
  ip address 10.1.1.1/24
router ospf 1
  shutdown
"""
IOSXR = """Building configuration...
!! IOS XR Configuration 7.9.2
!! Last configuration change at Mon Nov 30 09:00:01 2026 by admin
!
hostname r1
interface Loopback0
 ipv4 address 10.0.0.3 255.255.255.255
!
interface GigabitEthernet0/0/0/0
 description uplink
 mtu 9014
 ipv4 address 192.0.2.3 255.255.255.0
 ipv4 address 192.0.2.130 255.255.255.128 secondary
 ipv6 address 2001:db8::3/64
!
interface GigabitEthernet0/0/0/1
 shutdown
!
router bgp 65000
 neighbor 192.0.2.9
  shutdown
 !
!
end
"""
EOS = """! Command: show running-config
! device: r1 (vEOS-lab, EOS-4.31.0F)
!
hostname r1
!
interface Ethernet1
   description uplink
   mtu 9214
   no switchport
   ip address 192.0.2.4/24
   ip address 198.51.100.4/25 secondary
   ipv6 address 2001:db8::4/64
!
interface Ethernet2
   shutdown
!
management api http-commands
   no shutdown
!
end
"""
EXPECTED = {
    "ios": [Iface("GigabitEthernet1", "up", "uplink to core, port 3", 9000,
                  addresses=[("inet", "192.0.2.1/24"), ("inet", "198.51.100.1/25"), ("inet6", "2001:db8::1/64")]),
            Iface("GigabitEthernet2", "down"), Iface("GigabitEthernet3", "up")],
    "nxos": [Iface("Ethernet1/1", "up", "uplink", 9216,
                   addresses=[("inet", "192.0.2.2/24"), ("inet6", "2001:db8:1::2/64")]),
             Iface("Ethernet1/2", "down"), Iface("mgmt0", "up", addresses=[("inet", "10.1.1.1/24")])],
    "iosxr": [Iface("Loopback0", "up", addresses=[("inet", "10.0.0.3/32")]),
              Iface("GigabitEthernet0/0/0/0", "up", "uplink", 9014,
                    addresses=[("inet", "192.0.2.3/24"), ("inet", "192.0.2.130/25"), ("inet6", "2001:db8::3/64")]),
              Iface("GigabitEthernet0/0/0/1", "down")],
    "eos": [Iface("Ethernet1", "up", "uplink", 9214,
                  addresses=[("inet", "192.0.2.4/24"), ("inet", "198.51.100.4/25"), ("inet6", "2001:db8::4/64")]),
            Iface("Ethernet2", "down")],
}


@pytest.mark.parametrize("platform,text", [("ios", IOS), ("nxos", NXOS), ("iosxr", IOSXR), ("eos", EOS)])
def test_parser_reads_sections_exactly(platform: str, text: str) -> None:
    assert cli_interfaces(text, platform) == EXPECTED[platform]


def test_unknown_platform_and_missing_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TopologyError, match="no CLI parser for platform 'junos'"):
        cli_interfaces(IOS, "junos")
    monkeypatch.setitem(sys.modules, "hier_config", None)  # as if not installed
    with pytest.raises(TopologyError, match="needs the Python package hier_config"):
        cli_interfaces(IOS, "ios")
