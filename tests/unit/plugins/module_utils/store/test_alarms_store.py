"""Alarms and metrics in the store (child side and master copies), on SQLite (PostgreSQL: from tests/system)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import AlarmConfig, Signal
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import (
    apply_signals,
    evaluate_alarms,
    record_resync,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import SCHEMA_VERSION
from tests.support.clock import Clock

T0 = 1_000_000.0


@pytest.fixture
def url(tmp_path: Path) -> str:
    """SQLite here; tests/system/plugins/module_utils/store/test_alarms_store_postgresql.py: PostgreSQL."""
    return str(tmp_path / "fleet.db")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(url: str, clock: Clock) -> Iterator[st.Store]:
    s = st.open_store(url, clock=clock)
    s.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
    s.devices.upsert("r2", "10.0.0.2", 830, "junos", {})
    yield s
    s.close()


def test_schema_has_migration_4(store: st.Store) -> None:
    rows = store.db.query("SELECT value FROM store_meta WHERE key = 'schema_version'")
    assert int(rows[0]["value"]) == SCHEMA_VERSION and SCHEMA_VERSION >= 4  # every migration, the 4th included


def test_signals_queue_with_sequence_numbers(store: st.Store, clock: Clock) -> None:
    epoch = store.alarms.epoch()
    assert store.alarms.epoch() == epoch and store.alarms.cursor() == 0
    assert apply_signals(store.alarms, [Signal("sync_failed", "r1", True, T0, "boom")]) == 1
    assert apply_signals(store.alarms, [Signal("sync_failed", "r1", True, T0 + 1, "again"),
                                Signal("unknown_source", "10.9.9.9", True, T0 + 1, "who")]) == 2
    active = store.alarms.select(state="active")
    assert [(a["type"], a["count"], a["seq"], a["state"]) for a in active] == [
        ("sync_failed", 2, 2, "active"), ("unknown_source", 1, 3, "active")]
    assert active[0]["message"] == "again" and active[0]["severity"] == "major"
    assert apply_signals(store.alarms, [Signal("sync_failed", "r1", False, T0 + 5)]) == 1
    page = store.alarms.changes(0, 1)  # compacted: two alarms, their last changes 3 and 4
    assert page["more"] is True and [a["seq"] for a in page["alarms"]] == [3] and page["cursor"] == 3
    rest = store.alarms.changes(page["cursor"], 2)
    assert rest["more"] is False and [a["seq"] for a in rest["alarms"]] == [4] and rest["cursor"] == 4
    assert rest["alarms"][0]["state"] == "cleared" and rest["alarms"][0]["cleared_at"] == T0 + 5
    assert store.alarms.changes(4, 2) == {"cursor": 4, "more": False, "alarms": []}
    assert store.alarms.cursor() == 4
    # a new raise of the same key is a new alarm
    apply_signals(store.alarms, [Signal("sync_failed", "r1", True, T0 + 9, "boom 2")])
    assert [a["id"] for a in store.alarms.select(device="r1")] == [1, 3]


def test_record_resync_raises_and_clears_and_records_metrics(store: st.Store, clock: Clock) -> None:
    record_resync(store.alarms, store.metrics, "r1", False, T0 - 2, "unreachable: refused", down=True)
    types = {a["type"] for a in store.alarms.select(state="active")}
    assert types == {"sync_failed", "connection_down"}
    clock.now += 60
    record_resync(store.alarms, store.metrics, "r1", True, clock.now - 1.5, size=1234)
    assert store.alarms.select(state="active") == []
    assert [a["type"] for a in store.alarms.select(state="cleared")] == ["sync_failed", "connection_down"]
    assert store.metrics.series("resync_duration", "r1", 0, 2e9) == [(T0, 2.0), (T0 + 60, 1.5)]
    assert store.metrics.series("jobs_run", "r1", 0, 2e9) == [(T0, 0.0), (T0 + 60, 1.0)]
    assert store.metrics.series("config_size", "r1", 0, 2e9) == [(T0 + 60, 1234.0)]
    index = {s["name"]: s for s in store.metrics.index("r1")}
    assert set(index) == {"resync_duration", "jobs_run", "config_size"} and index["jobs_run"]["points"] == 2
    assert store.metrics.index("r1", "config_size")[0]["first"] == T0 + 60
    assert store.metrics.index("nope") == []


def test_evaluate_out_of_sync_down_and_expiry(store: st.Store, clock: Clock) -> None:
    cfg = AlarmConfig(out_of_sync_after=600, event_ttl=3600)
    store.devices.set_status("r1", "Out of Sync", "a commit")
    store.devices.set_status("r2", "Sync Failed", "timeout", "down")  # e.g. a listener job timeout: no resync hook ran
    apply_signals(store.alarms, [Signal("unknown_source", "10.9.9.9", True, T0, "who")])
    clock.now += 599
    assert {a["type"] for a in store.alarms.select("active")} == {"unknown_source"}
    assert evaluate_alarms(store.alarms, store.devices, cfg) == 2  # r2: sync_failed + connection_down
    assert evaluate_alarms(store.alarms, store.devices, cfg) == 0  # idempotent
    clock.now += 1
    assert evaluate_alarms(store.alarms, store.devices, cfg) == 1
    oos = [a for a in store.alarms.select("active") if a["type"] == "out_of_sync"]
    assert oos and oos[0]["device"] == "r1" and oos[0]["raised_at"] == T0 + 600
    clock.now += 3600
    store.devices.set_status("r1", "In Sync", "resynced")
    store.devices.remove("r2")
    evaluate_alarms(store.alarms, store.devices, cfg)
    assert store.alarms.select("active") == []


def test_purge_moves_the_horizon(store: st.Store, clock: Clock) -> None:
    apply_signals(store.alarms, [Signal("sync_failed", "r1", True, T0), Signal("sync_failed", "r2", True, T0)])
    apply_signals(store.alarms, [Signal("sync_failed", "r1", False, T0 + 10)])
    assert store.alarms.purge(T0 + 5) == 0 and store.alarms.horizon() == 0
    assert store.alarms.purge(T0 + 11) == 1 and store.alarms.horizon() == 3
    assert [a["device"] for a in store.alarms.select()] == ["r2"]


def test_metric_series_range_and_paging(store: st.Store) -> None:
    store.metrics.record(("commits_notified", "r1", T0 + i, float(i)) for i in range(10))
    store.metrics.record([("commits_notified", "r1", T0 + 3, 33.0)])  # same time: replaced
    assert store.metrics.series("commits_notified", "r1", T0 + 2, T0 + 4) == [(T0 + 2, 2.0), (T0 + 3, 33.0),
                                                                             (T0 + 4, 4.0)]
    assert store.metrics.series("commits_notified", "r1", T0, T0 + 9, after=T0 + 7, limit=5) == [
        (T0 + 8, 8.0), (T0 + 9, 9.0)]
    assert store.metrics.series("commits_notified", "r2", 0, 2e9) == []


def test_master_copies_claim_and_sources(store: st.Store) -> None:
    assert store.fed_alarms.pulls.claim("east", "https://e", T0, 50) is True
    assert store.fed_alarms.pulls.claim("east", "https://e", T0 + 10, 50) is False  # pulled 10 s ago
    assert store.fed_alarms.pulls.claim("east", "https://e2", T0 + 11, 50) is True  # it moved
    assert store.fed_alarms.pulls.claim("east", "https://e2", T0 + 62, 50) is True
    alarms = [{"id": 1, "device": "r1", "severity": "major", "cleared_at": None, "type": "sync_failed"},
              {"id": 2, "device": "r2", "severity": "warning", "cleared_at": T0, "type": "unknown_source"}]
    assert store.fed_alarms.apply("east", alarms) == 2
    store.fed_alarms.apply("west", alarms[:1])
    assert [(a["child"], a["id"]) for a in store.fed_alarms.select()] == [("east", 1), ("east", 2), ("west", 1)]
    assert [a["id"] for a in store.fed_alarms.select(children=["east"], cleared=False)] == [1]
    found = store.fed_alarms.select(device="r1", severities=["critical", "major"])
    assert [a["child"] for a in found] == ["east", "west"]
    assert store.fed_alarms.select(children=[]) == []
    store.fed_alarms.apply("east", [dict(alarms[0], cleared_at=T0 + 1)], replace=True)
    assert [(a["id"], a["cleared_at"]) for a in store.fed_alarms.select(children=["east"])] == [(1, T0 + 1)]
    with pytest.raises(ValueError, match="malformed"):  # a child's garbage: nothing written
        store.fed_alarms.apply("east", [dict(alarms[0], id=9), {"id": "x", "device": "r1"}])
    assert [a["id"] for a in store.fed_alarms.select(children=["east"])] == [1]
    store.fed_alarms.pulls.save("east", cursor=7, epoch="e1", stale=1, error="down")
    assert store.fed_alarms.pulls.all()["east"]["cursor"] == 7
    with pytest.raises(ValueError):
        store.fed_alarms.pulls.save("east", bogus=1)
    store.fed_alarms.forget("east")
    assert "east" not in store.fed_alarms.pulls.all() and {a["child"] for a in store.fed_alarms.select()} == {"west"}
    assert store.fed_alarms.metric_sources("jobs_run", "r1") is None
    store.fed_alarms.save_metric_sources("jobs_run", "r1", "cfg1", T0, {"children": {"east": {"first": 1.0}}})
    store.fed_alarms.save_metric_sources("jobs_run", "r1", "cfg2", T0 + 1, {"children": {}})
    assert store.fed_alarms.metric_sources("jobs_run", "r1") == {"config": "cfg2", "determined_at": T0 + 1,
                                                          "sources": {"children": {}}}
