"""Auto-resync damper: decides when resync jobs run. Pure logic, no I/O, clock injected.

Times are floats in seconds on the listener's clock. Commit times are on the
device's clock and are only compared with other commit times of that device.
Commit sequences must grow with every commit (a counter, not a rollback index).

Public API::

    Settings(auto_resync=True, resync_delay=20.0, damping_window=25.0,
             damper_interval=20.0, job_timeout=600.0, max_retry_delay=600.0)
        .with_overrides(mapping) -> Settings, .to_dict(), Settings.from_dict(d)
    DeviceState(name, settings=Settings(), status=IN_SYNC, ...)
        .to_dict() -> dict, DeviceState.from_dict(d) -> DeviceState
    Decision(device, action, reason, at, status, job_id=None, due=None).to_dict()

    notify(state, now, commit_time=None, commit_seq=None) -> Decision
    job_started(state, job_id, now) -> Decision          # action REJECT: do not run it
    config_read(state, job_id, now, commit_time=None, commit_seq=None,
                read_at=None) -> list[Decision]
    job_finished(state, job_id, now, ok) -> list[Decision]
    set_settings(state, settings, now) -> list[Decision]
    check_timeouts(states, now) -> list[Decision]
    run_progress(states) -> list[str]     # jobs waiting in a live run: start timeout from its last start
    tick(states, now) -> list[Decision]   # timeouts, postponements, DISPATCH decisions
    due(states, now) -> list[str]         # tick(), keeping only the dispatched devices
    next_wakeup(states, pending=True) -> float | None   # when tick() has something to do next

Event functions update ``state`` in place and return what they decided; the
caller persists the state and logs the decisions. ``states`` is an iterable of
``DeviceState`` or a mapping of name to ``DeviceState``. The rules are in
docs/auto-resync.md.
"""

from __future__ import annotations

import datetime

import math
from collections.abc import Iterable, Mapping
from typing import Union

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._damper_state import (
    FOLLOW_UP,
    IN_SYNC,
    OUT_OF_SYNC,
    RETRY,
    SCHEDULED,
    STATUSES,
    SYNC_FAILED,
    SYNCHRONIZING,
    Backlog,
    Decision,
    DeviceState,
    PendingJob,
    Read,
    RunningJob,
    Settings,
    backlog_key,
)

__all__ = [
    "IN_SYNC", "OUT_OF_SYNC", "SYNCHRONIZING", "SYNC_FAILED", "STATUSES",
    "SCHEDULE", "FOLLOW", "DAMP", "COVER", "IGNORE", "DISABLED", "POSTPONE", "DISPATCH",
    "START", "REJECT", "READ", "FINISH", "FAIL", "TIMEOUT", "RETRY_SCHEDULED", "CANCEL", "REDISPATCH",
    "Settings", "DeviceState", "Decision", "Backlog", "PendingJob", "RunningJob", "Read",
    "covers", "notify", "job_started", "config_read", "job_finished", "set_settings",
    "check_timeouts", "tick", "due", "next_wakeup", "run_progress",
]

# Decision actions.
SCHEDULE = "schedule"          # a new pending job
FOLLOW = "follow-up"           # a new pending job for commits after a running job's read
DAMP = "damp"                  # synced by the pending job
COVER = "cover"                # synced by the running job
IGNORE = "ignore"              # nothing to do (already read, stale report)
DISABLED = "disabled"          # auto-resync off: marked Out of Sync only
POSTPONE = "postpone"
DISPATCH = "dispatch"          # the caller must start a job for this device now
START = "start"
REJECT = "reject"
READ = "read"
FINISH = "finish"
FAIL = "fail"
TIMEOUT = "timeout"
RETRY_SCHEDULED = "retry"
CANCEL = "cancel"
REDISPATCH = "redispatch"      # a dispatched job never started: dispatched again

States = Union[Iterable[DeviceState], Mapping[str, DeviceState]]


