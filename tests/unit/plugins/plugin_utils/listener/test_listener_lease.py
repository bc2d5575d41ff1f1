"""Two listeners on one store (an HA pair): only the lease holder dispatches, a standby forwards what it
receives through the inbox, the standby takes over with the persisted decisions when the leader dies,
and a stalled leader whose lease was taken writes nothing as the leader (one SQLite store, two handles,
a fake clock)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaderLease
from tests.support.clock import Clock
from tests.unit.plugins.plugin_utils.listener.listener_fixtures import COMMIT, T0

TTL = 15.0


def listener(path: str, clock: Clock, holder: str, opened: list[st.Store]) -> Listener:
    store = st.open_store(path, clock=clock)
    opened.append(store)
    lis = Listener(store, lease=LeaderLease(store.leases, TTL, holder=holder, monotonic=clock))
    lis.refresh(clock.now)
    return lis


@pytest.fixture
def opened() -> Iterator[list[st.Store]]:
    stores: list[st.Store] = []
    yield stores
    for s in stores:
        s.close()


def run(lis: Listener, now: float) -> list[dict[str, Any]]:
    """One pass of the worker: the lease, then (as the leader) the inbox, the jobs, the scheduler."""
    if not lis.hold_lease():
        lis.flush()
        return []
    lis.ingest_inbox(now)
    lis.poll_jobs(now)
    events = lis.tick(now)
    for event in events:
        lis.emitted(event)
    return events


def test_only_the_leader_dispatches_and_the_standby_forwards(store_path: str, clock: Clock,
                                                             opened: list[st.Store]) -> None:
    a = listener(store_path, clock, "a", opened)
    b = listener(store_path, clock, "b", opened)
    assert (a.hold_lease(), b.hold_lease()) == (True, False)
    for _ in range(5):  # the device sends to both listeners
        a.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
        b.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    a.ingest_syslog(COMMIT.replace(b" r1 ", b" r2 "), "10.0.0.2", clock.now)  # and this one only to ...
    b.ingest_syslog(COMMIT.replace(b" r1 ", b" r2 "), "10.0.0.2", clock.now)  # ... both as well
    assert b.states == {} and b.counters["forwarded"] == 6
    run(b, clock.now)  # the standby writes one inbox row per device
    rows = opened[1].db.query("SELECT device, source FROM inbox ORDER BY device")
    assert [(r["device"], r["source"]) for r in rows] == [("r1", "standby syslog-udp:10.0.0.1"),
                                                         ("r2", "standby syslog-udp:10.0.0.2")]
    events: list[dict[str, Any]] = []
    for step in range(0, 40):
        clock.now = T0 + step
        events += run(a, clock.now) + run(b, clock.now)
    assert [e["netsync"]["devices"] for e in events] == [["r1", "r2"]]  # one event, from the leader
    assert b.counters["events"] == 0 and a.counters["dispatched"] == 2
    # its own 6 messages and the 2 forwarded rows, damped into the one job of each device
    assert a.counters["accepted"] == 6 + 2 and a.counters["received"] == 6 + 2


def test_the_standby_takes_over_with_the_persisted_pending_job(store_path: str, clock: Clock,
                                                              opened: list[st.Store]) -> None:
    a = listener(store_path, clock, "a", opened)
    b = listener(store_path, clock, "b", opened)
    assert run(a, clock.now) == [] and run(b, clock.now) == []
    a.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    run(a, clock.now)  # the leader persisted a pending job due at T0 + 20, and then it dies
    for step in range(1, 16):  # the lease runs until T0 + 15
        clock.now = T0 + step
        assert run(b, clock.now) == [] and not b.leading
    clock.now = T0 + 16
    assert run(b, clock.now) == [] and b.leading  # took over; the job is not due yet
    assert b.states["r1"].pending is not None and b.counters["lease:acquired"] == 1
    clock.now = T0 + 21
    [event] = run(b, clock.now)
    assert event["netsync"]["devices"] == ["r1"]
    with st.open_store(store_path, clock=clock) as s:
        lease = s.leases.get()
    assert lease is not None and (lease["holder"], lease["held"]) == ("b", True)


def test_a_commit_while_the_leader_is_dead_waits_in_the_inbox(store_path: str, clock: Clock,
                                                              opened: list[st.Store]) -> None:
    a = listener(store_path, clock, "a", opened)
    b = listener(store_path, clock, "b", opened)
    run(a, clock.now)
    run(b, clock.now)
    clock.now = T0 + 5  # a died at T0; the device's commit reaches b only
    b.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    assert run(b, clock.now) == []  # forwarded to the inbox
    clock.now = T0 + 16
    run(b, clock.now)  # takes over and reads the inbox: a pending job for the forwarded commit
    assert b.leading and b.states["r1"].pending is not None
    events = []
    for step in range(17, 40):
        clock.now = T0 + step
        events += run(b, clock.now)
    assert [e["netsync"]["devices"] for e in events] == [["r1"]]


def test_a_stalled_leader_whose_lease_was_taken_writes_nothing_as_leader(store_path: str, clock: Clock,
                                                                         opened: list[st.Store]) -> None:
    a = listener(store_path, clock, "a", opened)
    b = listener(store_path, clock, "b", opened)
    run(a, clock.now)
    clock.now = T0 + 16  # a stalled past its lease; b took over
    assert run(b, clock.now) == [] and b.leading
    a.ingest_syslog(COMMIT, "10.0.0.1", clock.now)  # a, still believing it leads, accepts a commit
    assert a.states["r1"].pending is not None
    for step in range(17, 41):  # b leads, renewing its lease
        clock.now = T0 + step
        assert run(b, clock.now) == []
    assert a.tick(clock.now) == []  # its flush finds the lease gone: no dispatch, it steps down
    assert not a.leading and a.counters["lease:lost"] == 1
    with st.open_store(store_path, clock=clock) as s:
        assert "r1" not in s.jobs.load_damper_states()  # nothing written as the leader
        [row] = s.db.query("SELECT device, source FROM inbox")
    assert (row["device"], row["source"]) == ("r1", "standby syslog-udp:10.0.0.1")  # forwarded instead
    events = []
    for step in range(41, 70):
        clock.now = T0 + step
        events += run(a, clock.now) + run(b, clock.now)
    assert [e["netsync"]["devices"] for e in events] == [["r1"]] and b.counters["dispatched"] == 1


def test_a_clean_stop_hands_the_lease_over_at_once(store_path: str, clock: Clock,
                                                   opened: list[st.Store]) -> None:
    a = listener(store_path, clock, "a", opened)
    b = listener(store_path, clock, "b", opened)
    run(a, clock.now)
    assert not b.hold_lease()
    a.release_lease()
    assert not a.leading and b.hold_lease()
