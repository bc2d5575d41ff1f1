"""One device never hurts itself: two resyncs never run at once, a late writer changes nothing, a
cancelled or failing run leaves a true status (fakes and a real SQLite store; no server)."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import ConfigRead
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import resync as rs
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import Cancelled
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
from tests.support.fake_device import FakeDevice, opener


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "r1", "host": "127.0.0.1", "port": 830, "username": "u", "password": "pw",
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "present", "job_id": None, "origin": "manual"}
    p.update(kw)
    return p


class SlowDevice(FakeDevice):
    """Reads block until ``release`` is set; counts reads running at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def read_config(self, known: Any = None) -> ConfigRead:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.set()
        try:
            self.release.wait(10)
            return super().read_config()
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    run_device(_params(tmp_path), False, False, opener=opener(FakeDevice()))
    return tmp_path


def _status(tmp_path: Path) -> str:
    with st.open_store(str(tmp_path / "s.db")) as store:
        return str((store.devices.get("r1") or {})["managed_status"])


def test_two_overlapping_resyncs_never_run_at_once(imported: Path) -> None:
    dev = SlowDevice()
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(rs.run_resync(_params(imported), False, False,
                                                                         opener=opener(dev))))
    first.start()
    assert dev.entered.wait(5)
    second = threading.Thread(target=lambda: results.append(rs.run_resync(_params(imported), False, False,
                                                                          opener=opener(dev))))
    second.start()
    time.sleep(1.0)  # the second one is waiting for the claim, not reading
    assert dev.running == 1
    dev.release.set()
    first.join(10)
    second.join(10)
    assert dev.most == 1 and len(results) == 2
    assert [r["managed_status"] for r in results] == ["In Sync", "In Sync"]


def test_a_busy_device_fails_clearly_after_the_timeout(imported: Path) -> None:
    dev = SlowDevice()
    holder = threading.Thread(target=lambda: rs.run_resync(_params(imported), False, False, opener=opener(dev)))
    holder.start()
    assert dev.entered.wait(5)
    try:
        with pytest.raises(TaskFailed) as err:
            rs.run_resync(_params(imported, timeout=1.0), False, False, opener=opener(FakeDevice()))
        assert err.value.result["error"] == "busy" and "is being resynced by job manual-" in err.value.msg
    finally:
        dev.release.set()
        holder.join(10)


def test_a_late_writer_whose_claim_is_gone_changes_nothing(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rs, "claim_ttl", lambda timeout: 0.5)
    slow = SlowDevice()  # reads the old configuration, then stalls past its claim
    errors: list[TaskFailed] = []

    def late() -> None:
        try:
            rs.run_resync(_params(imported), False, False, opener=opener(slow))
        except TaskFailed as exc:
            errors.append(exc)
    thread = threading.Thread(target=late)
    thread.start()
    assert slow.entered.wait(5)
    time.sleep(0.7)  # its claim expired
    fresh = FakeDevice()
    fresh.commit("r1-new")
    out = rs.run_resync(_params(imported), False, False, opener=opener(fresh))  # takes the device over
    assert out["snapshot_version"] == 2 and out["managed_status"] == "In Sync"
    slow.release.set()
    thread.join(10)
    assert len(errors) == 1 and errors[0].result["error"] == "claim_lost"
    with st.open_store(str(imported / "s.db")) as store:
        latest = store.devices.latest_snapshot("r1")
        assert latest is not None and int(latest["version"]) == 2  # the stale read was not stored
        assert "r1-new" in (store.devices.get_snapshot("r1", 2) or {})["config"]
        assert (store.devices.get("r1") or {})["managed_status"] == "In Sync"
        states = {j["state"] for j in store.jobs.recent("r1")}
        assert "failed" in states


def test_sigterm_ends_the_job_failed_with_a_true_status(imported: Path) -> None:
    dev = SlowDevice()
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Cancelled):
        rs.run_resync(_params(imported), False, False, opener=opener(dev))
    dev.release.set()
    assert signal.getsignal(signal.SIGTERM) is before  # restored
    assert _status(imported) == "In Sync"  # as before the job, never Synchronizing
    with st.open_store(str(imported / "s.db")) as store:
        job = store.jobs.recent("r1")[0]
        assert job["state"] == "failed" and job["message"] == "cancelled by signal 15"
    out = rs.run_resync(_params(imported), False, False, opener=opener(FakeDevice()))  # the claim was released
    assert out["managed_status"] == "In Sync"


