# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the listener's view of jobs, read from the store's jobs table (``JobFollower``).

Feeds the damper the lifecycle of the jobs the listener dispatched, and of jobs others
started (manual resyncs, R9); after a restart, finds the ids of dispatched jobs again. A
helper object of ``Listener`` (``listener.follower``): it owns which jobs are followed, and
works on the listener's damper states.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision, DeviceState
from ansible_collections.netsync.fleet.plugins.module_utils.store import Store

_JOB_LOOKBACK = 20  # jobs per device searched to recover a dispatched job after a restart


class _Listener(Protocol):
    """What the follower uses of its ``Listener``."""

    store: Store
    leading: bool
    states: dict[str, DeviceState]
    store_status: dict[str, str]
    _dirty: set[str]
    _status_dirty: dict[str, str]

    def _state(self, name: str, now: float) -> DeviceState: ...

    def _log(self, decisions: list[Decision]) -> None: ...

    def flush(self) -> None: ...


class JobFollower:
    """The jobs one listener follows: dispatched job id -> device, and the ones fed to their end."""

    def __init__(self, listener: _Listener) -> None:
        self.listener = listener
        self.jobs: dict[str, str] = {}  # dispatched or followed job id -> device
        self.ended: set[str] = set()  # job ids already fed to the damper to their end
        self.since: Optional[float] = None  # manual jobs created before this are not ours to follow

    def reset(self) -> None:
        """Follow nothing (a new leader starts from the store, as after a restart)."""
        self.jobs, self.ended, self.since = {}, set(), None

    def forget_device(self, name: str) -> None:
        """The device's jobs are not followed any more (later reports are ignored: R8)."""
        for job_id in [j for j, d in self.jobs.items() if d == name]:
            self.jobs.pop(job_id)
            self.ended.add(job_id)

    def poll(self, now: float) -> list[Decision]:
        """Feed the damper the lifecycle of jobs, read from the jobs table.

        Jobs it dispatched, and jobs others started (manual resyncs) since the
        listener's first poll.
        """
        lis = self.listener
        out: list[Decision] = []
        if not lis.leading:  # the leader follows the jobs
            return out
        self._recover_jobs()
        self._manual_jobs(now)
        for job_id, name in list(self.jobs.items()):
            state = lis.states.get(name)
            job = lis.store.jobs.get(job_id)
            if state is None:
                self.jobs.pop(job_id)
                continue
            if job is None or job["started_at"] is None:
                if state.running is None:
                    self.jobs.pop(job_id)
                continue
            before = state.status
            events = self._job_events(state, job_id, job, now)
            out += events
            if job["state"] in ("done", "failed") or state.running is None:
                self.jobs.pop(job_id, None)
                self.ended.add(job_id)
            if state.status != before and events:
                lis._status_dirty[name] = events[-1].reason
            lis._dirty.add(name)
        lis._log(out)
        lis.flush()
        return out

    @staticmethod
    def _job_events(state: DeviceState, job_id: str, job: dict[str, Any], now: float) -> list[Decision]:
        started = min(float(job["started_at"]), now)
        run = state.running
        out: list[Decision] = []
        if run is None or run.job_id != job_id:
            decision = damper.job_started(state, job_id, started)
            out.append(decision)
            if decision.action == damper.REJECT:
                return out
        run = state.running
        if job["read_at"] is not None and run is not None and run.read is None:
            # read_at in the jobs table is when the read ended; the start is a safe bound.
            out += damper.config_read(state, job_id, now, commit_time=job["read_commit_time"],
                                      read_at=started)
        if job["state"] in ("done", "failed"):
            out += damper.job_finished(state, job_id, now, job["state"] == "done")
        return out

    def _manual_jobs(self, now: float) -> None:
        """Follow jobs the listener did not dispatch (manual resyncs, R9), from its start on."""
        lis = self.listener
        if self.since is None:
            self.since = now
        for job in lis.store.jobs.recent(limit=_JOB_LOOKBACK * 5):
            if float(job["created_at"]) < self.since:
                break  # newest first
            job_id = job["id"]
            if job_id in self.jobs or job_id in self.ended or job["device"] not in lis.store_status:
                continue
            lis._state(job["device"], now)
            self.jobs[job_id] = job["device"]

    def _recover_jobs(self) -> None:
        """After a restart: find the job ids of dispatched jobs in the jobs table."""
        lis = self.listener
        known = set(self.jobs)
        for name, state in lis.states.items():
            run = state.running
            if run is None:
                continue
            if run.job_id is not None:
                if run.job_id not in known:
                    self.jobs[run.job_id] = name
                continue
            if run.dispatch_id is not None:  # persisted with the dispatch (R12)
                self.jobs.setdefault(run.dispatch_id, name)
                continue
            if name in self.jobs.values() or run.dispatched_at is None:
                continue
            for job in lis.store.jobs.recent(name, _JOB_LOOKBACK):
                if job["origin"] == "auto" and float(job["created_at"]) >= run.dispatched_at - 1.0:
                    self.jobs[job["id"]] = name
                    break
