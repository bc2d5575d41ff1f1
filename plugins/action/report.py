# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of netsync.fleet.report: reads the store and writes the report on the controller."""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.report import REPORT_SPEC, run_report_task
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction


class ActionModule(NetsyncAction):
    spec = REPORT_SPEC
    task_fn = run_report_task
    fill_from_hostvars = ("store",)
