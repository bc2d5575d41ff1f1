# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few pool processes instead of one worker process per host.

When linear has queued every host of an in-process task and starts waiting for results, the
strategy forks ``processes`` pool workers (default: the number of CPUs, at most 2): each is an
ansible-core ``WorkerProcess`` (so it detaches, proxies ``Display`` through the final queue,
propagates signals, occupies a worker slot that ``has_dead_workers`` and the task queue
manager's cleanup watch) whose ``_run`` runs its share of the hosts in a pool of threads
(``runner.InProcessRunner``). The fork copies the hosts' variables as it does for a worker. A
SIGTERM or SIGINT (ansible-playbook passes them on to its workers) first gives back the devices of
the resyncs in flight (``tasks/cancel.py``), then ends the process as it ends a worker.
With ``processes`` 0, the hosts run in threads of ansible-playbook itself. A pool process freezes
the objects it inherited from the garbage collector first (``heap.py``).
"""
from __future__ import annotations

import math
import os
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import cancellable
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.heap import freeze_inherited
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.runner import InProcessRunner

ENV = "NETSYNC_FLEET_PROCESSES"
Entry = tuple[Any, Any, dict[str, Any], Any, bool]  # host, task, task vars, play context, direct path


def pool_processes(environ: Optional[dict[str, str]] = None, cpus: Optional[int] = None) -> int:
    """``NETSYNC_FLEET_PROCESSES`` if it is a number >= 0, else the CPUs (at most 2, at least 1)."""
    value = (environ if environ is not None else os.environ).get(ENV, "")
    if value.strip().isdigit():
        return int(value)
    return max(1, min(2, cpus if cpus is not None else (os.cpu_count() or 1)))


def plan(entries: list[Entry], processes: int, free_slots: list[int], forks: int) -> list[tuple[int, list[Entry], int]]:
    """(worker slot, its hosts, its threads) for each pool process: hosts dealt round-robin, the
    ``forks`` threads shared out; empty when there is no process or free slot to use."""
    count = min(processes, len(free_slots), len(entries))
    if count <= 0:
        return []
    threads = max(1, math.ceil(max(1, forks) / count))
    return [(free_slots[i], entries[i::count], threads) for i in range(count)]


def pool_worker_class() -> Any:
    from ansible.executor.process.worker import WorkerProcess

    class PoolWorker(WorkerProcess):  # type: ignore[misc,valid-type]
        """A worker process that runs several hosts' tasks, each in a thread of its pool."""

        def __init__(self, entries: list[Entry], threads: int, **kwargs: Any) -> None:
            host, task, task_vars, play_context, _direct = entries[0]
            super().__init__(host=host, task=task, task_vars=task_vars, play_context=play_context, **kwargs)
            self._netsync_entries = entries
            self._netsync_threads = threads

        def _run(self) -> None:  # in the forked child
            freeze_inherited()  # its first full collection would copy every page inherited (heap.py)
            runner = InProcessRunner(self._netsync_threads, self._final_q, self._loader, self._variable_manager,
                                     self._shared_loader_obj)
            with cancellable():  # SIGTERM/SIGINT: the hosts' resyncs in flight give their devices back first
                for host, task, task_vars, play_context, direct in self._netsync_entries:
                    runner.submit(host, task, task_vars, play_context, direct)
                runner.close()

    return PoolWorker


def start_pool(strategy: Any, entries: list[Entry], processes: int) -> bool:
    """Fork the pool processes for ``entries`` into free worker slots; False when none could be used."""
    from ansible import context
    from ansible.plugins import loader as plugin_loader

    workers = strategy._workers
    free = [i for i, w in enumerate(workers) if w is None or not w.is_alive()]
    parts = plan(entries, processes, free, len(workers))
    if not parts:
        return False
    cls = pool_worker_class()
    for slot, part, threads in parts:
        old = workers[slot]
        if old is not None:
            old.close()
        worker = cls(part, threads, final_q=strategy._final_q, loader=strategy._loader,
                     variable_manager=strategy._variable_manager,
                     shared_loader_obj=plugin_loader.get_plugin_loader_namespace(), worker_id=slot,
                     cliargs=context.CLIARGS)
        workers[slot] = worker
        worker.start()
    return True
