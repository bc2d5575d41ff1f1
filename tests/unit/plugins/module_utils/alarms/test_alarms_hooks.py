"""Alarm and metric hooks: the resync task (fake device) and the listener (fake clock, real SQLite store)."""
from __future__ import annotations

from pathlib import Path
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from tests.support.clock import Clock
from tests.unit.plugins.plugin_utils.listener.listener_fixtures import T0, completed
from tests.support.fake_device import FakeDevice
from tests.unit.plugins.module_utils.tasks.test_tasks import _params


def test_failed_resync_raises_and_next_good_one_clears(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    dev.error = DeviceError("unreachable", "connection refused")
    try:
        run_resync(_params(tmp_path), False, False, opener=dev)
        raise AssertionError("the resync should fail")
    except TaskFailed:
        pass
    with st.open_store(str(tmp_path / "s.db")) as s:
        active = {a["type"]: a for a in s.alarms.select("active")}
        assert set(active) == {"sync_failed", "connection_down"}
        assert "connection refused" in active["sync_failed"]["message"]
        assert [v for _t, v in s.metrics.series("jobs_run", "r1", 0, 2e10)] == [0.0]
    dev.error = DeviceError("rpc_error", "syntax error")  # not a connection problem: no second alarm
    try:
        run_resync(_params(tmp_path), False, False, opener=dev)
    except TaskFailed:
        pass
    with st.open_store(str(tmp_path / "s.db")) as s:
        assert [(a["type"], a["count"]) for a in s.alarms.select("active")] == [("sync_failed", 2),
                                                                                ("connection_down", 1)]
    dev.error = None
    dev.commit("r1-new")
    res = run_resync(_params(tmp_path), False, False, opener=dev)
    assert res["managed_status"] == "In Sync"
    with st.open_store(str(tmp_path / "s.db")) as s:
        assert s.alarms.select("active") == []
        assert [v for _t, v in s.metrics.series("jobs_run", "r1", 0, 2e10)] == [0.0, 0.0, 1.0]
        assert s.metrics.series("config_size", "r1", 0, 2e10)[0][1] == float(len(dev.config))
        assert len(s.metrics.series("resync_duration", "r1", 0, 2e10)) == 3


def test_check_mode_resync_records_nothing(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    run_resync(_params(tmp_path), True, False, opener=dev)
    with st.open_store(str(tmp_path / "s.db")) as s:
        assert s.metrics.index("r1") == [] and s.alarms.select() == []


def _listener(tmp_path: Path, clock: Clock) -> tuple[st.Store, Listener]:
    s = st.open_store(str(tmp_path / "fleet.db"), clock=clock)
    s.devices.upsert("r1", "10.0.0.1", 830, "junos", {"hostname": "r1"})
    s.devices.set_status("r1", "In Sync", "test")
    return s, Listener(s)


def test_listener_error_syslog_raises_device_syslog(tmp_path: Path) -> None:
    clock = Clock(T0)
    store, lis = _listener(tmp_path, clock)
    err = b"<27>Jul  6 03:52:49 r1 chassisd[1234]: CHASSISD_FRU_OFFLINE: FPC 0 offline"
    crit = b"<186>1 2026-07-06T03:52:49Z r1 kernel 1 KERN_PANIC - the box is on fire"
    info = b"<30>Jul  6 03:52:49 r1 sshd[1]: SSHD_LOGIN_FAILED: user x"
    for _ in range(3):
        assert lis.ingest_syslog(err, "10.0.0.1", clock.now) is None
    lis.ingest_syslog(crit, "10.0.0.1", clock.now)
    lis.ingest_syslog(info, "10.0.0.1", clock.now)
    lis.ingest_syslog(err, "10.7.7.7", clock.now)  # an error from no device: counted, no alarm
    failed_commit = completed("r1").replace(b"<189>", b"<187>")  # a commit-tagged message at err
    assert lis.ingest_syslog(failed_commit, "10.0.0.1", clock.now) is not None  # still a commit notification
    assert store.alarms.select() == []  # buffered until the flush
    lis.flush()
    active = {a["subject"]: a for a in store.alarms.select("active")}
    assert set(active) == {"CHASSISD_FRU_OFFLINE", "KERN_PANIC", "UI_COMMIT_COMPLETED"}
    assert active["CHASSISD_FRU_OFFLINE"]["severity"] == "major" and active["CHASSISD_FRU_OFFLINE"]["count"] == 3
    assert active["KERN_PANIC"]["severity"] == "critical" and active["KERN_PANIC"]["device"] == "r1"
    assert lis.counters["syslog-error"] == 5 and lis.counters["syslog-error:unknown-source"] == 1
    assert lis.counters["not-a-commit"] == 6  # the commit path is unchanged
    store.close()


def test_listener_unknown_source_alarm_and_commits_metric(tmp_path: Path) -> None:
    clock = Clock(T0)
    store, lis = _listener(tmp_path, clock)
    for i in range(5):
        lis.ingest_syslog(completed("stranger"), "10.9.9.9", clock.now + i)
        lis.ingest_syslog(completed("r1"), "10.0.0.1", clock.now + i)
    lis.flush()
    (alarm,) = store.alarms.select("active")
    assert alarm["type"] == "unknown_source" and alarm["device"] == "10.9.9.9" and alarm["count"] == 5
    assert "stranger" in alarm["message"] and alarm["raised_at"] == T0
    assert lis.counters["dropped:unknown-source"] == 5
    assert store.metrics.series("commits_notified", "r1", 0, 2e10) == [(T0, 5.0)]
    clock.now += 10
    lis.ingest_syslog(completed("r1"), "10.0.0.1", clock.now)
    lis.flush()
    assert [v for _t, v in store.metrics.series("commits_notified", "r1", 0, 2e10)] == [5.0, 1.0]
    lis.flush()  # nothing buffered: nothing written
    assert store.alarms.select("active")[0]["count"] == 5
    store.close()
