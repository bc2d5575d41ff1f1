"""The batch's queue: a worker gets the result of a run with exactly its own parameters."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.batch import DONE, QUEUED, Batch
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.protocol import batch_job_id


class Runner:
    """Records each run; blocks while ``gate`` is clear; fails hosts named in ``fail``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
        self.gate.wait(10)
        with self.lock:
            self.calls.append((params["name"], params["job_id"], check_mode))
        if params["name"] in self.fail:
            raise TaskFailed("resync of %s failed: boom" % params["name"], error="rpc_error")
        if params["name"] == "bug":
            raise ZeroDivisionError("bug")
        return {"changed": False, "job_id": params["job_id"], "timeout": params["timeout"]}


def params(name: str, timeout: float = 30.0, job_id: Any = None) -> dict[str, Any]:
    return {"name": name, "timeout": timeout, "job_id": job_id, "store": ":memory:"}


def make(runner: Runner, size: int = 2) -> Batch:
    batch = Batch(size, runner, lambda host, n: batch_job_id("/run", host, n))
    batch.start()
    return batch


def answer(batch: Batch, host: str, p: dict[str, Any], check: bool = False) -> Any:
    entry = batch.request(host, p, check, False)
    assert batch.wait_done(entry, 10)
    batch.delivered(entry)
    return entry


def test_prefetched_result_is_returned_when_the_parameters_match() -> None:
    runner = Runner()
    batch = make(runner)
    batch.prefetch("r1", params("r1"), False, False)
    entry = answer(batch, "r1", params("r1"))
    assert entry.outcome["ok"]["job_id"] == batch_job_id("/run", "r1", 0)
    assert runner.calls == [("r1", batch_job_id("/run", "r1", 0), False)]  # one run, not two
    batch.stop()


def test_worker_parameters_win_over_a_prefetch_that_has_not_started() -> None:
    runner = Runner()
    runner.gate.clear()
    batch = make(runner, size=1)
    batch.prefetch("r0", params("r0"), False, False)  # holds the only thread
    batch.prefetch("r1", params("r1", timeout=30), False, False)
    entry = batch.request("r1", params("r1", timeout=5), False, False)
    runner.gate.set()
    assert batch.wait_done(entry, 10)
    assert entry.outcome["ok"]["timeout"] == 5
    assert [c[0] for c in runner.calls].count("r1") == 1
    batch.stop()


def test_started_prefetch_with_other_parameters_is_run_again_for_the_worker() -> None:
    runner = Runner()
    batch = make(runner)
    batch.prefetch("r1", params("r1"), False, False)
    first = batch.entries["r1"][0]
    assert batch.wait_done(first, 10)
    entry = answer(batch, "r1", params("r1"), check=True)  # check mode: another request
    assert entry is not first and entry.check_mode is True
    assert runner.calls[-1] == ("r1", batch_job_id("/run", "r1", 1), True)
    assert first.delivered is False and entry.delivered is True
    batch.stop()


def test_request_jumps_the_queue() -> None:
    runner = Runner()
    runner.gate.clear()
    batch = make(runner, size=1)
    for name in ("a", "b", "c", "d"):
        batch.prefetch(name, params(name), False, False)
    assert batch.wait_started(batch.entries["a"][0], 10)
    entry = batch.request("d", params("d"), False, False)
    runner.gate.set()
    assert batch.wait_done(entry, 10)
    assert [c[0] for c in runner.calls][:2] == ["a", "d"]  # "a" was already running
    batch.stop()


def test_failures_and_bugs_are_outcomes_of_their_own_host() -> None:
    runner = Runner()
    runner.fail.add("r2")
    batch = make(runner)
    failed = answer(batch, "r2", params("r2"))
    assert failed.outcome == {"failed": "resync of r2 failed: boom", "result": {"error": "rpc_error"}}
    bug = answer(batch, "bug", params("bug"))
    assert bug.outcome["error"] == "ZeroDivisionError: bug" and "Traceback" in bug.outcome["exception"]
    ok = answer(batch, "r1", params("r1"))
    assert ok.outcome["ok"]["changed"] is False
    batch.stop()


def test_user_job_id_is_kept() -> None:
    runner = Runner()
    batch = make(runner)
    entry = answer(batch, "r1", params("r1", job_id="job-7"))
    assert entry.outcome["ok"]["job_id"] == "job-7"
    batch.stop()


def test_stop_drops_the_queue_and_ends_when_idle() -> None:
    runner = Runner()
    runner.gate.clear()
    batch = make(runner, size=1)
    batch.expect("a")
    batch.expect("z")
    batch.prefetch("a", params("a"), False, False)
    batch.prefetch("b", params("b"), False, False)
    queued = batch.entries["b"][0]
    assert batch.undelivered() == 3  # a and b not taken, z not asked yet
    assert not batch.wait_started(queued, 0.1)
    batch.stop()
    assert not batch.wait_started(queued, 1) and queued.state == QUEUED  # its worker runs it itself
    runner.gate.set()
    assert batch.wait_done(batch.entries["a"][0], 10) and batch.entries["a"][0].state == DONE
    assert batch.idle()


def test_job_ids_are_stable_and_distinct() -> None:
    assert batch_job_id("/x", "r1", 0) == batch_job_id("/x", "r1", 0)
    assert len({batch_job_id("/x", "r1", 0), batch_job_id("/x", "r1", 1), batch_job_id("/y", "r1", 0),
                batch_job_id("/x", "r2", 0)}) == 4


@pytest.mark.parametrize("size", [1, 4])
def test_every_host_gets_its_own_result(size: int) -> None:
    runner = Runner()
    batch = make(runner, size=size)
    names = ["h%d" % i for i in range(30)]
    for name in names:
        batch.prefetch(name, params(name), False, False)
    got: dict[str, Any] = {}

    def worker(name: str) -> None:
        got[name] = answer(batch, name, params(name)).outcome["ok"]["job_id"]
    threads = [threading.Thread(target=worker, args=(n,)) for n in reversed(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert got == {n: batch_job_id("/run", n, 0) for n in names}
    assert sorted(c[0] for c in runner.calls) == sorted(names)
    assert batch.undelivered() == 0
    batch.stop()
