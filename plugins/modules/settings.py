#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: settings
short_description: Read and set the auto-resync settings, globally or per device
version_added: 0.1.0
description:
  - The settings of the Junos Space auto-resync model, with its defaults. Options not given are
    left as they are; the module returns the effective settings.
  - O(auto_resync) false keeps notifications (the device still goes C(Out of Sync)) but schedules
    no job; a manual resync still works.
author: Netsync Fleet Team (@netsync-fleet)
options:
  device:
    description: Set or read the settings of this device (its own values override the global ones).
    type: str
  auto_resync:
    description: Schedule resync jobs when a commit is notified.
    type: bool
  resync_delay:
    description: Seconds between the notification that creates a job and the job (default 20; 0 to 86400).
    type: float
  damping_window:
    description: A notification within this many seconds of the previous one schedules no additional job
      (default 25; 0 to 86400).
    type: float
  damper_interval:
    description: Seconds a due job is postponed, again and again, while another job of the device runs
      (default 20; 0.1 to 3600).
    type: float
  reset:
    description: Remove the device's own values of these settings, so the global values apply again. Needs O(device).
    type: list
    elements: str
    choices: [auto_resync, resync_delay, damping_window, damper_interval]
    default: []
extends_documentation_fragment:
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Effective settings before and after.
  idempotent:
    support: full
    description: Setting the values a second time reports no change.
"""

EXAMPLES = r"""
- name: Faster auto-resync for the lab
  netsync.fleet.settings:
    resync_delay: 5
    damping_window: 8
  run_once: true

- name: No auto-resync on r1 during its maintenance window
  netsync.fleet.settings:
    device: r1
    auto_resync: false
  run_once: true

- name: Back to the global settings for r1
  netsync.fleet.settings:
    device: r1
    reset: [auto_resync]
  run_once: true
"""

RETURN = r"""
settings:
  description: Effective settings (of O(device), or global).
  returned: always
  type: dict
  sample: {auto_resync: true, resync_delay: 20.0, damping_window: 25.0, damper_interval: 20.0}
overrides:
  description: The device's own values (empty without O(device)).
  returned: always
  type: dict
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import SETTINGS_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main, run_settings


def main() -> None:
    module_main(SETTINGS_SPEC, run_settings)


if __name__ == "__main__":
    main()
