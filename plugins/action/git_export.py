# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.git_export: exports the store to git on the controller; each
device's folder comes from the play's inventory groups."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.git_export import (
    GIT_EXPORT_SPEC, inventory_groups, run_git_export_task,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = GIT_EXPORT_SPEC
    task_fn = run_git_export_task
    fill_from_hostvars = ("store",)

    def defaults(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        groups = task_vars.get("groups")
        return {"groups": inventory_groups(dict(groups))} if groups else {}