def test_a_store_error_while_storing_leaves_no_synchronizing(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")
    monkeypatch.setattr(st.DeviceStore, "add_snapshot", broken)
    with pytest.raises(RuntimeError):
        rs.run_resync(_params(imported), False, False, opener=opener(FakeDevice()))
    assert _status(imported) == "In Sync"


def test_a_device_left_synchronizing_by_a_killed_run_is_recovered(imported: Path) -> None:
    with st.open_store(str(imported / "s.db")) as store:
        store.devices.claim("r1", "manual-killed", ttl=-1.0)  # a claim that has expired
        store.devices.set_status("r1", "Synchronizing", "job manual-killed started")
    out = rs.run_resync(_params(imported), False, False, opener=opener(FakeDevice()))
    assert out["managed_status"] == "In Sync"
    with st.open_store(str(imported / "s.db")) as store:
        history = store.devices.status_history("r1", 5)
        assert any("recovered" in h["reason"] for h in history)


class CutDevice(SlowDevice):
    """A read that the process's stop cuts short: it fails as a closed session does (paramiko's exit
    handler closes every transport of a stopping ansible-playbook)."""

    def read_config(self, known: Any = None) -> ConfigRead:
        self.entered.set()
        self.release.wait(10)
        from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError
        raise DeviceError("malformed_reply", "r1 (127.0.0.1:830): unexpected reply (EOFError: EOFError)")


def _given_back_while_reading(imported: Path, send: Any) -> tuple[list[BaseException], dict[str, Any]]:
    """A resync in a thread whose read is cut after ``send`` ran (a stop signal's give-back, here
    in the test's thread); what the thread raised and the job as stored."""
    from ansible_collections.netsync.fleet.plugins.module_utils.tasks import cancel
    dev = CutDevice()
    raised: list[BaseException] = []

    def job() -> None:
        try:
            rs.run_resync(_params(imported), False, False, opener=opener(dev))
        except BaseException as exc:  # noqa: B036 - what the thread ended with is the point
            raised.append(exc)
    thread = threading.Thread(target=job)
    thread.start()
    assert dev.entered.wait(5)
    send(cancel)
    dev.release.set()
    thread.join(10)
    with st.open_store(str(imported / "s.db")) as store:
        return raised, store.jobs.recent("r1")[0]


def test_a_read_cut_by_the_stop_is_the_stop_not_a_device_failure(imported: Path) -> None:
    """The signal's handler gave the job back; the session then dies with the process: the job keeps
    the signal as its reason, the device its status from before, and no alarm says it failed."""
    def stop(cancel: Any) -> None:
        cancel._reason.append("cancelled by signal 2")
        cancel._requested.set()
        cancel.give_back("cancelled by signal 2")
    raised, job = _given_back_while_reading(imported, stop)
    assert [type(e) for e in raised] == [Cancelled] and str(raised[0]) == "cancelled by signal 2"
    assert job["state"] == "failed" and job["message"] == "cancelled by signal 2"
    assert _status(imported) == "In Sync"
    with st.open_store(str(imported / "s.db")) as store:
        assert store.alarms.select("active", "r1") == []
        assert 0.0 not in [value for _at, value in store.metrics.series("jobs_run", "r1", 0, 1e12)]  # no failed run


def test_a_read_failing_after_the_device_was_taken_from_the_job_does_not_rewrite_its_end(imported: Path) -> None:
    """Given back (or taken over) without a stop of this process: the job's end stays as written."""
    def take(cancel: Any) -> None:
        cancel.give_back("taken away by the test")
    raised, job = _given_back_while_reading(imported, take)
    assert [type(e) for e in raised] == [TaskFailed]
    assert job["state"] == "failed" and job["message"] == "taken away by the test"
    assert _status(imported) == "In Sync"