def _t(value: float) -> str:
    """A time for reasons: UTC ISO 8601 for epoch clocks, the bare number for test clocks."""
    if value >= 1e9:
        stamp = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _label(job_id: str | None) -> str:
    return "dispatched job" if job_id is None else f"job {job_id}"


def _decide(state: DeviceState, action: str, now: float, reason: str,
            job_id: str | None = None, due: float | None = None) -> Decision:
    return Decision(state.name, action, reason, now, state.status, job_id, due)


def _states(states: States) -> list[DeviceState]:
    return list(states.values()) if isinstance(states, Mapping) else list(states)


def covers(read: Read, entry: Backlog) -> bool:
    """Whether ``read`` included every commit of ``entry``.

    Commit sequence, else commit time (both exact, from the device), else
    arrival: a read that started after a notification arrived saw its commit.
    """
    if entry.commit_seq is not None and read.commit_seq is not None:
        return entry.commit_seq <= read.commit_seq
    if entry.commit_time is not None and read.commit_time is not None:
        return entry.commit_time <= read.commit_time
    return entry.last_at <= read.read_at


def _add_backlog(state: DeviceState, note: Backlog) -> None:
    key = backlog_key(note)
    run = state.running
    since = None if run is None else run.started_at if run.started_at is not None else run.dispatched_at
    if run is not None and since is not None and note.first_at > since:
        key += "@" + (run.job_id or run.dispatch_id or _t(since))  # after this job began: kept apart
    old = state.backlog.get(key)
    if old is None:
        state.backlog[key] = note
        return
    old.first_at = min(old.first_at, note.first_at)
    old.last_at = max(old.last_at, note.last_at)
    if note.commit_time is not None and old.commit_time is not None:
        old.commit_time = max(old.commit_time, note.commit_time)
    if note.commit_seq is not None and old.commit_seq is not None:
        old.commit_seq = max(old.commit_seq, note.commit_seq)


def _uncovered(state: DeviceState) -> list[Backlog]:
    """Backlog the running job will not sync (all of it when none runs).

    A running job that has not reported its read yet is assumed to cover
    everything; that is re-checked when it reports its read or finishes.
    """
    run = state.running
    if run is None:
        return list(state.backlog.values())
    if run.read is None:
        return []
    read = run.read
    return [entry for entry in state.backlog.values() if not covers(read, entry)]


def _postponed(due_at: float, busy_since: float | None, now: float, step: float) -> float:
    """R4: a job that fell due while another job of the device ran is postponed by ``step``,
    again and again, past ``now`` (when that job ended or was last looked at)."""
    if busy_since is None or not busy_since <= due_at <= now:
        return max(due_at, now)
    return due_at + step * (math.floor((now - due_at) / step) + 1)


def _follow_up(state: DeviceState, now: float, reason: str, follow: bool = True,
               busy_since: float | None = None) -> list[Decision]:
    """Create a pending job if auto-resync is on and commits would stay unsynced.

    ``busy_since``: a job of the device ran from then until ``now``; a due time that fell
    within it is postponed in ``damper_interval`` steps (R4).
    """
    if not state.settings.auto_resync or state.pending is not None:
        return []
    left = _uncovered(state)
    if not left:
        return []
    due_at = _postponed(min(entry.first_at for entry in left) + state.settings.resync_delay, busy_since, now,
                        state.settings.damper_interval)
    state.pending = PendingJob(due_at, now, FOLLOW_UP if follow else SCHEDULED)
    return [_decide(state, FOLLOW if follow else SCHEDULE, now,
                    f"{reason}; job due at {_t(due_at)}", due=due_at)]


