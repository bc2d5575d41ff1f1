# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The strategy's one change to ansible-core's linear strategy: where a task is queued.

Linear computes each host's variables, sends the task-start callback and calls ``_queue_task``
per host; ``_queue_task`` forks a worker. For a task that ``eligible.task_verdict`` accepts,
this ``_queue_task`` records the host's task exactly as the base class does
(``_queued_task_cache``, ``v2_runner_on_start``, ``_pending_results``) and queues it; when linear
waits for the task's results, the queued hosts start in the pool processes (``pool.py``), or in
threads here (``runner.InProcessRunner``), and each result goes to the same final queue as a
worker's. Results, callbacks, stats, ``register``, ``ignore_errors``, handlers,
``any_errors_fatal`` and ``max_fail_percentage`` stay ansible-core's. When the ansible-core
internals this relies on are not there, every task goes to the workers, with one warning.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import cancellable
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.direct import (
    ENV as DIRECT_ENV, direct_enabled, task_keywords, why_not,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.eligible import (
    TASK_KEYWORDS_FOR_WORKERS, host_connection, host_direct, host_in_process, is_template, task_verdict,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.heap import freeze_at_exit
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.loader_lock import guard_plugin_loading
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.pool import Entry, pool_processes, start_pool
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.runner import InProcessRunner

_KEYWORD_ATTRS = {keyword: keyword for keyword in TASK_KEYWORDS_FOR_WORKERS}  # keyword -> Task attribute


def internals_missing(strategy: Any) -> Optional[str]:
    """What of ansible-core's strategy internals is not as this strategy expects, or None."""
    for attr in ("_queued_task_cache", "_pending_results", "_final_q", "_tqm", "_loader", "_variable_manager",
                 "_workers"):
        if not hasattr(strategy, attr):
            return "StrategyBase has no %s" % attr
    if not callable(getattr(strategy._final_q, "send_task_result", None)):
        return "the final queue has no send_task_result"
    if not guard_plugin_loading():
        return "PluginLoader has no _load_module_source (to make thread-safe)"
    try:
        from ansible._internal._task import TaskContext  # noqa: F401
        from ansible.executor.task_executor import TaskExecutor  # noqa: F401
        from ansible.executor.task_result import _RawTaskResult  # noqa: F401
        from ansible.executor.process.worker import WorkerProcess  # noqa: F401
        from ansible._internal._display_utils import DeferredWarningContext  # noqa: F401
        from ansible._internal._errors._captured import AnsibleActionCapturedError  # noqa: F401
        from ansible._internal._errors._error_utils import result_dict_from_exception  # noqa: F401
        from ansible.errors import AnsibleTaskError  # noqa: F401
    except ImportError as exc:
        return str(exc)
    if not callable(getattr(TaskExecutor, "_apply_task_result_compat", None)):
        return "TaskExecutor has no _apply_task_result_compat"
    return None


class FleetStrategyMixin:
    """Mixed in before ansible-core's linear ``StrategyModule``."""

    _netsync_runner: Optional[InProcessRunner] = None

    def __init__(self, tqm: Any) -> None:
        super().__init__(tqm)  # type: ignore[call-arg]
        from ansible.utils.display import Display

        self._netsync_display = Display()
        self._netsync_verdicts: dict[str, tuple[bool, str]] = {}
        self._netsync_directs: dict[str, bool] = {}
        self._netsync_direct_on = direct_enabled()
        self._netsync_queued: list[Entry] = []
        self._netsync_processes = pool_processes()
        self._netsync_broken = internals_missing(self)
        freeze_at_exit()  # ansible-playbook's last collection at exit has nothing to walk (heap.py)
        if self._netsync_broken:
            self._netsync_display.warning("netsync.fleet.fleet: running every task in ansible-core's workers, as the "
                                          "linear strategy (%s)" % self._netsync_broken)

    def _netsync_verdict(self, task: Any) -> tuple[bool, str]:
        uuid = task._uuid
        verdict = self._netsync_verdicts.get(uuid)
        if verdict is None:
            keywords = {k: getattr(task, attr, None) for k, attr in _KEYWORD_ATTRS.items()}
            verdict = task_verdict(task.action, keywords, lambda name: _resolve(name, task.collections))
            self._netsync_verdicts[uuid] = verdict
            if not verdict[0] and verdict[1] and not verdict[1].startswith("action "):
                self._netsync_display.vv("netsync.fleet.fleet: task %r runs in workers: %s" % (task.get_name(),
                                                                                               verdict[1]))
        return verdict

    def _netsync_direct(self, task: Any) -> bool:
        """The task's hosts may skip ansible-core's task executor (``direct.py``)."""
        uuid = task._uuid
        direct = self._netsync_directs.get(uuid)
        if direct is None:
            why = why_not(task_keywords(task)) if self._netsync_direct_on else "%s is off" % DIRECT_ENV
            direct = why is None
            self._netsync_directs[uuid] = direct
            self._netsync_display.vv("netsync.fleet.fleet: task %r runs in-process %s" % (
                task.get_name(), "direct" if direct else "through ansible-core's task executor: %s" % why))
        return direct

    def _netsync_path(self, host: Any, task: Any, task_vars: dict[str, Any]) -> Optional[bool]:
        """None: the host's task goes to a worker; else in-process, True when direct."""
        if self._netsync_broken or not self._netsync_verdict(task)[0]:
            return None
        connection = host_connection(task_vars, lambda value: self._netsync_template(value, task_vars),
                                     task.connection)
        if not host_in_process(connection):
            return None
        return host_direct(connection) and self._netsync_direct(task)

    def _netsync_template(self, value: Any, task_vars: dict[str, Any]) -> Any:
        if not is_template(value):
            return value  # the usual case: no template engine per host
        from ansible._internal._templating._engine import TemplateEngine

        return TemplateEngine(loader=self._loader, variables=task_vars).template(value)  # type: ignore[attr-defined]

    def _queue_task(self, host: Any, task: Any, task_vars: dict[str, Any], play_context: Any) -> None:
        direct = self._netsync_path(host, task, task_vars)
        if direct is None:
            super()._queue_task(host, task, task_vars, play_context)  # type: ignore[misc]
            return
        self._queued_task_cache[(host.name, task._uuid)] = {  # type: ignore[attr-defined]
            "host": host, "task": task, "task_vars": task_vars, "play_context": play_context}
        self._tqm.send_callback("v2_runner_on_start", host, task)  # type: ignore[attr-defined]
        self._pending_results += 1  # type: ignore[attr-defined,has-type]
        self._netsync_queued.append((host, task, task_vars, play_context, direct))

    def _netsync_start(self) -> None:
        """Run the queued hosts: in pool processes, else (none configured or no free slot) in threads here."""
        entries, self._netsync_queued = self._netsync_queued, []
        if not entries or start_pool(self, entries, self._netsync_processes):
            return
        if self._netsync_runner is None:
            self._netsync_runner = InProcessRunner(
                len(self._workers) or 1, self._final_q, self._loader,  # type: ignore[attr-defined]
                self._variable_manager, _shared_loader_obj())  # type: ignore[attr-defined]
        for host, task, task_vars, play_context, direct in entries:
            self._netsync_runner.submit(host, task, task_vars, play_context, direct)

    def _wait_on_pending_results(self, iterator: Any) -> Any:
        self._netsync_start()  # linear has queued every host of the task
        try:
            # SIGTERM/SIGINT: the resyncs in flight in this process's threads give their devices back,
            # then ansible-core's handler passes the signal on to the workers and stops the run
            with cancellable():
                return super()._wait_on_pending_results(iterator)  # type: ignore[misc]
        finally:  # every host of the task has finished: no store handle outlives it
            if self._netsync_runner is not None:
                self._netsync_runner.release_stores()

    def cleanup(self) -> None:
        self._netsync_queued = []
        runner, self._netsync_runner = self._netsync_runner, None
        if runner is not None:
            runner.close()
        super().cleanup()  # type: ignore[misc]


def _resolve(name: str, collections: Any) -> Optional[str]:
    from ansible.plugins.loader import action_loader

    try:
        found = action_loader.get_with_context(name, collection_list=collections, class_only=True)
    except Exception:  # an unknown action: ansible-core reports it in its worker
        return None
    context = found.plugin_load_context
    return context.resolved_fqcn if context.resolved else None


def _shared_loader_obj() -> Any:
    from ansible.plugins import loader as plugin_loader

    return plugin_loader.get_plugin_loader_namespace()
