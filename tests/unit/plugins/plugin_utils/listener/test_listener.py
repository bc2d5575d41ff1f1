"""The auto-resync listener core on a real SQLite store, with a fake clock (no servers)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from tests.support.clock import Clock
from tests.unit.plugins.plugin_utils.listener.listener_fixtures import T0, completed, started


def emit(listener: Listener, now: float) -> list[dict[str, Any]]:
    """What the event source does: tick, put each event in the rulebook's queue, mark it emitted."""
    events = listener.tick(now)
    for event in events:
        listener.emitted(event)
    listener.flush()
    return events


@pytest.fixture
def devices() -> Any:
    """Four devices (r3 and r4 share an address; r1 and r2's hostname facts are not their names)."""
    return (("r1", "10.0.0.1", "r1-re0"), ("r2", "10.0.0.2", "r2-re0"), ("r3", "127.0.0.1", "r3"),
            ("r4", "127.0.0.1", "r4"))


def notifications(store: st.Store) -> list[dict[str, Any]]:
    return store.db.query("SELECT device, source, kind, accepted, reason, commit_user FROM notifications "
                          "ORDER BY id")


def device(store: st.Store, name: str) -> dict[str, Any]:
    row = store.devices.get(name)
    assert row is not None
    return row


def run_job(store: st.Store, clock: Clock, job_id: str, device: str, ok: bool = True) -> None:
    """What the resync module writes to the jobs table."""
    store.jobs.started(job_id, device, "auto")
    clock.now += 1
    store.jobs.read(job_id, None)
    store.jobs.finished(job_id, ok, "test")


