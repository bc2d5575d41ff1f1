# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  name:
    description:
      - The device's name in the store. Defaults to C(inventory_hostname).
    type: str
  host:
    description:
      - Address of the device (its NETCONF server, or its SSH CLI over C(network_cli)). Defaults to
        C(ansible_host), then C(inventory_hostname).
    type: str
  port:
    description:
      - NETCONF over SSH port. Defaults to C(ansible_port), then 830 (22 over C(network_cli)).
    type: int
    default: 830
  username:
    description:
      - SSH user. Defaults to C(ansible_user).
    type: str
  password:
    description:
      - SSH password. Defaults to C(ansible_password). Never stored, logged or returned.
    type: str
  private_key_file:
    description:
      - SSH private key. Defaults to C(ansible_ssh_private_key_file).
    type: path
  platform:
    description:
      - V(junos) uses the Junos XML API (C(get-configuration) with commit time and user);
        V(netconf) is any RFC 6241 server (C(get-config) of C(running)).
      - V(auto) detects Junos from the hello capabilities. Defaults to C(netsync_platform).
      - Over C(ansible_connection=ansible.netcommon.network_cli) the platform comes from
        C(ansible_network_os) (C(cisco.ios.ios), C(cisco.nxos.nxos), C(cisco.iosxr.iosxr),
        C(arista.eos.eos)) and this option is not used.
    type: str
    choices: [auto, junos, netconf]
    default: auto
  host_key_checking:
    description:
      - Verify the device's SSH host key against known_hosts. Defaults to
        C(netsync_host_key_checking). Turning it off is an explicit choice.
    type: bool
    default: true
  known_hosts_file:
    description:
      - A known_hosts file read in addition to C(~/.ssh/known_hosts). Defaults to C(netsync_known_hosts_file).
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each RPC. Defaults to C(netsync_timeout).
    type: float
    default: 30
notes:
  - The module runs on the controller through its action plugin, in the worker process, and opens
    its own NETCONF session (ncclient); with C(ansible_connection=ansible.netcommon.netconf) no
    persistent connection is started for it. The same inventory works with C(ansible_connection=local).
  - "Cisco IOS/IOS-XE, NX-OS, IOS-XR and Arista EOS: with C(ansible_connection=ansible.netcommon.network_cli)
    and C(ansible_network_os) as for the vendor collections (C(ansible_become=true) and
    C(ansible_become_method=enable) where the login lands in user EXEC), the module reads the device
    through that collection's own cliconf plugin, over the host's persistent connection (started or
    reused as for C(cisco.ios.ios_command)). The vendor collection and C(ansible.netcommon) must be
    installed. Credentials, C(ansible_become_password) and host key checking are those of
    C(network_cli); the username, password and key options here are not used. The options
    O(host) and O(port) only name the device in the store."
  - "What each CLI platform reads, leaves out of the hash (volatile lines), masks (secrets) and
    configures for auto-resync is listed in the collection's C(docs/platforms.md)."
"""
