# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.resync: runs on the controller, options from hostvars; the play's
hosts are resynced by one batch process while ansible-core forks (plugin_utils/resync_batch)."""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESYNC_SPEC, HOSTVARS, resync_defaults
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.client import batch_runner


class ActionModule(NetsyncAction):
    spec = RESYNC_SPEC
    task_fn = run_resync
    fill_from_hostvars = tuple(HOSTVARS)

    def defaults(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """``origin``, ``only_if_changed``, ``job_id`` from ``netsync_origin``, ``netsync_only_if_changed``,
        ``netsync_job_ids[inventory_hostname]`` when the task leaves them unset (``playbooks/resync.yml``
        sets none: no task argument to template per host)."""
        return resync_defaults(task_vars, self._templar.template)

    def task_runner(self, task_vars: dict[str, Any]) -> Callable[..., dict[str, Any]]:
        return batch_runner(self, task_vars) or super().task_runner(task_vars)
