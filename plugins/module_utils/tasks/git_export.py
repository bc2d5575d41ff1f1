# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task of the ``git_export`` module and action: :func:`history.git_export.run_git_export`,
failures as ``TaskFailed``."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import (
    GIT_EXPORT_SPEC, ExportError, inventory_groups, run_git_export,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed

__all__ = ["GIT_EXPORT_SPEC", "inventory_groups", "run_git_export_task"]


def run_git_export_task(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    if float(params.get("lock_timeout") or 0) < 0:
        raise TaskFailed("lock_timeout must be 0 or more seconds")
    try:
        return run_git_export(params, check_mode=check_mode, diff=diff)
    except ExportError as exc:
        raise TaskFailed(str(exc), **exc.result) from exc
    except StoreError as exc:
        raise TaskFailed("store: %s" % exc) from exc
