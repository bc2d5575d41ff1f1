# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.resync: runs on the controller, options from hostvars; the play's
hosts are resynced by one batch process while ansible-core forks (plugin_utils/resync_batch)."""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESYNC_SPEC, HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.client import batch_runner


class ActionModule(NetsyncAction):
    spec = RESYNC_SPEC
    task_fn = run_resync
    fill_from_hostvars = tuple(HOSTVARS)

    def task_runner(self, task_vars: dict[str, Any]) -> Callable[..., dict[str, Any]]:
        return batch_runner(self, task_vars) or super().task_runner(task_vars)
