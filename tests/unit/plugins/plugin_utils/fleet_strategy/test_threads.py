"""fleet_strategy/threads.py: the runner's daemon threads."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.threads import DaemonPool


def test_runs_every_job_on_at_most_size_daemon_threads() -> None:
    pool = DaemonPool(3, "t")
    done: list[int] = []
    names: set[str] = set()
    lock = threading.Lock()

    def job(i: int) -> None:
        time.sleep(0.01)
        with lock:
            done.append(i)
            names.add(threading.current_thread().name)
    for i in range(20):
        pool.submit(job, i)
    pool.shutdown(wait=True)
    assert sorted(done) == list(range(20))
    assert 1 <= len(names) <= 3 and all(t.daemon for t in pool._threads)
    with pytest.raises(RuntimeError):
        pool.submit(job, 99)


def test_cancel_drops_what_has_not_started_and_does_not_wait() -> None:
    pool = DaemonPool(1, "t")
    started = threading.Event()
    release = threading.Event()
    ran: list[int] = []

    def job(i: int) -> None:
        ran.append(i)
        started.set()
        release.wait(5)
    for i in range(5):
        pool.submit(job, i)
    assert started.wait(5)
    begin = time.monotonic()
    pool.shutdown(wait=False, cancel=True)
    assert time.monotonic() - begin < 1  # the running job is left behind
    release.set()
    pool._threads[0].join(5)
    assert ran == [0]


def test_a_failing_job_does_not_end_its_thread() -> None:
    pool = DaemonPool(1, "t")
    ran: list[int] = []

    def bad() -> None:
        raise ValueError("boom")
    pool.submit(bad)
    pool.submit(ran.append, 1)
    pool.shutdown(wait=True)
    assert ran == [1] and len(pool._threads) == 1


def test_stop_signals_reach_the_main_thread_while_it_joins() -> None:
    pool = DaemonPool(2, "t")
    masks: list[set[int]] = []
    release = threading.Event()

    def job() -> None:
        masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        child = threading.Thread(target=lambda: masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, []))))
        child.start()  # an SSH or NETCONF thread started by the job inherits the mask
        child.join()
        release.wait(10)

    class Stop(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Stop()
    before = signal.signal(signal.SIGTERM, handler)
    try:
        pool.submit(job)
        while len(masks) < 2:
            time.sleep(0.01)
        assert all({signal.SIGTERM, signal.SIGINT} <= mask for mask in masks)
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()  # from a thread that does not block it
        begin = time.monotonic()
        with pytest.raises(Stop):
            pool.shutdown(wait=True)  # the job runs on for 10 s
        assert time.monotonic() - begin < 2
    finally:
        release.set()
        signal.signal(signal.SIGTERM, before)
