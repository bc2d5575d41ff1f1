"""How the queued hosts of a task are shared between the pool processes."""
from __future__ import annotations

import os
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.claims import Claims
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.pool import (
    plan, pool_processes, while_parent_lives,
)


def entries(n: int) -> list[Any]:
    return [("h%d" % i, "task", {}, "pc", False) for i in range(n)]


def test_forks_threads_shared_out_between_the_processes() -> None:
    assert plan(entries(100), 2, [0, 3, 4], 20) == [(0, 10), (3, 10)]
    assert plan(entries(100), 3, [0, 1, 2], 20) == [(0, 7), (1, 7), (2, 6)]  # 20 in all, not 21
    assert plan(entries(100), 2, [5, 6], 1) == [(5, 1)]  # forks 1: one thread, in one process


def test_no_more_threads_than_hosts_nor_processes_than_threads_or_free_slots() -> None:
    assert plan(entries(5), 2, [0, 1], 20) == [(0, 3), (1, 2)]
    assert plan(entries(1), 2, [0, 1], 20) == [(0, 1)]
    assert plan(entries(9), 4, [7], 20) == [(7, 9)]
    assert plan(entries(9), 2, [], 20) == []
    assert plan(entries(9), 0, [0, 1], 20) == []
    assert plan([], 2, [0, 1], 20) == []


def test_no_host_taken_once_the_parent_is_gone() -> None:
    taken = iter([0, 1, 2])
    assert [while_parent_lives(lambda: next(taken))() for _ in range(2)] == [0, 1]  # its parent: this one's
    orphan = while_parent_lives(lambda: next(taken), parent=os.getppid() + 1)  # as if reparented
    assert orphan() is None and next(taken) == 2  # nothing taken


def test_no_pipe_for_the_hosts_means_no_pool_process(monkeypatch: Any) -> None:
    """Out of file descriptors: start_pool forks nothing and says so (the strategy then runs the hosts
    in threads of ansible-playbook)."""
    from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import pool

    def no_pipe(*args: Any) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(pool, "Claims", no_pipe)
    monkeypatch.setattr(pool, "pool_worker_class", lambda: pytest.fail("nothing may be forked"))

    class Strategy:
        _workers: list[Any] = [None, None]

    assert pool.start_pool(Strategy(), entries(3), 2) is False
    assert Strategy._workers == [None, None]


def test_processes_from_the_environment_else_the_cpus_up_to_two() -> None:
    assert pool_processes({"NETSYNC_FLEET_PROCESSES": "0"}, 8) == 0
    assert pool_processes({"NETSYNC_FLEET_PROCESSES": "3"}, 1) == 3
    assert pool_processes({"NETSYNC_FLEET_PROCESSES": "many"}, 8) == 2
    assert pool_processes({}, 1) == 1
    assert pool_processes({}, 16) == 2


def test_a_pool_process_freezes_its_inherited_heap_before_its_hosts_run(monkeypatch: Any) -> None:
    from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import pool

    calls: list[str] = []

    class Runner:
        def __init__(self, *args: Any) -> None:
            calls.append("runner")

        def drain(self, items: list[Any], take: Any, threads: int) -> None:
            while (index := take()) is not None:
                calls.append("host %s" % items[index][0])

        def close(self) -> None:
            calls.append("close")

    monkeypatch.setattr(pool, "InProcessRunner", Runner)
    monkeypatch.setattr(pool, "freeze_inherited", lambda: calls.append("freeze"))
    cls = pool.pool_worker_class()
    worker = cls.__new__(cls)  # its _run only, as in the forked child
    claims = Claims(2, 1)
    worker._netsync_entries, worker._netsync_claims, worker._netsync_threads = entries(2), claims, 1
    worker._final_q = worker._loader = worker._variable_manager = worker._shared_loader_obj = None
    os.write(claims._write_fd, claims.payload())  # what the parent writes (small: no reader needed yet)
    worker._run()
    assert calls == ["freeze", "runner", "host h0", "host h1", "close"]
    os.close(claims._read_fd)
