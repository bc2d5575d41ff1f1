# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task of the ``git_export`` module and action: :func:`history.git_export.run_git_export`,
failures as ``TaskFailed``; and the device folders the action takes from the play's inventory groups.

``history.git_export`` (and the text renderers it uses) is imported when an export runs:
ansible-playbook imports the action of every task of a play in its own process, skipped ones
included (``playbooks/resync.yml`` has the export step whether or not a repository is set).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import GIT_EXPORT_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed

__all__ = ["GIT_EXPORT_SPEC", "inventory_groups", "run_git_export_task"]


def inventory_groups(groups: dict[str, Any]) -> dict[str, str]:
    """Device -> folder from the inventory's ``groups``: its first ``site_*`` group (the federation
    inventory's sites), else its first group (alphabetical, without ``all`` and ``ungrouped``)."""
    member: dict[str, list[str]] = {}
    for group in sorted(groups):
        if group in ("all", "ungrouped"):
            continue
        for host in groups[group] or []:
            member.setdefault(str(host), []).append(str(group))
    return {host: ([g for g in names if g.startswith("site_")] or names)[0] for host, names in member.items()}


def run_git_export_task(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import ExportError, run_git_export

    if float(params.get("lock_timeout") or 0) < 0:
        raise TaskFailed("lock_timeout must be 0 or more seconds")
    try:
        return run_git_export(params, check_mode=check_mode, diff=diff)
    except ExportError as exc:
        raise TaskFailed(str(exc), **exc.result) from exc
    except StoreError as exc:
        raise TaskFailed("store: %s" % exc) from exc
