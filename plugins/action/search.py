# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.search: searches the store on the controller."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.search import SEARCH_SPEC, run_search_task
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = SEARCH_SPEC
    task_fn = run_search_task
    fill_from_hostvars = ("store",)
