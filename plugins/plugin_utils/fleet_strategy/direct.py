# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The direct path: a plain resync task's host run without ansible-core's per-host task executor.

``TaskExecutor`` templates every keyword of the task for each host (``post_validate``), loads a
connection plugin and the action plugin by name, and then runs the action. For a task whose
keywords hold no template and use nothing that needs a host's variables to decide (``why_not``),
all but the action's own run is the same for every host: here the task is validated once per
process (``Validated``), and each host only gets its play context (``set_task_and_variable_override``,
as the executor does: ``remote_user``, ``-k`` and so on) and the action's run, with the executor's
own result handling around it (``run_direct``: the same warning capture, failure normalisation,
``no_log`` and ``notify`` as ``TaskExecutor._execute``). Anything else, and every task when
``NETSYNC_FLEET_DIRECT=0``, goes through ``TaskExecutor`` as before.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.eligible import (
    is_set, is_template, switched_on,
)

ENV = "NETSYNC_FLEET_DIRECT"

# keyword -> why a task using it goes through the task executor (evaluated per host, or per attempt)
KEYWORDS_FOR_EXECUTOR = {
    "when": "when (a condition per host)",
    "changed_when": "changed_when",
    "failed_when": "failed_when",
    "retries": "retries",
    "until": "until",
    "become": "become (a become plugin per host)",
}
# post_validate leaves these alone (vars are templated lazily with the host's variables)
NOT_TEMPLATED = frozenset(("vars",))


def direct_enabled(environ: Optional[dict[str, str]] = None) -> bool:
    """``NETSYNC_FLEET_DIRECT`` is on unless set to 0, false, no or off."""
    return switched_on(ENV, environ)


def holds_template(value: Any) -> bool:
    """A template anywhere in a keyword's value (strings, lists, dicts: keys and values)."""
    if isinstance(value, str):
        return is_template(value)
    if isinstance(value, dict):
        return any(holds_template(k) or holds_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(holds_template(v) for v in value)
    return False


def why_not(keywords: dict[str, Any]) -> Optional[str]:
    """None when a task with these keyword values (its own and inherited, raw) may run direct;
    else why it goes through the task executor."""
    for keyword, why in KEYWORDS_FOR_EXECUTOR.items():
        if is_set(keywords.get(keyword)):
            return why
    for keyword, value in keywords.items():
        if keyword not in NOT_TEMPLATED and holds_template(value):
            return "the keyword %s is templated" % keyword
    return None


def task_keywords(task: Any) -> dict[str, Any]:
    """The task's keyword values as the executor would see them (inherited from its blocks and play)."""
    return {name: getattr(task, name, None) for name in task.fattributes}


class Validated:
    """The task post-validated once for all the hosts of a process (keyed by its uuid)."""

    def __init__(self) -> None:
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, task: Any, templar: Any) -> Any:
        with self._lock:
            done = self._tasks.get(task._uuid)
            if done is None:
                done = task.copy(exclude_tasks=True)
                done.post_validate(templar=templar)
                self._tasks[task._uuid] = done
            return done


def run_direct(host: Any, task: Any, task_vars: dict[str, Any], play_context: Any, loader: Any,
               shared_loader_obj: Any, validated: Validated) -> tuple[Any, dict[str, Any]]:
    """(the validated task, the host's result) as ``TaskExecutor(...).run()`` gives them for a
    plain task of a controller-side action (no connection used)."""
    from ansible._internal import _display_utils
    from ansible._internal._errors import _captured, _error_utils
    from ansible._internal._templating._engine import TemplateEngine
    from ansible.errors import AnsibleError, AnsibleTaskError
    from ansible.executor.task_executor import TaskExecutor

    templar = TemplateEngine(loader=loader, variables=task_vars)
    try:
        task = validated.get(task, templar)
    except Exception as ex:  # as TaskExecutor.run: the task's own error, for this host
        result = _error_utils.result_dict_from_exception(ex)
        if not isinstance(ex, AnsibleError):
            result.update(msg="Unexpected failure during task execution: %s" % result["msg"])
        result["changed"] = False
        return task, result
    with _display_utils.DeferredWarningContext(variables=task_vars) as warning_ctx:
        try:
            result = _execute(host, task, task_vars, play_context, loader, templar, shared_loader_obj)
            TaskExecutor._apply_task_result_compat(result, warning_ctx)
            _captured.AnsibleActionCapturedError.maybe_raise_on_result(result)
        except Exception as ex:
            try:
                raise AnsibleTaskError(obj=task.get_ds()) from ex
            except AnsibleTaskError as atex:
                result = _error_utils.result_dict_from_exception(atex, accept_result_contribution=True)
                result.setdefault("changed", False)
        task.update_result_no_log(templar, result)
    result.pop("warnings", None)
    result.pop("deprecations", None)
    if warnings := warning_ctx.get_warnings():
        result.update(warnings=warnings)
    if deprecations := warning_ctx.get_deprecation_warnings():
        result.update(deprecations=deprecations)
    return task, result


def _execute(host: Any, task: Any, task_vars: dict[str, Any], play_context: Any, loader: Any, templar: Any,
             shared_loader_obj: Any) -> dict[str, Any]:
    """``TaskExecutor._execute_internal`` for a plain task of an action that needs no connection."""
    from ansible.plugins.loader import action_loader

    context = play_context.set_task_and_variable_override(task=task, variables=task_vars, templar=templar)
    context.post_validate(templar=templar)
    if not context.remote_addr:
        context.remote_addr = host.address
    variables = task_vars.copy()
    context.update_vars(variables)
    templar.available_variables = variables
    action = action_loader.get(task.resolved_action, task=task, connection=None, play_context=context,
                               loader=loader, templar=templar, shared_loader_obj=shared_loader_obj)
    result: dict[str, Any] = action.run_direct(task_vars=variables)
    if "failed" not in result:
        result["failed"] = bool("rc" in result and result["rc"] not in (0, "0"))
    result.setdefault("changed", False)
    if task.notify is not None:
        result["_ansible_notify"] = task.notify
    return result
