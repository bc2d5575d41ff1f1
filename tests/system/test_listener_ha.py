"""Two listeners on one PostgreSQL store (an HA pair, e.g. two EDA activations) never both dispatch the
same job; when the leader is SIGKILLed, the other takes over within the lease time and dispatches what
the dead one had decided and what arrived while it was dead.

Two real listener processes (the EDA source's ``main``, tests/support/listener_proc.py), every device
sending its commits to both over UDP (two ``syslog host`` stanzas)."""
from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.support.listener_proc import ListenerProcess
from tests.testbed.procs import free_port

pytestmark = [pytest.mark.system, pytest.mark.postgres]

LEASE = 3.0
DELAY = 3.0
DEVICES = ["r1", "r2", "r3", "r4"]
LINE = (b"<189>1 2026-07-06T03:52:49.972Z %s mgd 97400 UI_COMMIT_COMPLETED [junos@2636.1.1.1.2.129 "
        b"username=\"ops\"] commit complete")


def _send(ports: list[int], devices: list[str], times: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(times):
            for name in devices:
                for port in ports:
                    sock.sendto(LINE % name.encode(), ("127.0.0.1", port))


def _dispatches(procs: list[ListenerProcess]) -> list[tuple[int, str, str]]:
    """(pid, device, job id) of every dispatch every listener emitted."""
    return [(p.pid, name, job_id) for p in procs for e in p.taken() if e["netsync"]["type"] == "resync"
            for name, job_id in e["netsync"]["job_ids"].items()]


def _run_jobs(store: st.Store, dispatches: list[tuple[int, str, str]]) -> None:
    """What the rulebook's resync run does to the jobs table: started, read, done."""
    for _pid, name, job_id in dispatches:
        store.jobs.started(job_id, name, origin="auto")
        store.jobs.read(job_id, None)
        store.jobs.finished(job_id, True)


def _holder_pid(store: st.Store) -> int:
    lease = store.leases.get() or {}
    return int(str(lease["holder"]).split(":")[1]) if lease.get("held") else 0


def test_two_listeners_on_one_postgresql_store_dispatch_each_job_once_and_the_survivor_carries_on(
        tmp_path: Path, postgres_database: str) -> None:
    store = st.open_store(postgres_database)
    procs: list[ListenerProcess] = []
    try:
        for name in DEVICES:  # several devices behind one address: told apart by hostname
            store.devices.upsert(name, "127.0.0.1", 830, "junos", {"hostname": name})
            store.devices.set_status(name, "In Sync", "test")
        store.devices.set_settings({"resync_delay": DELAY, "damping_window": 10, "damper_interval": 1})
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            procs.append(ListenerProcess({
                "store": postgres_database, "syslog_udp": "127.0.0.1:%d" % port, "tick": 0.2,
                "leader_lease": LEASE, "batch_window": 0.5, "batch_hold": 0, "start_timeout": 600, "job_timeout": 600,
                "consistency_interval": 0, "netconf_notifications": False}, tmp_path / ("listener%d.log" % i)))
        for p in procs:
            p.wait_for("listening", lambda p=p: b"syslog UDP on" in p.log.read_bytes())
        leader_pid = procs[0].wait_for("a leader", lambda: _holder_pid(store))
        [leader] = [p for p in procs if p.pid == leader_pid]
        [standby] = [p for p in procs if p is not leader]

        # 1. a burst of commits, each sent to both listeners: one job per device, dispatched once, by the leader
        _send(ports, DEVICES, 25)
        leader.wait_for("a dispatch for every device", lambda: len(_dispatches(procs)) >= len(DEVICES))
        time.sleep(DELAY + 2 * LEASE)  # anything else either listener would dispatch for this burst
        first = _dispatches(procs)
        assert sorted(name for _pid, name, _job in first) == DEVICES, first
        assert {pid for pid, _name, _job in first} == {leader.pid}
        assert len({job for _pid, _name, job in first}) == len(DEVICES)
        _run_jobs(store, first)
        leader.wait_for("the jobs followed to their end", lambda: all(
            (store.devices.get(n) or {}).get("managed_status") == "In Sync" for n in DEVICES))

        # 2. commits of r1..r3: the leader persists their pending jobs, and is killed before they fall due
        _send(ports, DEVICES[:3], 5)
        leader.wait_for("pending jobs in the store", lambda: all(
            (store.jobs.load_damper_states().get(n) or {}).get("pending") for n in DEVICES[:3]))
        leader.kill()
        killed_at = time.monotonic()
        # 3. a commit of r4 while no listener leads: only the standby receives it
        _send(ports, DEVICES[3:], 3)
        standby.wait_for("the standby to dispatch every device again",
                         lambda: len(_dispatches(procs)) >= 2 * len(DEVICES), timeout=LEASE + DELAY + 30)
        failover = time.monotonic() - killed_at
        assert _holder_pid(store) == standby.pid
        time.sleep(DELAY + 2 * LEASE)
        second = [d for d in _dispatches(procs) if d not in first]
        assert sorted(name for _pid, name, _job in second) == DEVICES, second
        assert {pid for pid, _name, _job in second} == {standby.pid}
        # each job dispatched exactly once, whichever listener emitted it
        assert [job for job, n in Counter(job for _pid, _name, job in first + second).items() if n > 1] == []
        assert failover < LEASE + DELAY + 30
        rows = store.db.query("SELECT device FROM notifications WHERE device = 'r4' AND source LIKE 'inbox:standby%'")
        assert rows, "r4's commit reached the new leader through the inbox"
    finally:
        for p in procs:
            p.stop()
        store.close()
