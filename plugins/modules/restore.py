#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: restore
short_description: Put a stored version of a device's configuration back on the device
version_added: 0.2.0
description:
  - Reads the device's configuration and compares it with version O(version) from the store (sha256 of the
    stable rendering). When they are equal nothing is sent and the task reports no change.
  - "Junos: C(lock-configuration), C(load-configuration action=override) of the stored C(<configuration>),
    C(commit-configuration) with C(<confirmed/>) and a C(confirm-timeout) of O(confirm_timeout) rounded up to
    whole minutes, then one more RPC to prove the session still works, then the confirming commit. If the
    session breaks before the confirmation, Junos rolls back by itself when the timeout ends, and the task
    fails saying so."
  - "Generic RFC 6241 devices: C(:candidate) is required. The candidate is locked, C(edit-config) with
    C(default-operation=replace) of the whole stored configuration, then C(commit) with C(<confirmed/>) and
    O(confirm_timeout) seconds when the device offers C(:confirmed-commit), confirmed the same way; a plain
    commit otherwise. A failure before the commit discards the candidate; the lock is always released."
  - "Arista EOS (over C(network_cli)): a configuration session, C(rollback clean-config), the stored lines
    (an C(exit) wherever a block ends), C(commit) - the session replaces the running configuration atomically
    and a rejected line aborts it, as C(arista.eos.eos_config) does for C(replace=config). EOS' C(commit timer)
    is not used: there is no automatic rollback if the restore cuts the management path; O(confirm_timeout)
    and O(comment) are not used."
  - "Cisco IOS/IOS-XE, NX-OS and IOS-XR are refused with C(error=unsupported) before anything is sent: their
    replace mechanisms (IOS-XE C(configure replace), IOS-XR C(commit replace)) are not driven yet."
  - After the commit the configuration is read again; it must be version O(version), else the task fails
    with C(error=not_verified) (the commit stays).
  - The store is not written. The next resync (with auto-resync, the commit notification triggers it) stores
    the result as a new version, as for any other commit.
  - "Secrets: the store keeps the raw configuration, so the version goes back with the secrets it had
    (a password changed since then is changed back). Outputs, the diff included, show secrets masked. A
    stored version that holds masked markers (C(<secret:...>)) is refused with C(error=masked_secrets):
    its real values are unknown."
author: Netsync Fleet Team (@netsync-fleet)
options:
  version:
    description: The stored version to put back (see M(netsync.fleet.device_info)).
    type: int
    required: true
  confirm_timeout:
    description:
      - Seconds the device waits for the confirmation before it rolls back by itself. Junos counts whole
        minutes, so it gets this rounded up (at least 1 minute).
    type: int
    default: 300
  comment:
    description:
      - The commit comment (Junos C(<log>)). Generic RFC 6241 devices have no commit comment.
      - Default C(netsync.fleet.restore of <device> version <N>).
    type: str
extends_documentation_fragment:
  - netsync.fleet.connection
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reads the device and reports whether the restore would change it; sends no change, writes nothing.
  diff_mode:
    support: full
    description: Device (before) against the stored version (after), stable renderings, secrets masked.
  idempotent:
    support: full
    description: When the device already has the version's configuration, nothing is sent.
seealso:
  - module: netsync.fleet.device_info
  - module: netsync.fleet.resync
"""

EXAMPLES = r"""
- name: See what restoring version 3 would change
  netsync.fleet.restore:
    version: 3
  check_mode: true
  diff: true

- name: Put version 3 back, then store the result
  block:
    - name: Restore version 3 (commit confirmed, 2 minutes)
      netsync.fleet.restore:
        version: 3
        confirm_timeout: 120
        comment: "CHG-1234 back to the known-good version"
    - name: Store what the device now has
      netsync.fleet.resync:
"""

RETURN = r"""
version:
  description: The version restored (or compared in check mode).
  returned: success
  type: int
platform:
  description: The device's platform (C(junos), C(netconf), C(eos)).
  returned: success
  type: str
mechanism:
  description: How the configuration was committed; null when nothing was sent.
  returned: success
  type: str
  sample: commit confirmed 5
verified:
  description: True when the configuration read after the commit is the version's; null when nothing was sent.
  returned: success
  type: bool
error:
  description: >-
    The failure's kind - unknown_version, masked_secrets, unsupported, not_verified, or a device error
    (unreachable, auth_failed, timeout, rpc_error, ...).
  returned: failure
  type: str
  sample: unsupported
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESTORE_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.restore import run_restore


def main() -> None:
    module_main(RESTORE_SPEC, run_restore)


if __name__ == "__main__":
    main()
