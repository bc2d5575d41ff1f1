"""How the queued hosts of a task are shared between the pool processes."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.pool import plan, pool_processes


def entries(n: int) -> list[Any]:
    return [("h%d" % i, "task", {}, "pc", False) for i in range(n)]


def test_hosts_dealt_round_robin_and_forks_shared() -> None:
    parts = plan(entries(5), 2, [0, 3, 4], 20)
    assert [(slot, [e[0] for e in part], threads) for slot, part, threads in parts] == [
        (0, ["h0", "h2", "h4"], 10), (3, ["h1", "h3"], 10)]


def test_no_more_processes_than_hosts_or_free_slots() -> None:
    assert [len(p) for _, p, _ in plan(entries(1), 2, [0, 1], 20)] == [1]
    assert [s for s, _, _ in plan(entries(9), 4, [7], 20)] == [7]
    assert plan(entries(9), 2, [], 20) == []
    assert plan(entries(9), 0, [0, 1], 20) == []
    assert plan([], 2, [0, 1], 20) == []


def test_threads_round_up_and_never_zero() -> None:
    assert [t for _, _, t in plan(entries(10), 3, [0, 1, 2], 20)] == [7, 7, 7]
    assert [t for _, _, t in plan(entries(10), 2, [0, 1], 1)] == [1, 1]


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

        def submit(self, host: Any, *args: Any) -> None:
            calls.append("host %s" % host)

        def close(self) -> None:
            calls.append("close")

    monkeypatch.setattr(pool, "InProcessRunner", Runner)
    monkeypatch.setattr(pool, "freeze_inherited", lambda: calls.append("freeze"))
    cls = pool.pool_worker_class()
    worker = cls.__new__(cls)  # its _run only, as in the forked child
    worker._netsync_entries, worker._netsync_threads = entries(2), 2
    worker._final_q = worker._loader = worker._variable_manager = worker._shared_loader_obj = None
    worker._run()
    assert calls == ["freeze", "runner", "host h0", "host h1", "close"]
