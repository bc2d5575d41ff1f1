# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.settings: reads and writes the store on the controller."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import SETTINGS_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_settings
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = SETTINGS_SPEC
    task_fn = run_settings
    fill_from_hostvars = ("store",)