def notify(state: DeviceState, now: float, commit_time: float | None = None,
           commit_seq: int | None = None) -> Decision:
    """A commit notification for the device arrived at ``now``."""
    note = Backlog(now, now, commit_time, commit_seq)
    if state.synced is not None and covers(state.synced, note):
        return _decide(state, IGNORE, now,
                       f"ignored: already read by {_label(state.synced.job_id)}")
    _add_backlog(state, note)
    last = state.last_notice_at
    in_window = last is not None and now - last <= state.settings.damping_window
    if not in_window:
        state.burst_start = now
    state.last_notice_at = now if last is None else max(last, now)
    run = state.running
    if run is not None and run.read is not None and covers(run.read, note):
        return _decide(state, COVER, now,
                       f"covered: {_label(run.job_id)} already read this commit",
                       job_id=run.job_id)
    state.status = OUT_OF_SYNC
    if not state.settings.auto_resync:
        return _decide(state, DISABLED, now, "auto-resync disabled: no job scheduled")
    if run is not None and run.read is None:
        return _decide(state, COVER, now,
                       f"covered: {_label(run.job_id)} has not read the configuration yet",
                       job_id=run.job_id)
    pending = state.pending
    if pending is not None:
        why = "within damping window of previous notification" if in_window else "a job is pending"
        return _decide(state, DAMP, now,
                       f"damped: {why}; synced by the job due at {_t(pending.due)}",
                       due=pending.due)
    due_at = now + state.settings.resync_delay
    if run is not None:
        state.pending = PendingJob(due_at, now, FOLLOW_UP)
        return _decide(state, FOLLOW, now,
                       f"follow-up: commit after {_label(run.job_id)} read the configuration; "
                       f"job due at {_t(due_at)}", job_id=run.job_id, due=due_at)
    state.pending = PendingJob(due_at, now, SCHEDULED)
    return _decide(state, SCHEDULE, now, f"scheduled: job due at {_t(due_at)}", due=due_at)


def job_started(state: DeviceState, job_id: str, now: float) -> Decision:
    """A resync job started: a dispatched one, or a manual resync.

    REJECT means another job holds the device; the caller must not run this one.
    """
    run = state.running
    timeout = state.settings.job_timeout
    if run is not None and run.job_id == job_id:
        return _decide(state, IGNORE, now, f"ignored: job {job_id} already started", job_id)
    if run is not None and run.job_id is not None:
        return _decide(state, REJECT, now, f"rejected: job {run.job_id} is running", job_id)
    if run is not None:
        run.job_id, run.started_at, run.deadline = job_id, now, now + timeout
        reason = f"started: job {job_id} (dispatched at {_t(run.dispatched_at or now)})"
    else:
        pending = state.pending
        manual = pending is None
        reason = (f"started: job {job_id}, manual resync" if pending is None else
                  f"started: job {job_id}, takes over the job due at {_t(pending.due)}")
        state.pending = None
        state.running = RunningJob(job_id, now + timeout, started_at=now, manual=manual)
    state.status = SYNCHRONIZING
    return _decide(state, START, now, reason, job_id)


def _running(state: DeviceState, job_id: str) -> RunningJob | None:
    run = state.running
    return run if run is not None and run.job_id == job_id else None


def config_read(state: DeviceState, job_id: str, now: float, commit_time: float | None = None,
                commit_seq: int | None = None, read_at: float | None = None) -> list[Decision]:
    """Job ``job_id`` read the configuration; reported at ``now``.

    ``commit_time``/``commit_seq``: the last commit included in what it read.
    ``read_at``: when the read began on the listener's clock; without it the
    job's start time is assumed (safe: it may only cause an extra job).
    """
    run = _running(state, job_id)
    if run is None or run.started_at is None:
        return [_decide(state, IGNORE, now, f"ignored: read report of job {job_id}, not running",
                        job_id)]
    at = run.started_at if read_at is None else min(read_at, now)
    run.read = Read(job_id, at, commit_time, commit_seq)
    seen = "" if commit_time is None else f", commit time {_t(commit_time)}"
    seen += "" if commit_seq is None else f", commit sequence {commit_seq}"
    out = [_decide(state, READ, now, f"read: job {job_id} read the configuration{seen}", job_id)]
    return out + _follow_up(state, now, f"follow-up: commit after job {job_id} read the configuration")


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _merge_read(old: Read | None, new: Read) -> Read:
    """The store's watermark: each part of a read is a sound bound on its own."""
    if old is None:
        return new
    seq = _max(old.commit_seq, new.commit_seq)
    return Read(new.job_id, max(old.read_at, new.read_at), _max(old.commit_time, new.commit_time),
                None if seq is None else int(seq))


