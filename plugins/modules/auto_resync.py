#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: auto_resync
short_description: Enable or disable auto-resync of a device
version_added: 0.1.0
description:
  - Makes a device notify the auto-resync listener of its commits, and records the device's
    C(auto_resync) setting in the store.
  - "On Junos, enabling is a commit on the device, as in Junos Space: a
    C(system syslog host <listener_host>) stanza with C(port), C(any notice), C(structured-data) and
    C(match \"UI_COMMIT|UI_COMMIT_COMPLETED\") sends the commit messages to the listener. The committed
    configuration is read first; the module commits (log comment C(netsync.fleet: enable auto-resync))
    only if the stanza differs, replacing any previous stanza for that host. That commit is itself
    notified to the listener."
  - On generic RFC 6241 devices nothing is committed; the listener subscribes to the device's
    NETCONF notification stream.
  - "On the CLI platforms (over C(ansible.netcommon.network_cli)), enabling configures the line that
    sends syslog to the listener, through the vendor cliconf plugin (configuration mode; C(commit) on
    IOS-XR; a configuration session on EOS): IOS C(logging host H transport udp port P), NX-OS
    C(logging server H 5 port P), IOS-XR C(logging H vrf default severity info port P), EOS
    C(logging host H P). Another logging line for the same host is replaced; nothing is configured
    when the line is already there. The commit messages the listener then receives are IOS/EOS
    C(%SYS-5-CONFIG_I), NX-OS C(%VSHD-5-VSHD_SYSLOG_CONFIG_I) and IOS-XR C(%MGBL-CONFIG-6-DB_COMMIT)."
  - The device must already be in the store (see M(netsync.fleet.device)).
author: Netsync Fleet Team (@netsync-fleet)
options:
  state:
    description:
      - V(enabled) puts the syslog stanza on a Junos device and sets C(auto_resync=true) for the device.
      - V(disabled) only sets C(auto_resync=false) in the store; the device is not contacted, its
        notifications still mark it C(Out of Sync) but schedule no job.
      - V(absent) removes the Junos syslog stanza, or the CLI platform's logging lines for
        O(listener_host), (if present) and the device's own C(auto_resync)
        setting; the listener no longer subscribes to a generic device's notifications.
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
  listener_host:
    description:
      - Address the device sends its commit syslog to (the listener's address as seen from the device).
      - Required with O(state=enabled) or O(state=absent) on Junos and the CLI platforms.
        Defaults to C(netsync_listener_host).
    type: str
  listener_port:
    description:
      - UDP port of the listener's syslog receiver. Defaults to C(netsync_listener_port), then 5514.
    type: int
    default: 5514
extends_documentation_fragment:
  - netsync.fleet.connection
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reads the device and reports whether a commit or a setting change would be made; writes nothing.
  diff_mode:
    support: full
    description: >-
      The syslog stanza (rendered lines) or the CLI logging lines, and the device's C(auto_resync)
      setting, before and after.
  idempotent:
    support: full
    description: When the stanza and the setting are already as wanted, nothing is committed or written.
seealso:
  - module: netsync.fleet.settings
  - module: netsync.fleet.resync
"""

EXAMPLES = r"""
- name: Send the routers' commit messages to the listener
  netsync.fleet.auto_resync:
    listener_host: 192.0.2.10
    listener_port: 5514

- name: Keep the stanza, but schedule no resync job on commits
  netsync.fleet.auto_resync:
    state: disabled

- name: Remove the stanza from the device
  netsync.fleet.auto_resync:
    state: absent
    listener_host: 192.0.2.10
"""

RETURN = r"""
changed:
  description: True if a commit was made on the device or the store's setting changed.
  returned: always
  type: bool
auto_resync:
  description: The device's C(auto_resync) setting after the run.
  returned: success
  type: bool
platform:
  description: The device's platform (V(junos) or V(netconf)).
  returned: success
  type: str
  sample: junos
device_changed:
  description: True if a commit was made on the device (in check mode - would be made).
  returned: success
  type: bool
listener:
  description: The listener address the device was configured for.
  returned: success
  type: dict
  sample: {"host": "192.0.2.10", "port": 5514}
error:
  description: The failure's kind when the device could not be read or configured.
  returned: failure
  type: str
  sample: unreachable
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync import AUTO_RESYNC_SPEC, run_auto_resync
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main


def main() -> None:
    module_main(AUTO_RESYNC_SPEC, run_auto_resync)


if __name__ == "__main__":
    main()
