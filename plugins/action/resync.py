# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.resync: runs on the controller, options from hostvars."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESYNC_SPEC, HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = RESYNC_SPEC
    task_fn = run_resync
    fill_from_hostvars = tuple(HOSTVARS)
