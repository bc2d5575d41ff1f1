"""How the listener batches due jobs into resync events (R11): a burst goes to as few runs as the
damping allows, and no job runs earlier than its own due time (real SQLite store, fake clock)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener

T0 = 1_000_000.0
DELAY = 20.0


def line(host: str) -> bytes:
    return (f"<189>1 2026-07-06T03:52:49.972Z {host} mgd 97400 UI_COMMIT_COMPLETED "
            "[junos@2636.1.1.1.2.129 ] commit complete").encode()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[st.Store]:
    s = st.open_store(str(tmp_path / "fleet.db"), clock=clock)
    for i in range(1, 41):
        s.devices.upsert("r%d" % i, "10.0.0.%d" % i, 830, "junos", {"hostname": "r%d" % i})
        s.devices.set_status("r%d" % i, "In Sync", "test")
    s.devices.set_settings({"resync_delay": DELAY, "damping_window": 25, "damper_interval": 20})
    yield s
    s.close()


def notify(lis: Listener, name: str, at: float) -> None:
    lis.ingest_syslog(line(name), "10.0.0.%s" % name[1:], at)


def emit(lis: Listener, now: float) -> list[list[str]]:
    """What the event source's pass does: poll the jobs table, tick, emit and mark emitted."""
    lis.poll_jobs(now)
    events = lis.tick(now)
    for event in events:
        lis.emitted(event)
    lis.flush()
    return [e["netsync"]["devices"] for e in events if e["netsync"]["type"] == "resync"]


def job_ids(lis: Listener) -> dict[str, str]:
    return {name: s.running.dispatch_id for name, s in lis.states.items()
            if s.running is not None and s.running.dispatch_id}


def start(store: st.Store, clock: Clock, ids: dict[str, str], at: float) -> None:
    """The resync playbook run of these jobs starts (as the module writes it to the jobs table)."""
    clock.now = at
    for name, job_id in ids.items():
        store.jobs.started(job_id, name, "auto")


def finish(store: st.Store, clock: Clock, ids: dict[str, str], at: float) -> None:
    clock.now = at
    for job_id in ids.values():
        store.jobs.read(job_id, None)
        store.jobs.finished(job_id, True, "test")


def burst(lis: Listener) -> None:
    """Four devices, first notified 0.5 to 0.7 s apart: they fall due between T0+20 and T0+21.9."""
    for name, dt in (("r1", 0.0), ("r2", 0.5), ("r3", 1.2), ("r4", 1.9)):
        notify(lis, name, T0 + dt)


def test_a_burst_due_close_together_goes_to_one_run(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, batch_window=1.0, batch_hold=60.0, batch_span=10.0)
    burst(lis)
    assert emit(lis, T0 + 21.0) == []  # r3 falls due at 21.2, within the window of r2: wait for it
    assert lis.next_wakeup() == T0 + 21.9  # when the last of the chain falls due
    assert emit(lis, T0 + 21.8) == []
    assert emit(lis, T0 + 21.9) == [["r1", "r2", "r3", "r4"]]  # none earlier than its own due time


def test_a_job_falling_due_during_a_run_waits_for_its_end(store: st.Store, clock: Clock) -> None:
    """The runner takes one run at a time: a job due while a run goes joins the next run, which
    leaves the moment the running jobs have ended, with every job due by then."""
    lis = Listener(store, batch_window=1.0, batch_hold=60.0, batch_span=10.0)
    notify(lis, "r1", T0)
    notify(lis, "r2", T0 + 5)
    notify(lis, "r3", T0 + 8)
    assert emit(lis, T0 + 21) == [["r1"]]
    first = job_ids(lis)
    start(store, clock, first, T0 + 22)
    for now in (T0 + 22, T0 + 26, T0 + 29, T0 + 30):  # r2 due at 25, r3 at 28: r1's run still goes
        assert emit(lis, now) == []
    assert lis.next_wakeup() == T0 + 25 + 60.0  # at most batch_hold past the first held due time
    finish(store, clock, first, T0 + 31)
    assert emit(lis, T0 + 31) == [["r2", "r3"]]  # r1's job ended at 31: both in one run


def test_a_held_job_waits_at_most_batch_hold_past_its_due_time(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, batch_window=1.0, batch_hold=5.0, batch_span=10.0)
    notify(lis, "r1", T0)
    notify(lis, "r2", T0 + 5)
    assert emit(lis, T0 + 21) == [["r1"]]  # r1's run never ends
    assert emit(lis, T0 + 29.9) == []
    assert emit(lis, T0 + 30) == [["r2"]]  # due at 25, held 5 s


def test_a_trickle_is_not_held_longer_than_batch_span(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, batch_window=1.0, batch_hold=60.0, batch_span=3.0)
    for i in range(1, 41):  # one device every 0.5 s: due from T0+20 to T0+39.5
        notify(lis, "r%d" % i, T0 + (i - 1) * 0.5)
    assert emit(lis, T0 + 22.9) == []
    assert lis.next_wakeup() == T0 + 23.0
    assert emit(lis, T0 + 23.0) == [["r%d" % i for i in range(1, 8)]]  # due by T0+23, no later one


def test_defaults_of_the_core_keep_eager_dispatch(store: st.Store, clock: Clock) -> None:
    """Without batching options (the core's defaults) every due job goes out at once."""
    lis = Listener(store)
    burst(lis)
    assert emit(lis, T0 + 20) == [["r1"]]
    assert emit(lis, T0 + 20.5) == [["r2"]]


def test_next_wakeup_is_never_in_the_past_while_jobs_are_held(store: st.Store, clock: Clock) -> None:
    """A wake-up time already past makes the event source pass again at once, again and again:
    a busy loop of store polls during every run."""
    lis = Listener(store, batch_window=1.0, batch_hold=60.0, batch_span=10.0)
    notify(lis, "r1", T0)
    notify(lis, "r2", T0 + 5)
    assert emit(lis, T0 + 21) == [["r1"]]
    for now in (T0 + 26, T0 + 40, T0 + 80):
        emit(lis, now)
        wake = lis.next_wakeup()
        assert wake is not None and wake > now


def test_jobs_waiting_in_a_live_run_are_not_dispatched_again(store: st.Store, clock: Clock) -> None:
    """A run of 1,000 hosts with 20 forks starts its last hosts minutes after the event: while jobs
    of the same event keep starting, the run is alive, and its waiting jobs are not re-dispatched
    (R12) as if their launch had failed; once the run stops progressing, they are."""
    lis = Listener(store, batch_window=1.0, batch_hold=60.0, batch_span=10.0, start_timeout=120.0)
    for name in ("r1", "r2", "r3"):
        notify(lis, name, T0)
    assert emit(lis, T0 + 21) == [["r1", "r2", "r3"]]
    ids = job_ids(lis)
    start(store, clock, {"r1": ids["r1"]}, T0 + 22)
    assert emit(lis, T0 + 22) == []
    finish(store, clock, {"r1": ids["r1"]}, T0 + 100)
    start(store, clock, {"r2": ids["r2"]}, T0 + 100)
    assert emit(lis, T0 + 100) == []
    assert emit(lis, T0 + 142) == []  # r3 dispatched 121 s ago, but r2 of its run started 42 s ago
    finish(store, clock, {"r2": ids["r2"]}, T0 + 200)  # and then the run stops: r3 never starts
    assert emit(lis, T0 + 219) == []
    assert emit(lis, T0 + 221) == [["r3"]]  # 120 s after the last sign of life of its run