def test_known_source_by_address_marks_out_of_sync_and_schedules(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    decision = lis.ingest_syslog(completed("whatever"), "10.0.0.1", clock.now)
    assert decision is not None and decision.device == "r1" and decision.action == "schedule"
    lis.flush()
    assert device(store, "r1")["managed_status"] == "Out of Sync"
    rows = notifications(store)
    assert [(r["device"], r["source"], r["kind"], r["accepted"]) for r in rows] == [
        ("r1", "syslog-udp:10.0.0.1", "commit", 1)]
    assert rows[0]["reason"].startswith("scheduled: job due at")
    assert store.jobs.load_damper_states()["r1"]["pending"]["due"] == T0 + 20


def test_unknown_source_is_dropped_counted_and_recorded(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    assert lis.ingest_syslog(completed("stranger"), "10.9.9.9", clock.now) is None
    lis.flush()
    assert lis.counters["dropped:unknown-source"] == 1
    rows = notifications(store)
    assert [(r["device"], r["accepted"]) for r in rows] == [(None, 0)]
    assert "unknown source" in rows[0]["reason"]
    assert store.jobs.load_damper_states() == {}
    assert emit(lis, clock.now + 100) == []


def test_repeated_notifications_are_recorded_once_per_batch(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    for i in range(5):
        lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + i)
        lis.ingest_syslog(completed("x"), "10.9.9.9", T0 + i)
    lis.flush()
    rows = notifications(store)
    assert [(r["device"], r["accepted"]) for r in rows] == [("r1", 1), (None, 0), ("r1", 1)]
    assert rows[2]["reason"].startswith("damped:") and rows[2]["reason"].endswith("(and 3 more like it)")
    assert rows[1]["reason"].endswith("(and 4 more like it)")
    assert lis.counters["accepted"] == 5


def test_shared_address_resolved_by_hostname(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    d3 = lis.ingest_syslog(completed("r3"), "127.0.0.1", clock.now)
    d4 = lis.ingest_syslog(completed("R4"), "127.0.0.1", clock.now)
    assert (d3 and d3.device, d4 and d4.device) == ("r3", "r4")
    # a shared address with a hostname of another device's address is not trusted
    assert lis.ingest_syslog(completed("r1-re0"), "127.0.0.1", clock.now) is None


def test_unknown_address_is_dropped_unless_hostnames_are_trusted(store: st.Store, clock: Clock) -> None:
    strict = Listener(store)
    assert strict.ingest_syslog(completed("r2-re0"), "192.0.2.7", clock.now) is None
    assert strict.ingest_syslog(completed("r2"), "192.0.2.7", clock.now) is None
    assert strict.counters["dropped:unknown-source"] == 2
    trusting = Listener(store, match_hostname=True)
    decision = trusting.ingest_syslog(completed("r2-re0"), "192.0.2.7", clock.now)
    assert decision is not None and decision.device == "r2"
    assert trusting.ingest_syslog(completed("nobody"), "192.0.2.7", clock.now) is None


def test_malformed_and_non_commit_lines_are_counted(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    junk = (b"UI_COMMIT\x00\x01garbage", b"<999>1 x UI_COMMIT", "UI_COMMIT é".encode("latin-1"),
            b"<189>1 2026-02-30T00:00:00Z r1 mgd 1 UI_COMMIT_COMPLETED - x")
    for line in junk:
        assert lis.ingest_syslog(line, "10.0.0.1", clock.now) is None
    for other in (b"", b"random noise", b"<190>1 2026-07-06T03:52:49Z r1 mgd 1 UI_COMMIT_PROGRESS - x"):
        assert lis.ingest_syslog(other, "10.0.0.1", clock.now) is None
    assert lis.counters["malformed"] == 4
    assert lis.counters["not-a-commit"] == 3
    assert lis.counters["received"] == 7
    lis.flush()
    assert notifications(store) == []


def test_commit_started_triggers_only_until_device_sends_completed(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    first = lis.ingest_syslog(started("r1"), "10.0.0.1", clock.now)
    assert first is not None and first.action == "schedule"
    assert lis.ingest_syslog(completed("r1"), "10.0.0.1", clock.now + 1) is not None
    assert lis.ingest_syslog(started("r1"), "10.0.0.1", clock.now + 2) is None
    assert lis.counters["not-a-trigger"] == 1


def test_burst_gives_one_event_at_resync_delay(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    actions = [lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + dt).action  # type: ignore[union-attr]
               for dt in (0, 5, 10, 15)]
    assert actions == ["schedule", "damp", "damp", "damp"]
    assert emit(lis, T0 + 19.9) == []
    events = emit(lis, T0 + 20)
    assert len(events) == 1
    body = events[0]["netsync"]
    assert body["type"] == "resync" and body["devices"] == ["r1"] and body["limit"] == "r1"
    assert set(body["job_ids"]) == {"r1"}
    assert emit(lis, T0 + 60) == []


def test_devices_due_together_are_batched(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    lis.ingest_syslog(completed("r2"), "10.0.0.2", T0 + 3)
    lis.ingest_syslog(completed("r3"), "127.0.0.1", T0 + 30)
    events = emit(lis, T0 + 25)
    assert len(events) == 1
    body = events[0]["netsync"]
    assert body["devices"] == ["r1", "r2"] and body["limit"] == "r1,r2"
    assert events[0]["meta"] == {"hosts": ["r1", "r2"]}
    assert len(set(body["job_ids"].values())) == 2
    assert emit(lis, T0 + 51)[0]["netsync"]["devices"] == ["r3"]


def test_batch_window_gathers_jobs_due_a_moment_apart(store: st.Store, clock: Clock) -> None:
    eager, gathering = Listener(store), Listener(store, batch_window=1.0)
    for lis in (eager, gathering):
        for dt, (host, addr) in zip((0.0, 0.3, 0.6), (("r1", "10.0.0.1"), ("r2", "10.0.0.2"), ("r3", "127.0.0.1")),
                                    strict=True):
            lis.ingest_syslog(completed(host), addr, T0 + dt)
    assert [e["netsync"]["devices"] for e in emit(eager, T0 + 20.0)] == [["r1"]]  # split: r2, r3 not yet due
    assert gathering.next_wakeup() == T0 + 21.0  # the first due job, plus the window
    assert emit(gathering, T0 + 20.0) == [] and emit(gathering, T0 + 20.9) == []
    events = emit(gathering, T0 + 21.0)
    assert [e["netsync"]["devices"] for e in events] == [["r1", "r2", "r3"]]
    assert gathering.next_wakeup() is not None and emit(gathering, T0 + 22.0) == []  # running, none pending


def test_next_batch_waits_until_the_previous_one_ended(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, batch_window=1.0, batch_hold=60.0)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    lis.ingest_syslog(completed("r2"), "10.0.0.2", T0 + 5)
    [first] = emit(lis, T0 + 21)
    assert first["netsync"]["devices"] == ["r1"]
    assert emit(lis, T0 + 27) == []  # r2 due since T0+25, but r1's run has not started: gather
    clock.now = T0 + 27.5
    job_id = first["netsync"]["job_ids"]["r1"]
    store.jobs.started(job_id, "r1", "auto")
    lis.poll_jobs(T0 + 28)
    assert emit(lis, T0 + 28) == []  # r1's run goes: r2 joins the next run, once it has ended
    clock.now = T0 + 29
    store.jobs.read(job_id, None)
    store.jobs.finished(job_id, True, "test")
    lis.poll_jobs(T0 + 29.5)
    assert [e["netsync"]["devices"] for e in emit(lis, T0 + 29.5)] == [["r2"]]


def test_batch_hold_is_bounded(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, batch_window=1.0, batch_hold=5.0)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    lis.ingest_syslog(completed("r2"), "10.0.0.2", T0 + 5)
    assert [e["netsync"]["devices"] for e in emit(lis, T0 + 21)] == [["r1"]]
    assert emit(lis, T0 + 29.9) == []  # r2 due at T0+25, r1's run not ended: held up to 5 s
    assert [e["netsync"]["devices"] for e in emit(lis, T0 + 30)] == [["r2"]]  # r1's run never ended


def test_job_lifecycle_from_jobs_table(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    clock.now = T0 + 20
    job_id = emit(lis, clock.now)[0]["netsync"]["job_ids"]["r1"]
    clock.now += 1
    store.jobs.started(job_id, "r1", "auto")
    store.devices.set_status("r1", "Synchronizing", "module")
    assert [d.action for d in lis.poll_jobs(clock.now)] == ["start"]
    assert lis.states["r1"].status == "Synchronizing"
    clock.now += 1
    store.jobs.read(job_id, 1234.0)
    store.jobs.finished(job_id, True, "snapshot 2")
    store.devices.set_status("r1", "In Sync", "module")
    assert [d.action for d in lis.poll_jobs(clock.now)] == ["read", "finish"]
    assert lis.states["r1"].status == "In Sync"
    assert device(store, "r1")["managed_status"] == "In Sync"
    assert store.jobs.load_damper_states()["r1"]["running"] is None
    assert lis.jobs == {}


def test_commit_after_read_gets_follow_up_and_status_stays_out_of_sync(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    clock.now = T0 + 20
    job_id = emit(lis, clock.now)[0]["netsync"]["job_ids"]["r1"]
    clock.now += 1
    store.jobs.started(job_id, "r1", "auto")
    lis.poll_jobs(clock.now)
    clock.now += 1
    store.jobs.read(job_id, None)
    lis.poll_jobs(clock.now)
    clock.now += 1
    follow = lis.ingest_syslog(completed("r1"), "10.0.0.1", clock.now)
    assert follow is not None and follow.action == "follow-up"
    clock.now += 1
    store.jobs.finished(job_id, True, "snapshot")
    store.devices.set_status("r1", "In Sync", "module says in sync")
    lis.poll_jobs(clock.now)
    assert device(store, "r1")["managed_status"] == "Out of Sync"
    events = emit(lis, T0 + 43)
    assert events and events[0]["netsync"]["devices"] == ["r1"]


def test_restart_keeps_pending_job(store: st.Store, store_path: str, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    lis.flush()
    del lis
    again = Listener(st.open_store(store_path, clock=clock))
    assert emit(again, T0 + 19) == []
    events = emit(again, T0 + 20)
    assert [e["netsync"]["devices"] for e in events] == [["r1"]]
    again.store.close()


def test_restart_recovers_dispatched_job_from_jobs_table(store: st.Store, store_path: str,
                                                         clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    clock.now = T0 + 20
    job_id = emit(lis, clock.now)[0]["netsync"]["job_ids"]["r1"]
    del lis  # the listener dies after dispatching; the job runs meanwhile
    clock.now += 1
    run_job(store, clock, job_id, "r1")
    again = Listener(st.open_store(store_path, clock=clock))
    assert emit(again, clock.now) == []  # no second dispatch
    assert [d.action for d in again.poll_jobs(clock.now)] == ["start", "read", "finish"]
    assert again.states["r1"].status == "In Sync"
    again.store.close()


def test_job_that_never_reports_times_out_and_is_retried(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, job_timeout=30)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    assert emit(lis, T0 + 20)
    assert emit(lis, T0 + 50) == []
    assert device(store, "r1")["managed_status"] == "Sync Failed"
    assert emit(lis, T0 + 50 + 40)[0]["netsync"]["devices"] == ["r1"]


def test_inbox_rows_notify_known_devices(store: st.Store, clock: Clock) -> None:
    store.jobs.inbox_put("r2", "callback", '{"user": "ansible"}')
    store.jobs.inbox_put("ghost", "callback", "")
    lis = Listener(store)
    decisions = lis.ingest_inbox(clock.now)
    assert [(d.device, d.action) for d in decisions] == [("r2", "schedule")]
    assert lis.counters["dropped:unknown-device"] == 1
    rows = notifications(store)
    assert [(r["device"], r["accepted"], r["commit_user"]) for r in rows] == [
        ("r2", 1, "ansible"), (None, 0, None)]
    assert lis.ingest_inbox(clock.now) == []


def test_settings_from_store_per_device(store: st.Store, clock: Clock) -> None:
    store.devices.set_settings({"resync_delay": 2}, device="r2")
    store.devices.set_settings({"auto_resync": False}, device="r3")
    lis = Listener(store)
    assert lis.ingest_syslog(completed("r2"), "10.0.0.2", T0).due == T0 + 2  # type: ignore[union-attr]
    off = lis.ingest_syslog(completed("r3"), "127.0.0.1", T0)
    assert off is not None and off.action == "disabled"
    lis.flush()
    assert device(store, "r3")["managed_status"] == "Out of Sync"
    assert emit(lis, T0 + 100)[0]["netsync"]["devices"] == ["r2"]


def test_settings_a_new_state_reads_now_and_a_followed_device_at_the_next_refresh(store: st.Store,
                                                                                   clock: Clock) -> None:
    lis = Listener(store, reindex_every=30.0)
    lis.refresh(T0)
    assert lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + 1).due == T0 + 21  # type: ignore[union-attr]
    store.devices.set_settings({"resync_delay": 3}, device="r2")
    store.devices.set_settings({"resync_delay": 7}, device="r1")
    # r2's first notification: its settings are read from the store now
    assert lis.ingest_syslog(completed("r2"), "10.0.0.2", T0 + 2).due == T0 + 5  # type: ignore[union-attr]
    assert lis.states["r1"].settings.resync_delay == 20.0  # r1 is followed: its settings wait for the refresh
    lis.refresh(T0 + 3)  # one read of every device's settings
    assert lis.states["r1"].settings.resync_delay == 7.0 and lis.states["r2"].settings.resync_delay == 3.0


def test_first_notifications_read_the_settings_again_only_when_they_changed(store: st.Store, clock: Clock,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of first commits from a large fleet: one lookup of the settings version per new device, and
    one read of every device's settings only when the version moved (set_settings, a device removed)."""
    lis = Listener(store, reindex_every=3600.0)
    lis.refresh(T0)
    reads: list[int] = []
    real = store.devices.settings_by_device
    monkeypatch.setattr(store.devices, "settings_by_device", lambda: reads.append(1) or real())
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + 1)
    assert reads == []  # the refresh's read is current
    store.devices.set_settings({"resync_delay": 4}, device="r2")
    store.devices.set_settings({"resync_delay": 4}, device="r2")  # no change, no new version
    assert lis.ingest_syslog(completed("r2"), "10.0.0.2", T0 + 2).due == T0 + 6  # type: ignore[union-attr]
    lis.ingest_syslog(completed("r3"), "127.0.0.1", T0 + 3)
    assert reads == [1]


def test_manual_resync_takes_over_the_pending_job(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.poll_jobs(clock.now)  # jobs before the listener's first poll are not followed
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + 1)
    clock.now = T0 + 5
    run_job(store, clock, "manual-1", "r1")
    assert [d.action for d in lis.poll_jobs(clock.now)] == ["start", "read", "finish"]
    assert lis.states["r1"].status == "In Sync" and lis.states["r1"].pending is None
    assert emit(lis, T0 + 60) == []
    assert lis.poll_jobs(clock.now + 1) == []  # seen once


def test_reports_of_a_timed_out_job_are_ignored(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, job_timeout=30)
    lis.poll_jobs(clock.now)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0)
    job_id = emit(lis, T0 + 20)[0]["netsync"]["job_ids"]["r1"]
    emit(lis, T0 + 50)
    assert lis.states["r1"].status == "Sync Failed"
    clock.now = T0 + 51
    run_job(store, clock, job_id, "r1")
    assert lis.poll_jobs(clock.now) == []
    assert lis.states["r1"].status == "Sync Failed" and lis.states["r1"].pending is not None


def test_records_keep_the_arrival_time_not_the_flush_time(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + 7)
    lis.ingest_syslog(completed("r1"), "10.0.0.1", T0 + 8)  # damped: a record of its own
    clock.now = T0 + 50
    lis.flush()
    rows = store.db.query("SELECT received_at, reason FROM notifications ORDER BY id")
    assert [r["received_at"] for r in rows] == [T0 + 7, T0 + 8]
