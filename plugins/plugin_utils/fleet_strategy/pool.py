# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few pool processes instead of one worker process per host.

When linear has queued every host of an in-process task and starts waiting for results, the
strategy forks ``processes`` pool workers (default: the number of CPUs, at most 2): each is an
ansible-core ``WorkerProcess`` (so it detaches, proxies ``Display`` through the final queue,
propagates signals, occupies a worker slot that ``has_dead_workers`` and the task queue
manager's cleanup watch) whose ``_run`` runs hosts in a pool of threads
(``runner.InProcessRunner``), the ``--forks`` threads shared out between the processes. Each
thread takes the next host as it frees up, whichever process it is in (``claims.py``), in the
order linear queued them. The fork copies the hosts' variables as it does for a worker. A
SIGTERM or SIGINT (ansible-playbook passes them on to its workers) first gives back the devices of
the resyncs in flight (``tasks/cancel.py``), then ends the process as it ends a worker.
Once ansible-playbook is gone (killed outright), a pool process starts no more hosts; the ones in
flight finish, as a worker's would. With ``processes`` 0, the hosts run in threads of ansible-playbook
itself. A pool process freezes the objects it inherited from the garbage collector first (``heap.py``).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import cancellable
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.claims import Claims
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.heap import freeze_inherited
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.runner import Entry, InProcessRunner

ENV = "NETSYNC_FLEET_PROCESSES"


def pool_processes(environ: Optional[dict[str, str]] = None, cpus: Optional[int] = None) -> int:
    """``NETSYNC_FLEET_PROCESSES`` if it is a number >= 0, else the CPUs (at most 2, at least 1)."""
    value = (environ if environ is not None else os.environ).get(ENV, "")
    if value.strip().isdigit():
        return int(value)
    return max(1, min(2, cpus if cpus is not None else (os.cpu_count() or 1)))


def plan(entries: list[Entry], processes: int, free_slots: list[int], forks: int) -> list[tuple[int, int]]:
    """(worker slot, its threads) for each pool process: ``forks`` threads in all (no more than the
    hosts), shared out as evenly as they go; empty when there is no process or free slot to use."""
    threads = min(max(1, forks), len(entries))
    count = min(processes, len(free_slots), threads)
    if count <= 0:
        return []
    return [(free_slots[i], threads // count + (1 if i < threads % count else 0)) for i in range(count)]


def while_parent_lives(take: Callable[[], Optional[int]], parent: Optional[int] = None) -> Callable[[], Optional[int]]:
    """``take``, until this process's parent (ansible-playbook) is gone: killed (AWX/AAP's cancel sends
    SIGKILL to its process group, which the pool processes, in sessions of their own, are not in), it
    reads no result any more, and a worker per host would not start another host either."""
    parent = os.getppid() if parent is None else parent

    def take_next() -> Optional[int]:
        return None if os.getppid() != parent else take()

    return take_next


def pool_worker_class() -> Any:
    from ansible.executor.process.worker import WorkerProcess

    class PoolWorker(WorkerProcess):  # type: ignore[misc,valid-type]
        """A worker process whose threads run the task's hosts, each taking the next one as it frees up."""

        def __init__(self, entries: list[Entry], claims: Claims, threads: int, **kwargs: Any) -> None:
            host, task, task_vars, play_context, _direct = entries[0]
            super().__init__(host=host, task=task, task_vars=task_vars, play_context=play_context, **kwargs)
            self._netsync_entries = entries
            self._netsync_claims = claims
            self._netsync_threads = threads

        def _run(self) -> None:  # in the forked child
            freeze_inherited()  # its first full collection would copy every page inherited (heap.py)
            self._netsync_claims.reading()
            runner = InProcessRunner(self._netsync_threads, self._final_q, self._loader, self._variable_manager,
                                     self._shared_loader_obj)
            with cancellable():  # SIGTERM/SIGINT: the hosts' resyncs in flight give their devices back first
                runner.drain(self._netsync_entries, while_parent_lives(self._netsync_claims.take),
                             self._netsync_threads)
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
    try:
        claims = Claims(len(entries), sum(part[1] for part in parts))
    except OSError:  # no file descriptor left for the pipe: the hosts run in threads here instead
        return False
    cls = pool_worker_class()
    started = False
    try:
        for slot, threads in parts:
            old = workers[slot]
            if old is not None:
                old.close()
            worker = cls(entries, claims, threads, final_q=strategy._final_q, loader=strategy._loader,
                         variable_manager=strategy._variable_manager,
                         shared_loader_obj=plugin_loader.get_plugin_loader_namespace(), worker_id=slot,
                         cliargs=context.CLIARGS)
            workers[slot] = worker
            worker.start()
            started = True
    finally:  # a fork that failed: the processes already forked take every host
        claims.feed() if started else claims.discard()
    return True
