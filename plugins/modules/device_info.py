#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: device_info
short_description: Read devices, snapshot history and configuration diffs from the store
version_added: 0.1.0
description:
  - Returns the devices in the store with their managed status, auto-resync flag, last sync time
    and snapshot history. Does not contact any device.
  - With O(version), also the configuration text of that snapshot; with O(diff_from) and/or
    O(diff_to), what changed between two snapshots in the platform's own text (Junos C(delete)/C(set)
    lines that can be pasted into a Junos configuration session; other platforms a unified diff).
author: Netsync Fleet Team (@netsync-fleet)
options:
  name:
    description: Only this device. Required by O(version), O(diff_from) and O(diff_to).
    type: str
  version:
    description: Return the configuration of this snapshot version as RV(config).
    type: int
  diff_from:
    description: Older version of the diff. Defaults to the version before O(diff_to).
    type: int
  diff_to:
    description: Newer version of the diff. Defaults to the latest version.
    type: int
  history:
    description: Also return this many of the most recent managed status changes per device.
    type: int
    default: 0
  show_secrets:
    description:
      - Return RV(config), RV(config_xml) and RV(diff) with the device's secrets in clear.
      - By default every secret (Junos C(encrypted-password), C(authentication-key), C(secret),
        C(pre-shared-key), SNMP communities; on other devices leaves whose names say password, secret
        or key; on CLI platforms enable and user secrets, SNMP communities, keys and key strings) is
        shown as C(<secret:XXXXXXXXXXXX>), a marker made with this store's own key - the same
        secret gives the same marker, a changed secret a different one, so a changed secret still shows
        in a diff. The store keeps the configuration as read, secrets included; protect it like the
        devices' backups.
    type: bool
    default: false
extends_documentation_fragment:
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  idempotent:
    support: full
    description: Read-only.
"""

EXAMPLES = r"""
- name: Status of every device
  netsync.fleet.device_info:
  run_once: true
  register: fleet

- name: What changed on r1 between versions 3 and 4
  netsync.fleet.device_info:
    name: r1
    diff_from: 3
    diff_to: 4
  register: change

- name: The configuration r1 had at version 2
  netsync.fleet.device_info:
    name: r1
    version: 2
"""

RETURN = r"""
devices:
  description: Devices in the store (or the named one).
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Device name., type: str, returned: always}
    platform: {description: junos or netconf., type: str, returned: always}
    managed_status:
      description: One of C(In Sync), C(Out of Sync), C(Synchronizing), C(Sync Failed).
      type: str
      returned: always
    auto_resync: {description: Effective auto-resync setting of the device., type: bool, returned: always}
    last_synced: {description: Epoch seconds of the last successful read., type: float, returned: always}
    snapshots:
      description: Snapshot history, oldest first.
      type: list
      elements: dict
      returned: always
      contains:
        version: {description: Version number., type: int, returned: always}
        taken_at: {description: Epoch seconds when stored., type: float, returned: always}
        sha256: {description: sha256 of the stable rendering., type: str, returned: always}
        commit:
          description:
            - The commit C(time), C(user), C(sequence) and C(comment) the device reported (each null when it
              gave none). Junos gives the comment and sequence from C(get-commit-information).
          type: dict
          returned: always
    auto_resync_jobs:
      description:
        - What the auto-resync listener decided for the device, from its persisted state.
        - C(pending) - a job waiting (C(due) epoch seconds, C(kind) scheduled, follow-up or retry, C(postponed)
          times), or null.
        - C(running) - a job the listener dispatched or follows (C(job_id), C(state) dispatched or started,
          C(dispatched_at), C(started_at), C(deadline)), or null.
      type: dict
      returned: always
listener:
  description:
    - The auto-resync listener's counters as of its last store write (C(at), epoch seconds, and C(counters)) -
      notifications received and accepted, dropped by reason (C(dropped:unknown-source)), malformed lines,
      C(udp:kernel-drops), C(tcp:refused-over-cap), C(tcp:closed-idle), C(store-errors), C(decision:*) and
      the like. Null when no listener has written to this store.
    - With two listeners on one store (an HA pair), these are the leader's (C(role) leader) and the standby's
      are under C(standby) (C(forwarded) counts the commits it handed to the leader; C(lease:acquired) and
      C(lease:lost) the leader lease taken and lost).
  returned: always
  type: dict
config:
  description: Stable text rendering of snapshot O(version), secrets masked unless O(show_secrets).
  returned: when version is given
  type: str
config_xml:
  description:
    - The configuration XML of snapshot O(version), as read, secrets masked unless O(show_secrets).
    - Not returned for the CLI platforms (IOS, NX-OS, IOS-XR, EOS), whose text as read holds
      unmasked secrets; O(version) gives their masked text in RV(config).
  returned: when version is given, for NETCONF devices
  type: str
diff:
  description:
    - What changed between the two versions, secrets masked unless O(show_secrets). Junos devices
      give C(delete) then C(set) lines (C(display set) form, pasteable); other platforms a unified diff
      of their readable text (CLI platforms their own lines, generic NETCONF devices indented text).
  returned: when diff_from or diff_to is given
  type: str
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import DEVICE_INFO_CHECKS, DEVICE_INFO_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main, run_device_info


def main() -> None:
    module_main(DEVICE_INFO_SPEC, run_device_info, **DEVICE_INFO_CHECKS)


if __name__ == "__main__":
    main()
