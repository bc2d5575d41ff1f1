"""Nothing the listener decided is lost when the store fails, when it is killed, or when a device
goes away (a real SQLite store, a fake clock, faults injected into the store's writes)."""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from tests.support.clock import Clock
from tests.unit.plugins.plugin_utils.listener.listener_fixtures import COMMIT, T0

def failing(store: Any, method: str, times: int = 1) -> Callable[[], int]:
    """Make ``store.<method>`` raise 'database is locked' the next ``times`` calls; returns a call counter."""
    real = getattr(store, method)
    calls = [0]

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            raise sqlite3.OperationalError("database is locked")
        return real(*args, **kwargs)
    setattr(store, method, fake)
    return lambda: calls[0]


def test_store_failure_mid_flush_keeps_every_record_state_and_status(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    assert lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now) is not None
    failing(store.jobs, "save_damper_states")  # the notification row is written first, then this fails
    with pytest.raises(sqlite3.OperationalError):
        lis.flush()
    assert lis.counters["store-write-failures"] == 1
    assert store.db.query("SELECT COUNT(*) AS n FROM notifications")[0]["n"] == 0  # rolled back, all of it
    assert store.devices.get("r1")["managed_status"] == "In Sync"  # type: ignore[index]
    lis.flush()  # the retry writes everything that was buffered
    rows = store.db.query("SELECT device, accepted, reason FROM notifications")
    assert [(r["device"], r["accepted"]) for r in rows] == [("r1", 1)] and rows[0]["reason"].startswith("scheduled")
    assert store.jobs.load_damper_states()["r1"]["pending"]["due"] == T0 + 20
    assert store.devices.get("r1")["managed_status"] == "Out of Sync"  # type: ignore[index]


def test_a_dispatch_whose_write_failed_is_emitted_on_the_next_pass(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    lis.flush()
    failing(store.jobs, "save_damper_states")
    with pytest.raises(sqlite3.OperationalError):
        lis.tick(T0 + 20)  # the dispatch is not persisted: no event goes out
    [event] = lis.tick(T0 + 21)
    assert event["netsync"]["devices"] == ["r1"]
    job_id = event["netsync"]["job_ids"]["r1"]
    assert store.jobs.load_damper_states()["r1"]["running"]["dispatch_id"] == job_id  # persisted before emitting


def test_an_event_never_emitted_is_emitted_after_a_restart(store: st.Store, clock: Clock) -> None:
    lis = Listener(store)
    lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    [event] = lis.tick(T0 + 20)  # killed before the event reached the rulebook's queue
    again = Listener(store)
    again.refresh(T0 + 30)
    [event2] = again.tick(T0 + 30)
    assert event2["netsync"]["job_ids"] == event["netsync"]["job_ids"]  # the same job, not a second one
    again.emitted(event2)
    again.flush()
    third = Listener(store)
    assert third.tick(T0 + 31) == []  # emitted and persisted: not again


def test_an_emitted_job_that_never_starts_is_dispatched_again(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, start_timeout=30.0)
    lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    [event] = lis.tick(T0 + 20)
    lis.emitted(event)
    lis.flush()
    lis.ingest_syslog(COMMIT, "10.0.0.1", T0 + 25)  # "covered" by the job that will not run
    assert lis.tick(T0 + 49) == []
    [again] = lis.tick(T0 + 50)
    assert again["netsync"]["devices"] == ["r1"]
    assert again["netsync"]["job_ids"]["r1"] != event["netsync"]["job_ids"]["r1"]
    assert lis.counters["decision:redispatch"] == 1
    assert store.devices.get("r1")["managed_status"] == "Out of Sync"  # type: ignore[index]  # not Sync Failed


def test_a_removed_device_takes_its_pending_job_with_it(store: st.Store, clock: Clock) -> None:
    lis = Listener(store, reindex_every=1000.0)
    lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now)
    lis.flush()
    assert "r1" in store.jobs.load_damper_states()
    assert store.devices.remove("r1")
    assert "r1" not in store.jobs.load_damper_states()
    assert lis.tick(T0 + 20) == []  # due, but the store no longer holds r1: never dispatched
    assert "r1" not in lis.states and lis.counters["removed-devices"] == 1
    assert "r1" not in store.jobs.load_damper_states()  # and its state is not written back
    assert lis.tick(T0 + 2000) == []


def test_one_device_with_a_bad_stored_setting_never_stops_the_others(store: st.Store, clock: Clock) -> None:
    """An older store (or a hand edit) holds damper_interval 0 for r1: r1 falls back to the
    default, and both devices' commits are scheduled and dispatched."""
    store.db.execute("INSERT INTO settings (scope, key, value) VALUES ('r1', 'damper_interval', '0')")
    with pytest.raises(st.StoreError, match="damper_interval must be from 0.1 to 3600"):
        store.devices.set_settings({"damper_interval": 0}, "r2")  # refused at the door, naming the setting
    assert store.devices.get_settings("r1")["damper_interval"] == 20.0
    lis = Listener(store)
    two = COMMIT.replace(b" r1 ", b" r2 ")
    assert lis.ingest_syslog(COMMIT, "10.0.0.1", clock.now) is not None
    assert lis.ingest_syslog(two, "10.0.0.2", clock.now) is not None
    [event] = lis.tick(T0 + 20)
    assert event["netsync"]["devices"] == ["r1", "r2"]


def test_forged_sources_cannot_flood_the_alarm_queue_or_the_store(store: st.Store, clock: Clock) -> None:
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import core
    lis = Listener(store)
    lis.refresh(T0)
    refreshes = [0]
    real = lis.refresh

    def counting(now: float) -> None:
        refreshes[0] += 1
        real(now)
    lis.refresh = counting  # type: ignore[method-assign]
    for i in range(2000):  # 2,000 forged addresses within 20 s
        lis.ingest_syslog(COMMIT, "198.51.100.%d" % (i % 250) if i < 250 else "203.0.%d.%d" % (i // 250, i % 250),
                          T0 + 2 + i * 0.01)
    lis.flush()
    alarms = store.db.query("SELECT device FROM alarms WHERE type = 'unknown_source'")
    assert len(alarms) == core.UNKNOWN_ALARM_SOURCES + 1  # 20 sources, and one for the rest
    assert "(more sources)" in {a["device"] for a in alarms}
    assert refreshes[0] == 2  # at T0+2 and T0+12: once every 10 s, not once a second (or per message)
    assert lis.counters["dropped:unknown-source"] == 2000
