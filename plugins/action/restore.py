# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.restore: runs on the controller, options from hostvars."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESTORE_SPEC, HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.restore import run_restore
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = RESTORE_SPEC
    task_fn = run_restore
    fill_from_hostvars = tuple(HOSTVARS)
