"""Table tests of the damper: the seed's examples and the stricter rules."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper as d
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import (
    IN_SYNC,
    OUT_OF_SYNC,
    SYNC_FAILED,
    SYNCHRONIZING,
    DeviceState,
    Settings,
)


def run_job(state: DeviceState, job_id: str, now: float) -> None:
    assert d.job_started(state, job_id, now).action == d.START


def test_single_commit_schedules_job_20s_later() -> None:
    s = DeviceState("r1")
    decision = d.notify(s, 100.0)
    assert (decision.action, decision.due, s.status) == (d.SCHEDULE, 120.0, OUT_OF_SYNC)
    assert decision.reason == "scheduled: job due at 120"
    assert d.next_wakeup([s]) == 120.0
    assert d.due([s], 119.9) == []
    assert d.due([s], 120.0) == ["r1"]
    assert d.due([s], 121.0) == []  # dispatched once only


def test_second_commit_within_window_is_damped_and_one_job_syncs_both() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    second = d.notify(s, 10.0)
    assert second.action == d.DAMP
    assert "within damping window of previous notification" in second.reason
    assert s.pending is not None and s.pending.due == 20.0
    assert d.due([s], 20.0) == ["r1"]
    run_job(s, "j1", 20.0)
    d.config_read(s, "j1", 21.0, read_at=21.0)
    finished = d.job_finished(s, "j1", 22.0, ok=True)
    assert [x.action for x in finished] == [d.FINISH]
    assert s.status == IN_SYNC and s.pending is None and not s.backlog


def test_job_due_while_another_runs_is_postponed_repeatedly_until_it_ends() -> None:
    s = DeviceState("r1")
    run_job(s, "manual", 0.0)  # manual resync, reads late
    d.notify(s, 5.0)
    d.config_read(s, "manual", 6.0, read_at=4.0)  # read before the commit arrived
    assert s.pending is not None and s.pending.due == 25.0
    dues = []
    for now in (25.0, 45.0, 65.0):
        decisions = d.tick([s], now)
        assert [x.action for x in decisions] == [d.POSTPONE]
        assert decisions[0].reason.startswith("postponed: job manual running")
        dues.append(s.pending.due)
    assert dues == [45.0, 65.0, 85.0]
    d.job_finished(s, "manual", 70.0, ok=True)
    assert s.status == OUT_OF_SYNC
    assert d.due([s], 84.0) == []
    assert d.due([s], 85.0) == ["r1"]


def test_postponement_skips_missed_intervals() -> None:
    s = DeviceState("r1", Settings(damper_interval=20.0))
    run_job(s, "m", 0.0)
    d.config_read(s, "m", 1.0)
    d.notify(s, 2.0)
    d.tick([s], 100.0)  # caller woke up late
    assert s.pending is not None and s.pending.due == 102.0


def test_auto_resync_off_marks_out_of_sync_and_schedules_nothing() -> None:
    s = DeviceState("r1", Settings(auto_resync=False))
    decision = d.notify(s, 0.0)
    assert (decision.action, decision.reason) == (d.DISABLED, "auto-resync disabled: no job scheduled")
    assert s.status == OUT_OF_SYNC and s.pending is None
    assert d.next_wakeup([s]) is None and d.due([s], 1000.0) == []
    # manual resync still works
    run_job(s, "manual", 50.0)
    assert s.status == SYNCHRONIZING
    d.job_finished(s, "manual", 60.0, ok=True)
    assert s.status == IN_SYNC


def test_status_sequence_out_of_sync_synchronizing_in_sync() -> None:
    s = DeviceState("r1")
    seen = [s.status]
    d.notify(s, 0.0)
    seen.append(s.status)
    d.due([s], 20.0)
    run_job(s, "j1", 20.5)
    seen.append(s.status)
    d.job_finished(s, "j1", 30.0, ok=True)
    seen.append(s.status)
    assert seen == [IN_SYNC, OUT_OF_SYNC, SYNCHRONIZING, IN_SYNC]


def test_commit_during_running_job_after_read_gets_follow_up() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    d.due([s], 20.0)
    run_job(s, "j1", 20.0)
    d.config_read(s, "j1", 21.0, read_at=21.0)
    follow = d.notify(s, 23.0)  # within the window of the previous notification
    assert follow.action == d.FOLLOW
    assert follow.reason.startswith("follow-up: commit after job j1 read the configuration")
    assert s.status == OUT_OF_SYNC
    d.job_finished(s, "j1", 30.0, ok=True)
    assert s.status == OUT_OF_SYNC
    assert s.pending is not None and s.pending.due == 43.0
    assert d.due([s], 43.0) == ["r1"]
    run_job(s, "j2", 43.0)
    d.job_finished(s, "j2", 50.0, ok=True)
    assert s.status == IN_SYNC and not s.backlog


def test_commit_before_read_is_covered_by_running_job() -> None:
    s = DeviceState("r1")
    run_job(s, "j1", 0.0)
    decision = d.notify(s, 1.0)
    assert decision.action == d.COVER and "has not read the configuration yet" in decision.reason
    assert s.pending is None
    assert d.config_read(s, "j1", 3.0, read_at=2.0)[-1].action == d.READ
    d.job_finished(s, "j1", 4.0, ok=True)
    assert s.status == IN_SYNC and s.pending is None


def test_late_read_report_reveals_missed_commit() -> None:
    s = DeviceState("r1")
    run_job(s, "j1", 0.0)
    assert d.notify(s, 5.0).action == d.COVER
    decisions = d.config_read(s, "j1", 6.0, read_at=4.0)
    assert [x.action for x in decisions] == [d.READ, d.FOLLOW]
    assert s.pending is not None and s.pending.due == 25.0


def test_finish_without_read_report_assumes_read_at_start() -> None:
    s = DeviceState("r1")
    run_job(s, "j1", 0.0)
    d.notify(s, 5.0)
    decisions = d.job_finished(s, "j1", 10.0, ok=True)
    assert [x.action for x in decisions] == [d.FINISH, d.FOLLOW]
    assert s.status == OUT_OF_SYNC and s.pending is not None and s.pending.due == 25.0


def test_commit_time_decides_exactly_whether_read_included_commit() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0, commit_time=1000.0)
    d.due([s], 20.0)
    run_job(s, "j1", 20.0)
    d.config_read(s, "j1", 21.0, commit_time=1012.0)
    # notification arriving late for a commit the read already included
    late = d.notify(s, 22.0, commit_time=1012.0)
    assert late.action == d.COVER and "already read this commit" in late.reason
    assert s.status == SYNCHRONIZING and s.pending is None
    newer = d.notify(s, 23.0, commit_time=1013.0)
    assert newer.action == d.FOLLOW
    d.job_finished(s, "j1", 25.0, ok=True)
    assert s.status == OUT_OF_SYNC and list(s.backlog) == ["time@j1"]  # a commit after j1 began


def test_late_notification_after_sync_is_ignored() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0, commit_seq=7)
    d.due([s], 20.0)
    run_job(s, "j1", 20.0)
    d.config_read(s, "j1", 21.0, commit_seq=8)
    d.job_finished(s, "j1", 22.0, ok=True)
    late = d.notify(s, 30.0, commit_seq=8)
    assert (late.action, late.reason) == (d.IGNORE, "ignored: already read by job j1")
    assert s.status == IN_SYNC and s.pending is None and s.last_notice_at == 0.0


def test_second_job_cannot_start_while_one_runs() -> None:
    s = DeviceState("r1")
    run_job(s, "a", 0.0)
    rejected = d.job_started(s, "b", 1.0)
    assert (rejected.action, rejected.reason) == (d.REJECT, "rejected: job a is running")
    assert s.running is not None and s.running.job_id == "a"
    assert d.job_started(s, "a", 2.0).action == d.IGNORE
    assert d.job_finished(s, "b", 3.0, ok=True)[0].action == d.IGNORE
    assert s.running is not None


def test_manual_start_takes_over_pending_job() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    started = d.job_started(s, "m", 5.0)
    assert "takes over the job due at 20" in started.reason
    assert s.pending is None and s.running is not None and not s.running.manual
    d.job_finished(s, "m", 6.0, ok=True)
    assert s.status == IN_SYNC and d.due([s], 20.0) == []


def test_dispatched_job_blocks_dispatch_and_binds_on_start() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    assert d.due([s], 20.0) == ["r1"]
    assert d.notify(s, 21.0).action == d.COVER
    assert s.status == OUT_OF_SYNC  # status changes when the job starts
    started = d.job_started(s, "j1", 22.0)
    assert started.reason == "started: job j1 (dispatched at 20)"
    assert s.status == SYNCHRONIZING


def test_failure_sets_sync_failed_and_retries_with_capped_backoff() -> None:
    s = DeviceState("r1", Settings(resync_delay=20.0, max_retry_delay=100.0))
    d.notify(s, 0.0)
    dues = []
    now = 20.0
    for attempt in range(4):
        assert d.due([s], now) == ["r1"]
        run_job(s, f"j{attempt}", now)
        decisions = d.job_finished(s, f"j{attempt}", now + 1, ok=False)
        assert [x.action for x in decisions] == [d.FAIL, d.RETRY_SCHEDULED]
        assert s.status == SYNC_FAILED
        assert s.pending is not None
        dues.append(s.pending.due - (now + 1))
        now = s.pending.due
    assert dues == [40.0, 80.0, 100.0, 100.0]
    run_job(s, "ok", now)
    d.job_finished(s, "ok", now + 1, ok=True)
    assert (s.status, s.failures, s.pending) == (IN_SYNC, 0, None)


def test_job_that_never_reports_times_out() -> None:
    s = DeviceState("r1", Settings(job_timeout=600.0))
    d.notify(s, 0.0)
    d.due([s], 20.0)
    run_job(s, "j1", 25.0)
    assert d.next_wakeup([s]) == 625.0
    assert d.check_timeouts([s], 624.0) == []
    decisions = d.tick([s], 625.0)
    assert [x.action for x in decisions] == [d.TIMEOUT, d.RETRY_SCHEDULED]
    assert decisions[0].reason == "timeout: job j1 did not report back by 625"
    assert s.status == SYNC_FAILED and s.running is None
    assert s.pending is not None and s.pending.due == 665.0
    # the lost job's late report changes nothing
    assert d.job_finished(s, "j1", 630.0, ok=True)[0].action == d.IGNORE
    assert s.status == SYNC_FAILED


def test_dispatched_job_that_never_starts_times_out() -> None:
    s = DeviceState("r1", Settings(job_timeout=60.0))
    d.notify(s, 0.0)
    d.due([s], 20.0)
    decisions = d.tick([s], 80.0)
    assert [x.action for x in decisions] == [d.TIMEOUT, d.RETRY_SCHEDULED]
    assert decisions[0].reason == "timeout: dispatched job did not report back by 80"
    assert s.running is None and s.status == SYNC_FAILED


def test_storm_does_not_push_the_job_out() -> None:
    s = DeviceState("r1")
    for t in range(0, 20, 3):
        d.notify(s, float(t))
    assert s.burst_start == 0.0
    assert d.due([s], 20.0) == ["r1"]


def test_burst_start_resets_after_quiet_window() -> None:
    s = DeviceState("r1", Settings(auto_resync=False))
    d.notify(s, 0.0)
    d.notify(s, 20.0)
    assert s.burst_start == 0.0
    d.notify(s, 46.0)
    assert s.burst_start == 46.0


def test_outside_window_with_pending_job_is_merged() -> None:
    s = DeviceState("r1")
    run_job(s, "m", 0.0)
    d.config_read(s, "m", 0.0)
    d.notify(s, 1.0)
    decision = d.notify(s, 40.0)
    assert decision.action == d.DAMP and decision.reason.startswith("damped: a job is pending")


def test_disabling_cancels_pending_and_enabling_schedules_backlog() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    off = d.set_settings(s, Settings(auto_resync=False), 5.0)
    assert [x.action for x in off] == [d.CANCEL] and s.pending is None
    d.notify(s, 6.0)
    on = d.set_settings(s, Settings(), 10.0)
    assert [x.action for x in on] == [d.SCHEDULE]
    assert s.pending is not None and s.pending.due == 20.0


def test_batch_due_returns_all_due_devices_sorted() -> None:
    states = {name: DeviceState(name) for name in ("r3", "r1", "r2")}
    d.notify(states["r3"], 0.0)
    d.notify(states["r1"], 0.0)
    d.notify(states["r2"], 5.0)
    assert d.due(states, 20.0) == ["r1", "r3"]
    assert d.due(states.values(), 25.0) == ["r2"]


def test_json_round_trip_and_validation() -> None:
    s = DeviceState("r1", Settings(resync_delay=5))
    d.notify(s, 0.0, commit_time=10.0, commit_seq=3)
    d.notify(s, 1.0)
    d.due([s], 5.0)
    run_job(s, "j", 6.0)
    d.config_read(s, "j", 7.0, commit_time=10.0)
    d.notify(s, 8.0)
    data = json.loads(json.dumps(s.to_dict()))
    assert DeviceState.from_dict(data) == s
    # to_dict is written by hand (speed): it must give exactly what dataclasses.asdict gives,
    # with a pending job, a running job that read, a backlog and a synced read all present
    assert s.pending is not None and s.running is not None and s.running.read is not None
    assert s.backlog and s.synced is None
    s.synced = s.running.read
    assert s.to_dict() == {"v": 1, **dataclasses.asdict(s)}
    out = s.to_dict()
    out["running"]["read"]["job_id"] = "changed"  # a new dict, not the live object's fields
    out["backlog"].clear()
    assert s.running.read.job_id != "changed" and s.backlog
    assert not hasattr(s, "__dict__") and not hasattr(s.running, "__dict__")  # slots: no dict per object
    with pytest.raises(ValueError):
        DeviceState.from_dict({**data, "status": "Bogus"})
    with pytest.raises(ValueError):
        DeviceState.from_dict({**data, "pending": {"due": "soon", "created_at": 0}})
    with pytest.raises(ValueError):
        Settings.from_dict({"damper_intervall": 3})
    with pytest.raises(ValueError):
        Settings(damper_interval=0)
    assert Settings().with_overrides({"resync_delay": 5}).resync_delay == 5.0


def test_decisions_serialise() -> None:
    s = DeviceState("r1")
    decision = d.notify(s, 0.0)
    assert json.loads(json.dumps(decision.to_dict()))["reason"] == "scheduled: job due at 20"


def test_reasons_show_epoch_times_in_utc() -> None:
    decision = d.notify(DeviceState("r1"), 1_795_320_406.0714)  # due 20 s later
    assert decision.reason == "scheduled: job due at 2026-11-22T04:07:06.071Z"
