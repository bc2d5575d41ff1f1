"""R4 as the docs and the seed say it, and dispatched jobs that never start."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper as d
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import (
    OUT_OF_SYNC, DeviceState, Settings,
)


def test_docs_worked_example_follow_up_postponed_at_43_to_63() -> None:
    """docs/auto-resync.md: a commit at t=23 after j1's read; j1 runs until t=50. The
    follow-up fell due at t=43 while j1 ran, so it is postponed to 63 and runs then."""
    s = DeviceState("r1")
    d.notify(s, 0.0)
    assert d.due([s], 20.0) == ["r1"]
    d.job_started(s, "j1", 20.5)
    d.notify(s, 23.0)  # j1 has not reported its read yet (the store reports it at the end)
    out = d.job_finished(s, "j1", 50.0, ok=True)  # read_at defaults to the start: t=23 is not in it
    assert [x.action for x in out] == [d.FINISH, d.FOLLOW]
    assert s.pending is not None and s.pending.due == 63.0 and s.status == OUT_OF_SYNC
    assert d.due([s], 62.9) == [] and d.due([s], 63.0) == ["r1"]


@pytest.mark.parametrize("interval,ends,due", [(2.0, 50.0, 51.0), (10.0, 50.0, 53.0), (10.0, 44.0, 53.0)])
def test_damper_interval_decides_when_the_follow_up_runs(interval: float, ends: float, due: float) -> None:
    """The dispatch after a long job depends on damper_interval (it used to be at the end, whatever it was)."""
    s = DeviceState("r1", Settings(damper_interval=interval))
    d.notify(s, 0.0)
    d.due([s], 20.0)
    d.job_started(s, "j1", 20.5)
    d.notify(s, 23.0)
    d.job_finished(s, "j1", ends, ok=True)
    assert s.pending is not None and s.pending.due == due


def test_follow_up_due_after_the_end_is_not_postponed() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    d.due([s], 20.0)
    d.job_started(s, "j1", 20.5)
    d.notify(s, 23.0)
    d.job_finished(s, "j1", 30.0, ok=True)
    assert s.pending is not None and s.pending.due == 43.0  # the docs' first timeline


def _dispatched(state: DeviceState, now: float, emitted: bool = True) -> None:
    assert d.due([state], now) == [state.name]
    assert state.running is not None
    state.running.dispatch_id, state.running.emitted = "auto-1", emitted


def test_emitted_job_that_never_starts_is_dispatched_again() -> None:
    s = DeviceState("r1", Settings(start_timeout=30.0))
    d.notify(s, 0.0)
    _dispatched(s, 20.0)
    cover = d.notify(s, 25.0)  # covered by the dispatched job ...
    assert cover.action == d.COVER
    assert d.next_wakeup([s]) == 50.0
    assert d.tick([s], 49.0) == []
    out = d.tick([s], 50.0)  # ... which never started: dispatched again, now
    assert [x.action for x in out] == [d.REDISPATCH, d.DISPATCH]
    assert "did not start within 30s" in out[0].reason and out[0].job_id == "auto-1"
    assert s.running is not None and s.running.dispatch_id is None and s.failures == 0
    # both commits (t=0, and t=25 "covered" by the job that never ran) are still to be read
    assert sorted(entry.first_at for entry in s.backlog.values()) == [0.0, 25.0]
    d.job_started(s, "auto-2", 51.0)
    d.job_finished(s, "auto-2", 52.0, ok=True)
    assert s.backlog == {} and s.status == d.IN_SYNC


def test_a_job_never_emitted_is_not_redispatched_by_time() -> None:
    """It is emitted again by the listener (outbox), not dispatched twice."""
    s = DeviceState("r1", Settings(start_timeout=30.0, job_timeout=600.0))
    d.notify(s, 0.0)
    _dispatched(s, 20.0, emitted=False)
    assert d.tick([s], 100.0) == [] and s.running is not None and s.running.dispatch_id == "auto-1"


def test_running_job_fields_survive_a_round_trip() -> None:
    s = DeviceState("r1")
    d.notify(s, 0.0)
    _dispatched(s, 20.0)
    back = DeviceState.from_dict(s.to_dict())
    assert back.running is not None and back.running.dispatch_id == "auto-1" and back.running.emitted
