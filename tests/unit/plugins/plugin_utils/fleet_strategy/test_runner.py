"""The in-process runner: a host's task run by TaskExecutor in a pool thread, its result sent to
the final queue as a worker sends it, with ``in_process`` set and the batch told to stand down."""
from __future__ import annotations

import threading
from typing import Any

from ansible.executor import task_executor

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import runner as rn
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.context import in_process


class Queue:
    def __init__(self, fail_first: bool = False) -> None:
        self.sent: list[Any] = []
        self.fail_first = fail_first

    def send_task_result(self, result: Any) -> None:
        if self.fail_first:
            self.fail_first = False
            raise TypeError("cannot pickle")
        self.sent.append(result)


class Host:
    name = "r1"

    def get_name(self) -> str:
        return self.name


class Task:
    _uuid = "u1"

    def __init__(self) -> None:
        self.copies = 0

    def copy(self, exclude_tasks: bool = False) -> "Task":
        assert exclude_tasks is True  # the parent blocks are copied, not their task lists
        self.copies += 1
        clone = Task()
        clone.copies = -1
        return clone

    def dump_attrs(self) -> dict[str, Any]:
        return {"action": "netsync.fleet.resync"}


def fake_executor(outcome: Any) -> Any:
    class Executor:
        seen: list[Any] = []

        def __init__(self, host: Any, task: Any, *args: Any) -> None:
            Executor.seen.append((task, in_process(), threading.current_thread().name))

        def run(self) -> dict[str, Any]:
            if isinstance(outcome, BaseException):
                raise outcome
            return dict(outcome)

    return Executor


def run_one(monkeypatch: Any, outcome: Any, queue: Queue) -> tuple[Any, Task]:
    executor = fake_executor(outcome)
    monkeypatch.setattr(task_executor, "TaskExecutor", executor)
    runner = rn.InProcessRunner(2, queue, None, None, None)
    task = Task()
    runner.submit(Host(), task, {}, None)
    runner.close()
    return executor, task


def test_a_result_goes_to_the_final_queue_from_a_pool_thread(monkeypatch: Any) -> None:
    queue = Queue()
    executor, task = run_one(monkeypatch, {"changed": True}, queue)
    assert task.copies == 1
    (ran_task, flagged, thread), = executor.seen
    assert ran_task is not task and flagged is True and thread.startswith("netsync-fleet")
    (sent,) = queue.sent
    assert sent.host.name == "r1" and sent._return_data == {"changed": True, "in_process": True}
    assert sent.task_fields == {"action": "netsync.fleet.resync"}


def test_an_exception_outside_the_task_fails_the_host(monkeypatch: Any) -> None:
    queue = Queue()
    run_one(monkeypatch, RuntimeError("bug"), queue)
    (sent,) = queue.sent
    assert sent._return_data["failed"] is True and "bug" in sent._return_data["msg"]


def test_a_result_that_cannot_be_sent_still_ends_the_host(monkeypatch: Any) -> None:
    queue = Queue(fail_first=True)
    run_one(monkeypatch, {"changed": False}, queue)
    (sent,) = queue.sent
    assert sent._return_data["failed"] is True and "queue send failure" in sent._return_data["msg"]
    assert sent.task_fields == {}


def test_hosts_tasks_share_store_handles_until_released(monkeypatch: Any, tmp_path: Any) -> None:
    """A host's task that closes its store leaves the handle for the next host's task of the runner;
    ``release_stores`` (every host done) closes it, and later tasks connect again."""
    import sqlite3

    import pytest
    from ansible_collections.netsync.fleet.plugins.module_utils import store as st

    url = str(tmp_path / "fleet.db")
    st.open_store(url).close()
    handles: list[Any] = []

    class Executor:
        def __init__(self, *args: Any) -> None:
            pass

        def run(self) -> dict[str, Any]:
            with st.open_store(url, create=False) as s:
                handles.append(s.db)
            return {"changed": False}

    monkeypatch.setattr(task_executor, "TaskExecutor", Executor)
    runner = rn.InProcessRunner(1, Queue(), None, None, None)
    for _ in range(3):
        runner.submit(Host(), Task(), {}, None)
    runner._pool.shutdown(wait=True)  # type: ignore[union-attr]  # the three hosts are done
    assert len(handles) == 3 and handles[0] is handles[1] is handles[2]
    runner.release_stores()
    with pytest.raises(sqlite3.ProgrammingError):
        handles[0].conn.execute("SELECT 1")
    runner._pool = None
    runner.submit(Host(), Task(), {}, None)
    runner.close()
    assert handles[3] is not handles[0]
    with pytest.raises(sqlite3.ProgrammingError):  # close() releases too
        handles[3].conn.execute("SELECT 1")
