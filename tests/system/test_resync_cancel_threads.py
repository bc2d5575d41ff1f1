"""A stop signal reaches the thread that can act on it at once.

Python runs a signal handler only in the main thread, between two bytecodes. The kernel hands a
signal sent to a process to any of its threads that does not block it; when that is one of the
SSH or NETCONF library threads of a worker of ansible-core's linear strategy, whose main thread
waits for the device's reply, the handler (which gives the device back its status) would run only
when the reply came. While a resync runs, every other thread of its process blocks SIGTERM and
SIGINT (``tasks/cancel.py``), so the kernel hands them to the main thread, whose wait they interrupt.

The devices answer after 40 s: a device given back within 20 s of the signal was given back by
the handler, not by the read's end.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import ansible_env, onboarded_junos_fleet
from tests.system.test_resync_cancel import (
    _processes_of_run, _start_resync, _statuses, _wait_all_synchronizing, _why,
)

pytestmark = pytest.mark.system

NAMES = ["r1", "r2"]
STOP_BITS = (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGINT - 1))  # in /proc/<pid>/task/<tid>/status SigBlk


def _blocked_masks(pid: int) -> dict[int, int]:
    """thread id -> its blocked signals (``SigBlk``), for each thread of process ``pid``."""
    masks = {}
    for task in Path("/proc/%d/task" % pid).iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("SigBlk:"):
                masks[int(task.name)] = int(line.split()[1], 16)
    return masks


def _workers(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,stat=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if not line.split()[1].startswith("Z")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_only_the_main_thread_of_a_linear_worker_takes_a_stop_signal(tmp_path: Path,
                                                                      junos_sim: Callable[..., Any],
                                                                      signum: int) -> None:
    """The kernel hands a signal to a thread that blocks it never; to the main thread of a process
    when it does not block it and has none pending, else to any other thread that does not block it.
    So: every thread but the main one blocks both stop signals, and a signal to the worker gives its
    device back long before the device answers."""
    fleet = onboarded_junos_fleet(tmp_path, junos_sim, NAMES)
    store = fleet["store"]
    for sim in fleet["sims"].values():
        sim.faults.delay = 40.0
    sent = {name: sim.rpcs_received for name, sim in fleet["sims"].items()}
    proc = _start_resync(fleet, ansible_env(store, ANSIBLE_DEPRECATION_WARNINGS="0"))
    marker = str(fleet["inventory"])
    workers: list[int] = []
    try:
        _wait_all_synchronizing(store, proc, sent, fleet["sims"], names=NAMES)
        workers = _workers(proc.pid)
        assert len(workers) == len(NAMES), workers  # one per host, each awaiting its device's reply
        for worker in workers:
            masks = _blocked_masks(worker)
            others = {tid: mask for tid, mask in masks.items() if tid != worker}
            # the lease thread, paramiko's transport thread, ncclient's session thread
            assert len(others) >= 3, masks
            assert masks[worker] & STOP_BITS == 0, "the main thread blocks a stop signal: %x" % masks[worker]
            taking = {tid: "%x" % mask for tid, mask in others.items() if mask & STOP_BITS != STOP_BITS}
            assert taking == {}, "threads other than the main thread may take a stop signal: %s" % taking
        # ansible-playbook stopped first: once a worker dies it sends the others SIGTERM, which would
        # reach the second worker before this signal when this process is preempted between two kills
        os.kill(proc.pid, signal.SIGSTOP)
        sent_at = time.monotonic()
        for worker in workers:
            os.kill(worker, signum)  # as ansible-playbook passes it on; the kernel picks the thread
        back = _wait_given_back(store, timeout=20)
        waited = time.monotonic() - sent_at
        assert back, "still Synchronizing %.0f s after the signal:\n%s" % (waited, _why(store, NAMES))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
    end = time.monotonic() + 30
    while _processes_of_run(marker) and time.monotonic() < end:
        time.sleep(0.1)
    assert _processes_of_run(marker) == []
    with st.open_store(store) as s:
        for name in NAMES:
            job = s.jobs.recent(name)[0]
            assert job["state"] == "failed" and "signal %d" % signum in job["message"], job


def _wait_given_back(store: str, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if set(_statuses(store, NAMES).values()) == {st.IN_SYNC}:
            return True
        time.sleep(0.1)
    return False
