# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task of the ``report`` module and action: option checks, then :func:`report.run_report`."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils import report
from ansible_collections.netsync.fleet.plugins.module_utils.report import REPORT_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed

__all__ = ["REPORT_SPEC", "run_report_task"]


def run_report_task(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """``run_report`` for the action plugin and the module: failures as ``TaskFailed``."""
    if int(params.get("jobs") or 0) < 0:
        raise TaskFailed("jobs must be 0 or more")
    if int(params.get("history") or 0) < 0:
        raise TaskFailed("history must be 0 or more")
    mode = params.get("mode")
    if isinstance(mode, int) and not isinstance(mode, bool):  # YAML 0644 arrives as 420: the bits themselves
        params = dict(params, mode=oct(mode)[2:])
    try:
        if not 0 <= int(str(params.get("mode") or "0644"), 8) <= 0o7777:
            raise ValueError(mode)
    except ValueError:
        raise TaskFailed("mode must be an octal number such as '0644', got %r" % (mode,)) from None
    try:
        return report.run_report(params, check_mode=check_mode, diff=diff)
    except (report.ReportError, StoreError) as exc:
        raise TaskFailed(str(exc)) from exc
