"""The pure parts of the IOS-XR restore and the shared line preparation (no server)."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_iosxr import confirm_seconds
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_lines import block_lines, device_message

XR = """Building configuration...
!! IOS XR Configuration 7.9.2
!! Last configuration change at Mon Nov 30 09:00:01 2026 by admin
!
hostname r1
username admin
 group root-lr
 secret 10 $6$Tm3x7Q1y$F0c1
!
route-policy PASS
  pass
end-policy
!
router bgp 65000
 neighbor 192.0.2.2
  remote-as 65001
  address-family ipv4 unicast
  !
 !
!
prefix-set NETS
  10.0.0.0/8
end-set
!
snmp-server community n3tsync-RO RO
end
"""


def test_block_lines_exit_closed_blocks_and_end_statements_close_their_own() -> None:
    assert block_lines(XR) == [
        "hostname r1",
        "username admin", " group root-lr", " secret 10 $6$Tm3x7Q1y$F0c1", "exit",
        "route-policy PASS", "  pass", "end-policy",
        "router bgp 65000", " neighbor 192.0.2.2", "  remote-as 65001", "  address-family ipv4 unicast",
        "exit", "exit",
        "prefix-set NETS", "  10.0.0.0/8", "end-set",
        "snmp-server community n3tsync-RO RO",
    ]


def test_block_lines_empty_config() -> None:
    assert block_lines("Building configuration...\n!\nend\n") == []


@pytest.mark.parametrize("seconds,expected", [(1, 30), (30, 30), (300, 300), (70000, 65535)])
def test_confirm_seconds_within_xr_range(seconds: int, expected: int) -> None:
    assert confirm_seconds(seconds) == expected


def test_device_message_drops_echo_and_prompts() -> None:
    text = ("snmp-server community s3cr3t RW\r\n                         ^\r\n"
            "% Invalid input detected at '^' marker.\r\nRP/0/RP0/CPU0:r1(config)#")
    assert device_message(text, "snmp-server community s3cr3t RW") == "^\n% Invalid input detected at '^' marker."


def test_device_message_reads_network_cli_bytes_repr() -> None:
    text = repr(b"ipv4 address 10.0.0.3 255.255.255.255\r\n% Invalid input detected at '^' marker.\r\n"
                b"RP/0/RP0/CPU0:edge1(config-if)#")
    assert text.startswith('b"')
    assert device_message(text, "ipv4 address 10.0.0.3 255.255.255.255") == "% Invalid input detected at '^' marker."
    assert device_message("b'not closed", "") == "b'not closed"
