#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: device
short_description: Import a network device into the netsync.fleet store, or remove it
version_added: 0.1.0
description:
  - With O(state=present), connects to the play's host over NETCONF, or over
    C(ansible.netcommon.network_cli) through the vendor cliconf plugin for Cisco IOS/IOS-XE, NX-OS,
    IOS-XR and Arista EOS (C(show version); EOS C(show version | json)), reads its facts (hostname,
    model, version, serial where the platform gives them), records the device in the store and,
    on first import, takes the first configuration snapshot and sets the managed status C(In Sync).
  - An existing device is updated when its address, platform or facts changed; otherwise nothing
    changes (idempotent).
  - With O(state=absent), removes the device, its snapshots, status history and settings from the
    store. The device itself is not touched.
  - Credentials are never written to the store.
author: Netsync Fleet Team (@netsync-fleet)
options:
  state:
    description: Whether the device is in the store.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - netsync.fleet.connection
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reads the device but writes nothing to the store.
  diff_mode:
    support: full
    description: Shows address, platform and facts before and after.
  idempotent:
    support: full
    description: A second run with the same device reports no change.
seealso:
  - module: netsync.fleet.resync
  - module: netsync.fleet.device_info
"""

EXAMPLES = r"""
- name: Import every router into the store
  netsync.fleet.device:

- name: Import into a shared PostgreSQL store
  netsync.fleet.device:
    store: postgresql://netsync@db.example.net/netsync

- name: Forget a decommissioned router (the router is not contacted)
  netsync.fleet.device:
    state: absent
"""

RETURN = r"""
device:
  description: The device as stored; null after O(state=absent).
  returned: always
  type: dict
  contains:
    name: {description: Name in the store., type: str, returned: success, sample: r1}
    host: {description: NETCONF address., type: str, returned: success, sample: 192.0.2.1}
    platform: {description: junos or netconf., type: str, returned: success, sample: junos}
    managed_status:
      description: In Sync, Out of Sync, Synchronizing or Sync Failed.
      type: str
      returned: success
      sample: In Sync
    facts:
      description: The keys hostname, model, version, serial and vendor (null when unknown).
      type: dict
      returned: success
    snapshot_version: {description: Latest snapshot version., type: int, returned: success, sample: 1}
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import DEVICE_CHECKS, DEVICE_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main, run_device


def main() -> None:
    module_main(DEVICE_SPEC, run_device, **DEVICE_CHECKS)


if __name__ == "__main__":
    main()