def _fail(state: DeviceState, now: float, action: str, reason: str,
          job_id: str | None) -> list[Decision]:
    state.running = None
    state.failures += 1
    state.status = SYNC_FAILED
    settings = state.settings
    if not settings.auto_resync:
        return [_decide(state, action, now, f"{reason}; auto-resync disabled: no retry", job_id)]
    due_at = now + settings.retry_delay(state.failures)
    if state.pending is None:
        state.pending = PendingJob(due_at, now, RETRY)
    else:
        state.pending.due = max(state.pending.due, due_at)
        state.pending.kind = RETRY
        due_at = state.pending.due
    return [_decide(state, action, now, reason, job_id),
            _decide(state, RETRY_SCHEDULED, now,
                    f"retry: attempt {state.failures + 1} due at {_t(due_at)} "
                    f"after {state.failures} consecutive failure(s)", due=due_at)]


def job_finished(state: DeviceState, job_id: str, now: float, ok: bool) -> list[Decision]:
    """Job ``job_id`` ended: ``ok`` when its snapshot is in the store."""
    run = _running(state, job_id)
    if run is None or run.started_at is None:
        return [_decide(state, IGNORE, now, f"ignored: end of job {job_id}, not running", job_id)]
    if not ok:
        return _fail(state, now, FAIL, f"failed: job {job_id} reported failure", job_id)
    read = run.read or Read(job_id, run.started_at)
    state.running = None
    state.backlog = {key: entry for key, entry in state.backlog.items() if not covers(read, entry)}
    state.synced = _merge_read(state.synced, read)
    state.failures = 0
    if not state.backlog:
        state.status = IN_SYNC
        out = [_decide(state, FINISH, now, f"finished: job {job_id}; in sync", job_id)]
        if state.pending is not None:
            state.pending = None
            out.append(_decide(state, CANCEL, now, "cancelled: pending job, nothing left to sync"))
        return out
    state.status = OUT_OF_SYNC
    tail = "" if state.settings.auto_resync else "; auto-resync disabled"
    out = [_decide(state, FINISH, now,
                   f"finished: job {job_id}; commits notified after its read remain{tail}", job_id)]
    return out + _follow_up(state, now, f"follow-up: commit after job {job_id} read the configuration",
                            busy_since=run.started_at)


def set_settings(state: DeviceState, settings: Settings, now: float) -> list[Decision]:
    """Apply new settings. Due times and deadlines already set are kept."""
    state.settings = settings
    if not settings.auto_resync:
        if state.pending is None:
            return []
        state.pending = None
        return [_decide(state, CANCEL, now, "cancelled: auto-resync disabled")]
    if state.pending is not None:
        return []
    if state.failures > 0 and state.running is None:
        due_at = now + settings.resync_delay
        state.pending = PendingJob(due_at, now, RETRY)
        return [_decide(state, RETRY_SCHEDULED, now,
                        f"retry: auto-resync enabled after a failed sync; due at {_t(due_at)}",
                        due=due_at)]
    return _follow_up(state, now, "scheduled: auto-resync enabled with unsynced commits",
                      follow=False)


def check_timeouts(states: States, now: float) -> list[Decision]:
    """Jobs past their deadline count as failed (``Sync Failed``, retry with backoff).

    A dispatched job whose event was emitted but that has not started ``start_timeout``
    seconds later (the listener was killed, the playbook launch failed) is dispatched again
    at once: the commits it was to read are still in the backlog, never covered by a job that
    will not run. That is no failure of the device.
    """
    out: list[Decision] = []
    for state in _states(states):
        run = state.running
        if run is not None and run.started_at is None and run.emitted and run.dispatched_at is not None \
                and now >= _start_clock(run, run.dispatched_at) + state.settings.start_timeout:
            state.running = None
            if state.pending is None:
                state.pending = PendingJob(now, now, SCHEDULED)
            state.pending.due = min(state.pending.due, now)
            out.append(_decide(state, REDISPATCH, now,
                               f"redispatch: job {run.dispatch_id or ''} dispatched at {_t(run.dispatched_at)} "
                               f"did not start within {state.settings.start_timeout:g}s", run.dispatch_id))
            continue
        if run is not None and now >= run.deadline:
            reason = f"timeout: {_label(run.job_id)} did not report back by {_t(run.deadline)}"
            out += _fail(state, now, TIMEOUT, reason, run.job_id)
    return out


