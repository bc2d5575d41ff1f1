# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.device: runs on the controller, options from hostvars."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import DEVICE_CHECKS, DEVICE_SPEC, HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = DEVICE_SPEC
    checks = DEVICE_CHECKS
    task_fn = run_device
    fill_from_hostvars = tuple(HOSTVARS)
