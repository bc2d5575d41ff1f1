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
  - "Arista EOS (over C(network_cli), through C(arista.eos)' cliconf): a configuration session of its own
    (C(configure session netsync_restore_<hex>)), C(rollback clean-config), the stored lines (an C(exit)
    wherever a block ends; a banner's text as it is, up to its C(EOF)), then C(commit timer) O(confirm_timeout)
    as C(hh:mm:ss) (1 minute to 24 hours): the session replaces the running configuration atomically, on trial.
    Then C(show hostname) proves the connection still works and C(configure session <name>
    commit) confirms; if that fails, EOS rolls back by itself when the timer ends, and the task fails saying
    so. A line the device rejects stops the restore before the commit (C(abort)): nothing changes, and the
    task fails with the device's message. O(comment) is not used."
  - "Cisco IOS-XR (over C(network_cli), through C(cisco.iosxr)'s cliconf): C(configure exclusive), the stored
    lines, C(commit replace confirmed) O(confirm_timeout) (clamped to IOS-XR's 30..65535 seconds), answering its
    question with C(yes): the lines replace the whole running configuration atomically, on trial. Then
    C(show running-config hostname) proves the session still works and C(commit) confirms; if that fails,
    IOS-XR rolls back by itself when the trial ends, and the task fails saying so. A line the device rejects
    stops the restore before the commit (C(abort)): nothing changes, and the task fails with the device's
    message. O(comment) is not used."
  - "Cisco IOS/IOS-XE (over C(network_cli), through C(cisco.ios)' cliconf): the stored text is written to the
    default file system (from C(dir)) as C(netsync-restore.cfg) through C(tclsh), in hexadecimal chunks
    (C(puts -nonewline $f [binary format H* ...])), then C(configure replace <file> force revert trigger error
    timer <minutes>) with O(confirm_timeout) rounded up to whole minutes (1..120), C(show privilege) to prove
    the session works, and C(configure confirm). On an error IOS goes back to the original configuration
    itself and the task fails with the device's message; if the confirmation does not come, IOS rolls back
    when the timer ends. The file is deleted (C(delete /force)) in every case. The device needs the
    configuration archive (C(archive) with a C(path)): without it IOS answers C(%Please turn config archive
    on), nothing changes and the task fails with C(error=unsupported). O(comment) is not used."
  - "Cisco NX-OS is refused with C(error=unsupported) before anything is sent: it is not driven yet. NX-OS
    9.3(1) and later have C(configure replace <file>) with a C(commit-timeout) (a file on bootflash, as on
    IOS-XE); earlier releases only roll back to checkpoint files, whose format is not the C(show running-config)
    text the store keeps."
  - After the commit the configuration is read again; it must be version O(version), else the task fails
    with C(error=not_verified) (the commit stays).
  - The store is not written. The next resync (with auto-resync, the commit notification triggers it) stores
    the result as a new version, as for any other commit.
  - "Secrets: the store keeps the raw configuration, so the version goes back with the secrets it had
    (a password changed since then is changed back). Outputs, the diff included, show secrets masked. A
    stored version that holds masked markers (C(<secret:...>)) is refused with C(error=masked_secrets):
    its real values are unknown. On IOS-XE the version's text, secrets as stored (usually hashes), sits in the
    temporary file on the device's flash until the task deletes it; on IOS-XR and EOS the lines go through the
    SSH session only."
author: Netsync Fleet Team (@netsync-fleet)
options:
  version:
    description: The stored version to put back (see M(netsync.fleet.device_info)).
    type: int
    required: true
  confirm_timeout:
    description:
      - Seconds the device waits for the confirmation before it rolls back by itself. Junos and IOS-XE count
        whole minutes, so they get this rounded up (at least 1 minute; IOS-XE at most 120). IOS-XR takes 30 to
        65535 seconds (clamped). EOS gets it as its C(commit timer), from 1 minute to 24 hours (clamped).
    type: int
    default: 300
  comment:
    description:
      - The commit comment (Junos C(<log>)). Generic RFC 6241 devices and the CLI platforms get none.
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
  description: The device's platform (C(junos), C(netconf), C(eos), C(iosxr), C(ios)).
  returned: success
  type: str
mechanism:
  description: How the configuration was committed; null when nothing was sent.
  returned: success
  type: str
  sample: commit replace confirmed 300 + commit
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
