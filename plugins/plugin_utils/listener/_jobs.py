# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the listener's view of jobs, read from the store's jobs table (a mixin of ``Listener``).

Feeds the damper the lifecycle of the jobs the listener dispatched, and of jobs others
started (manual resyncs, R9); after a restart, finds the ids of dispatched jobs again.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision, DeviceState
from ansible_collections.netsync.fleet.plugins.module_utils.store import Store

_JOB_LOOKBACK = 20  # jobs per device searched to recover a dispatched job after a restart


class JobTracking:
    """Job polling for ``Listener``; the attributes are the listener's."""

    store: Store
    leading: bool
    states: dict[str, DeviceState]
    store_status: dict[str, str]
    jobs: dict[str, str]
    _since: Optional[float]
    _ended: set[str]
    _dirty: set[str]
    _status_dirty: dict[str, str]

    def _state(self, name: str, now: float) -> DeviceState:
        raise NotImplementedError

    def _log(self, decisions: list[Decision]) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError

    def poll_jobs(self, now: float) -> list[Decision]:
        """Feed the damper the lifecycle of jobs, read from the jobs table.

        Jobs it dispatched, and jobs others started (manual resyncs) since the
        listener's first poll.
        """
        out: list[Decision] = []
        if not self.leading:  # the leader follows the jobs
            return out
        self._recover_jobs()
        self._manual_jobs(now)
        for job_id, name in list(self.jobs.items()):
            state = self.states.get(name)
            job = self.store.jobs.get(job_id)
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
                self._ended.add(job_id)
            if state.status != before and events:
                self._status_dirty[name] = events[-1].reason
            self._dirty.add(name)
        self._log(out)
        self.flush()
        return out

    def _job_events(self, state: DeviceState, job_id: str, job: dict[str, Any], now: float) -> list[Decision]:
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
        if self._since is None:
            self._since = now
        for job in self.store.jobs.recent(limit=_JOB_LOOKBACK * 5):
            if float(job["created_at"]) < self._since:
                break  # newest first
            job_id = job["id"]
            if job_id in self.jobs or job_id in self._ended or job["device"] not in self.store_status:
                continue
            self._state(job["device"], now)
            self.jobs[job_id] = job["device"]

    def _recover_jobs(self) -> None:
        """After a restart: find the job ids of dispatched jobs in the jobs table."""
        known = set(self.jobs)
        for name, state in self.states.items():
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
            for job in self.store.jobs.recent(name, _JOB_LOOKBACK):
                if job["origin"] == "auto" and float(job["created_at"]) >= run.dispatched_at - 1.0:
                    self.jobs[job["id"]] = name
                    break
