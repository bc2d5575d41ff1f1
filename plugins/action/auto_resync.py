# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.auto_resync: runs on the controller, options from hostvars."""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync import (
    AUTO_RESYNC_SPEC, LISTENER_HOSTVARS, run_auto_resync,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = AUTO_RESYNC_SPEC
    task_fn = run_auto_resync
    fill_from_hostvars = tuple(HOSTVARS)

    def run(self, tmp: Any = None, task_vars: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """Fill listener_host and listener_port from hostvars, then run as the other modules do."""
        args = dict(self._task.args)
        for option, names in LISTENER_HOSTVARS.items():
            if args.get(option) is None:
                value, _var = self._hostvar(task_vars or {}, names)
                if value is not None:
                    args[option] = value
        self._task.args = args
        return super().run(tmp, task_vars)
