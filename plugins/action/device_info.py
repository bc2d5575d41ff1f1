# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.device_info: reads the store on the controller."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import DEVICE_INFO_CHECKS, DEVICE_INFO_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device_info
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = DEVICE_INFO_SPEC
    checks = DEVICE_INFO_CHECKS
    task_fn = run_device_info
    fill_from_hostvars = ("store",)
