"""The alarm rules (pure): plan, device state rules, expiry, the listener's buffer and PRI check."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import (
    ERROR_PRIS,
    AlarmConfig,
    Signal,
    SignalBuffer,
    alarm_key,
    device_signals,
    expired_signals,
    plan,
    severity_rank,
    syslog_severity,
    syslog_signal,
)

CFG = AlarmConfig(out_of_sync_after=600, event_ttl=3600)


def row(status: str = "In Sync", conn: str = "up", changed: float = 1000.0, synced: Any = 900.0) -> dict[str, Any]:
    return {"name": "r1", "managed_status": status, "connection_state": conn, "status_reason": "why",
            "status_changed_at": changed, "last_synced": synced}


def test_plan_raise_repeat_clear() -> None:
    up = Signal("sync_failed", "r1", True, 10.0, "boom")
    changes = plan({}, [up, Signal("sync_failed", "r1", True, 11.0, "again"), Signal("sync_failed", "r1", False, 12.0)])
    assert [(c.action, c.count) for c in changes] == [("raise", 2), ("clear", 1)]
    active = {up.key: {"id": 7, "count": 3}}
    changes = plan(active, [Signal("sync_failed", "r1", True, 20.0, "x", times=2),
                            Signal("sync_failed", "r1", True, 21.0)])
    assert [(c.action, c.alarm_id, c.count, c.at) for c in changes] == [("repeat", 7, 6, 21.0)]
    assert plan({}, [Signal("out_of_sync", "r1", False, 1.0)]) == []  # nothing to clear
    with pytest.raises(ValueError):
        plan({}, [Signal("bogus", "r1", True, 1.0)])


def test_plan_keys_are_independent() -> None:
    sigs = [Signal("device_syslog", "r1", True, 1.0, subject="A"),
            Signal("device_syslog", "r1", True, 1.0, subject="B"),
            Signal("device_syslog", "r2", True, 1.0, subject="A")]
    assert [c.action for c in plan({}, sigs)] == ["raise"] * 3
    assert len({c.key for c in plan({}, sigs)}) == 3


def test_device_sync_failed_needs_a_later_read_to_clear() -> None:
    assert [(s.type, s.active, s.raised_at) for s in device_signals(row("Sync Failed"), {}, 2000.0, CFG)] == [
        ("sync_failed", True, 1000.0)]
    active = {alarm_key("sync_failed", "r1"): {"raised_at": 1000.0}}
    assert device_signals(row("Sync Failed"), active, 2000.0, CFG) == []
    # a notification made it Out of Sync, but no read since the raise: stays
    assert device_signals(row("Out of Sync", changed=1500.0, synced=900.0), active, 1600.0, CFG) == []
    cleared = device_signals(row("In Sync", synced=1700.0), active, 1800.0, CFG)
    assert [(s.type, s.active) for s in cleared] == [("sync_failed", False)]


def test_device_connection_down_and_up() -> None:
    down = device_signals(row("Sync Failed", conn="down"), {alarm_key("sync_failed", "r1"): {"raised_at": 1000.0}},
                          2000.0, CFG)
    assert [(s.type, s.active) for s in down] == [("connection_down", True)]
    active = {alarm_key("connection_down", "r1"): {"raised_at": 1000.0}}
    assert [(s.type, s.active) for s in device_signals(row(conn="up"), active, 2000.0, CFG)] == [
        ("connection_down", False)]
    assert device_signals(row(conn="unknown"), active, 2000.0, CFG) == []


def test_device_out_of_sync_threshold() -> None:
    assert device_signals(row("Out of Sync", changed=1000.0), {}, 1599.0, CFG) == []
    sigs = device_signals(row("Out of Sync", changed=1000.0), {}, 1600.0, CFG)
    assert [(s.type, s.active, s.raised_at) for s in sigs] == [("out_of_sync", True, 1600.0)]
    active = {alarm_key("out_of_sync", "r1"): {"raised_at": 1600.0}}
    assert device_signals(row("Synchronizing", changed=1700.0), active, 1800.0, CFG) == []  # a job runs: keep
    assert [(s.type, s.active) for s in device_signals(row("In Sync"), active, 1800.0, CFG)] == [("out_of_sync", False)]


def test_expired_event_alarms() -> None:
    active = [{"type": "unknown_source", "device": "10.9.9.9", "subject": "", "updated_at": 100.0},
              {"type": "device_syslog", "device": "r1", "subject": "CHASSISD_X", "updated_at": 3000.0},
              {"type": "sync_failed", "device": "r1", "subject": "", "updated_at": 0.0}]
    out = expired_signals(active, 3700.0, CFG)
    assert [(s.type, s.device, s.active) for s in out] == [("unknown_source", "10.9.9.9", False)]


def test_signal_buffer_merges_repeats_and_keeps_order() -> None:
    buf = SignalBuffer()
    for i in range(1000):
        buf.add(Signal("unknown_source", "10.9.9.9", True, float(i), "m%d" % i))
    assert len(buf) == 1
    buf.add(Signal("unknown_source", "10.9.9.9", False, 2000.0))
    buf.add(Signal("unknown_source", "10.9.9.9", True, 2001.0))
    out = buf.take()
    assert [(s.active, s.times) for s in out] == [(True, 1000), (False, 1), (True, 1)]
    assert out[0].raised_at == 0.0 and out[0].message == "m999"
    assert len(buf) == 0 and buf.take() == []
    changes = plan({}, out)
    assert [(c.action, c.count) for c in changes] == [("raise", 1000), ("clear", 1), ("raise", 1)]


def test_error_pri_check_matches_the_severity() -> None:
    for pri in range(192):
        line = b"<%d>1 2026-01-01T00:00:00Z r1 app - - - x" % pri
        assert (line[:line.find(b">", 1, 5) + 1] in ERROR_PRIS) == (pri % 8 <= 3)
    for line in (b"", b"<", b"<3", b"no pri <3>", b"<1000>x", b"Jul  6 03:52:49 r1 x"):
        assert line[:line.find(b">", 1, 5) + 1] not in ERROR_PRIS


def test_severities() -> None:
    assert [syslog_severity(n) for n in range(8)] == ["critical"] * 3 + ["major", "warning", "info", "info", "info"]
    assert severity_rank("critical") == 0 and severity_rank("info") == 4
    with pytest.raises(ValueError):
        severity_rank("bad")
    sig = syslog_signal("r1", 3, "CHASSISD_FRU_OFFLINE", "x" * 1000, 5.0)
    assert sig.severity == "major" and sig.subject == "CHASSISD_FRU_OFFLINE" and len(sig.message) == 500
