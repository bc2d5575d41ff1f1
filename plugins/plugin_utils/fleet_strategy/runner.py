# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one host's task in a thread (of a pool process, or of ansible-playbook), as a worker process would.

In a pool process, ``drain`` starts the process's threads, each taking its next host from the hosts
shared by every pool process (``claims.py``); in ansible-playbook, ``submit`` queues each host.

A worker process runs ``TaskExecutor(...).run()`` inside ``TaskContext(task)`` and puts a
``_RawTaskResult`` on the final queue; ansible-core's result thread turns it into the callbacks,
the stats, failed and unreachable hosts, ``register`` and handlers. This does exactly that, in a
thread, with two differences a fork made unnecessary: the task and its parent blocks are copied
for the host (``post_validate`` writes the host's templated values into them), and the host
object is left alone (a worker empties its own copy of ``host.vars`` before it exits). One more
thing a worker per host could not do: the hosts' tasks share their store handles (``StoreReuse``:
a handle a host's task closed serves the next host's task in this runner; all are closed with the
task, ``release_stores``). A plain task's host skips the executor altogether (``direct.py``: the
task is validated once for all hosts). Once the process is told to stop (``tasks/cancel.py``), no
host that has not started starts, no result is sent, and the threads (daemons, ``threads.py``) do
not hold up the exit.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional, Sequence

from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreReuse
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import cancel
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.context import IN_PROCESS
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.direct import Validated, run_direct
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.threads import DaemonPool

Entry = tuple[Any, Any, dict[str, Any], Any, bool]  # host, task, task vars, play context, direct path


class InProcessRunner:
    """A pool of ``size`` threads; ``submit`` runs a host's task and sends its result."""

    def __init__(self, size: int, final_q: Any, loader: Any, variable_manager: Any, shared_loader_obj: Any) -> None:
        self.size = max(1, int(size))
        self.final_q = final_q
        self.loader = loader
        self.variable_manager = variable_manager
        self.shared_loader_obj = shared_loader_obj
        self._pool: Optional[DaemonPool] = None
        self._lock = threading.Lock()
        self.stores = StoreReuse()
        self.validated = Validated()

    def submit(self, host: Any, task: Any, task_vars: dict[str, Any], play_context: Any, direct: bool = False) -> None:
        """Run the host's task in a thread: ``direct`` (``direct.py``) with the task validated once for all
        hosts, else through ``TaskExecutor`` with a copy of the task of its own."""
        self._threads().submit(self.run_host, host, _own(task, direct), task_vars, play_context, direct)

    def drain(self, entries: Sequence[Entry], take: Callable[[], Optional[int]], threads: int) -> None:
        """Run ``entries`` in ``threads`` threads, each taking the index of its next host from ``take``
        (shared with the other pool processes, ``claims.py``) until it gives None or the run is told to stop."""
        pool = self._threads()
        for _thread in range(max(1, threads)):
            pool.submit(self._take_hosts, entries, take)

    def _threads(self) -> DaemonPool:
        with self._lock:
            if self._pool is None:
                self._pool = DaemonPool(self.size, "netsync-fleet")
            return self._pool

    def _take_hosts(self, entries: Sequence[Entry], take: Callable[[], Optional[int]]) -> None:
        while not cancel.requested():
            index = take()
            if index is None:
                return
            host, task, task_vars, play_context, direct = entries[index]
            self.run_host(host, _own(task, direct), task_vars, play_context, direct)

    def run_host(self, host: Any, task: Any, task_vars: dict[str, Any], play_context: Any,
                 direct: bool = False) -> None:
        from ansible._internal import _task
        from ansible._internal._errors import _error_utils
        from ansible.executor.task_executor import TaskExecutor

        IN_PROCESS.set(True)  # this pool's threads run nothing else
        if cancel.requested():  # the run was told to stop: no host starts any more
            return
        try:
            with _task.TaskContext(task), self.stores.active():
                if direct:
                    task, result = run_direct(host, task, task_vars, play_context, self.loader,
                                              self.shared_loader_obj, self.validated)
                else:
                    result = TaskExecutor(host, task, task_vars, play_context, self.loader, self.shared_loader_obj,
                                          self.final_q, self.variable_manager).run()
        except BaseException as exc:  # both catch task errors; this is a bug: the host fails
            result = _error_utils.result_dict_from_exception(exc)
        result["in_process"] = True
        if cancel.requested():  # the run is stopping: nobody reads results any more
            return
        self.send(host, task, result)

    def send(self, host: Any, task: Any, result: dict[str, Any]) -> None:
        from ansible.errors import AnsibleError
        from ansible._internal._errors import _error_utils
        from ansible.executor.task_result import _RawTaskResult

        try:
            self.final_q.send_task_result(_RawTaskResult(host=host, task=task, return_data=result,
                                                         task_fields=task.dump_attrs()))
        except Exception as ex:  # as the worker: a result that cannot be sent still ends the host's task
            try:
                raise AnsibleError("Task result omitted due to queue send failure.") from ex
            except Exception as wrapper:
                self.final_q.send_task_result(_RawTaskResult(host=host, task=task, task_fields={},
                                                             return_data=_error_utils.result_dict_from_exception(wrapper)))

    def release_stores(self) -> None:
        """Close the store handles the hosts left idle (every host of the task has finished); later
        tasks open their own."""
        self.stores.close()
        self.stores = StoreReuse()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            stopping = cancel.requested()  # told to stop: drop the hosts not started, leave the running ones
            pool.shutdown(wait=not stopping, cancel=stopping)
        self.stores.close()


def _own(task: Any, direct: bool) -> Any:
    """The task as a host runs it: shared on the direct path (validated once), else a copy of its own
    (``post_validate`` writes the host's templated values into it and its parent blocks)."""
    return task if direct else task.copy(exclude_tasks=True)
