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
      - Address of the device's NETCONF server. Defaults to C(ansible_host), then C(inventory_hostname).
    type: str
  port:
    description:
      - NETCONF over SSH port. Defaults to C(ansible_port), then 830.
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
"""