def _start_clock(run: RunningJob, dispatched_at: float) -> float:
    """Since when a dispatched job has waited to start: its dispatch, or the last start of a job
    dispatched with it (its run is alive, its forks are busy)."""
    return dispatched_at if run.alive_at is None else max(dispatched_at, run.alive_at)


def run_progress(states: States) -> list[str]:
    """Jobs dispatched together (one event, one run) start one after the other as the runner's
    forks free up: the last start of a job of a dispatch keeps the jobs still waiting in the same
    run from being dispatched again (R12) or timing out (R8). Returns the devices updated."""
    items = _states(states)
    latest: dict[float, float] = {}
    for state in items:
        run = state.running
        if run is not None and run.dispatched_at is not None and run.started_at is not None:
            latest[run.dispatched_at] = max(latest.get(run.dispatched_at, run.started_at), run.started_at)
    out: list[str] = []
    for state in items:
        run = state.running
        if run is None or run.started_at is not None or run.dispatched_at is None:
            continue
        alive = latest.get(run.dispatched_at)
        if alive is not None and (run.alive_at is None or alive > run.alive_at):
            run.alive_at = alive
            run.deadline = max(run.deadline, alive + state.settings.job_timeout)
            out.append(state.name)
    return out


def tick(states: States, now: float) -> list[Decision]:
    """Handle timeouts, then postpone or dispatch every pending job due at ``now``.

    A DISPATCH decision means: start a job for that device now (together with
    the other dispatched devices, if the caller batches them), then call
    ``job_started``. Until then the device counts as running.
    """
    items = _states(states)
    out = check_timeouts(items, now)
    for state in items:
        pending = state.pending
        if pending is None or pending.due > now:
            continue
        settings = state.settings
        if not settings.auto_resync:
            state.pending = None
            out.append(_decide(state, CANCEL, now, "cancelled: auto-resync disabled"))
        elif state.running is not None:
            step = settings.damper_interval
            pending.due += step * max(math.floor((now - pending.due) / step), 0)
            while pending.due <= now:
                pending.due += step
            pending.postponed += 1
            out.append(_decide(state, POSTPONE, now,
                               f"postponed: {_label(state.running.job_id)} running; "
                               f"job due at {_t(pending.due)}", due=pending.due))
        else:
            state.pending = None
            state.running = RunningJob(None, now + settings.job_timeout, dispatched_at=now)
            out.append(_decide(state, DISPATCH, now,
                               f"dispatched: {pending.kind} job due at {_t(pending.due)}",
                               due=pending.due))
    return out


def due(states: States, now: float) -> list[str]:
    """``tick``, returning the names of the devices to resync now (sorted)."""
    return sorted(d.device for d in tick(states, now) if d.action == DISPATCH)


def next_wakeup(states: States, pending: bool = True) -> float | None:
    """The earliest time at which ``tick`` has something to do (``pending`` False: leave out the
    pending jobs' due times, for a caller that batches them itself)."""
    times = [s.pending.due for s in _states(states) if pending and s.pending is not None]
    times += [s.running.deadline for s in _states(states) if s.running is not None]
    times += [_start_clock(s.running, s.running.dispatched_at) + s.settings.start_timeout for s in _states(states)
              if s.running is not None and s.running.started_at is None and s.running.emitted
              and s.running.dispatched_at is not None]
    return min(times, default=None)
