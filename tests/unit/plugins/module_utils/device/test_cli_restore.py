"""The lines an EOS restore enters (no server)."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_eos import eos_lines

RUNNING = """! Command: show running-config
! device: edge1 (vEOS, EOS-4.30.1F)
!
hostname edge1
!
interface Ethernet1
   description uplink
   no switchport
!
router bgp 65000
   neighbor 192.0.2.2 remote-as 65001
   address-family ipv4
      neighbor 192.0.2.2 activate
ip route 0.0.0.0/0 192.0.2.2
!
end
"""


def test_eos_lines_exit_closed_blocks_and_drop_comments() -> None:
    assert eos_lines(RUNNING) == [
        "hostname edge1",
        "interface Ethernet1", "   description uplink", "   no switchport", "exit",
        "router bgp 65000", "   neighbor 192.0.2.2 remote-as 65001", "   address-family ipv4",
        "      neighbor 192.0.2.2 activate", "exit", "exit",
        "ip route 0.0.0.0/0 192.0.2.2",
    ]
