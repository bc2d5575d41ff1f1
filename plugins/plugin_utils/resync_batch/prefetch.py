# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inside the batch (a fork of the leading worker): each play host's parameters, as its own
worker will compute them.

For each host, in play order: its variables from the variable manager (as the strategy gets
them), the task loaded again from its source and post-validated with them (module defaults,
templated arguments, ``check_mode``, ``diff``), its ``when`` evaluated, then the action's own
option filling and validation. A host whose parameters cannot be computed, whose ``when`` is
false, or that is a CLI device is left to its worker. A parameter computed differently than
the worker's costs a second read, never a wrong result (the worker's parameters win).
"""
from __future__ import annotations

import copy
from typing import Any, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.network_cli import NETWORK_CLI, connection_of

# host, its parameters (None: its worker sends them), check mode, diff, whether its worker will come
Request = tuple[str, Optional[dict[str, Any]], bool, bool, bool]


def host_requests(action: Any, task_vars: dict[str, Any], hosts: list[str]) -> Iterator[Request]:
    from ansible.playbook.task import Task
    from ansible.template import Templar

    task = action._task
    variables = task.get_variable_manager()
    play = task.get_play()
    ds = task.get_ds()
    hosts_all = list(task_vars.get("ansible_play_hosts_all") or hosts)
    for name in hosts:
        try:
            host = variables._inventory.get_host(name)
            if host is None:
                yield name, None, False, False, False
                continue
            host_vars = variables.get_vars(play=play, host=host, task=task, _hosts=list(hosts), _hosts_all=hosts_all)
            templar = Templar(loader=action._loader, variables=host_vars)
            fresh = Task.load(ds, block=task._parent, role=task._role, variable_manager=variables,
                              loader=action._loader)
            if fresh.when and not fresh._resolve_conditional(fresh.when, host_vars):
                yield name, None, False, False, False  # skipped: no worker will ask
                continue
            fresh.post_validate(templar=templar._engine)  # ansible-core 2.19: the engine, as the executor
            params = _params(action, fresh, templar, host_vars)
        except Exception:  # anything unexpected: this host's worker does it the usual way
            yield name, None, False, False, True
            continue
        # no parameters: a CLI host or invalid options; its worker does not ask (it fails or reads itself)
        yield name, params, bool(fresh.check_mode), bool(fresh.diff), params is not None


def _params(action: Any, task: Any, templar: Any, host_vars: dict[str, Any]) -> Optional[dict[str, Any]]:
    if connection_of(host_vars, templar, task) in NETWORK_CLI:
        return None
    clone = copy.copy(action)
    clone._task, clone._templar = task, templar
    clone._play_context = action._play_context.set_task_and_variable_override(task=task, variables=host_vars,
                                                                              templar=templar)
    params, _error, extra = clone.task_params(host_vars)
    return None if params is None or extra else dict(params)
