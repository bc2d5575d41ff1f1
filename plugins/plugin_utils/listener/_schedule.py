# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the listener package: jobs followed, ``tick`` and the resync events (outbox).

``tick`` runs the damper's timeouts, postponements and dispatches; when due jobs go out is the
batching rule of ``_batching.py`` (R11). A dispatch is persisted (with its job id) before its
event is returned, and an event is returned again by every ``tick`` until ``emitted`` is called
for it, also after a restart (R12).
"""
from __future__ import annotations

import uuid
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._batching import release_at
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._persist import ListenerStore
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision


class ListenerSchedule(ListenerStore):
    """Jobs, ``tick``, events and wake-ups of the ``Listener``."""

    def poll_jobs(self, now: float) -> list[Decision]:
        """Feed the damper the lifecycle of the jobs it follows (``_jobs.py``); flushes."""
        return self.follower.poll(now)

    @property
    def jobs(self) -> dict[str, str]:
        """Job id -> device of the jobs it follows."""
        return self.follower.jobs

    def tick(self, now: float) -> list[dict[str, Any]]:
        """Timeouts, postponements and due jobs; one resync event for all devices going out now.

        Due jobs go out together by the batching rule (``_batching.py``, R11): a chain of due
        times within ``batch_window`` of each other leaves when its last job falls due (at most
        ``batch_span`` after the first); while a dispatched job has not ended, due jobs wait for
        its end (at most ``batch_hold`` past their due time).
        """
        if not self.leading:
            self.flush()
            return []
        self._maybe_refresh(now)
        self._dirty.update(damper.run_progress(self.states))  # a live run's waiting jobs are not lost (R12)
        release = self._release_at()
        if release is not None and now < release:
            decisions = damper.check_timeouts(self.states, now)
        else:
            decisions = damper.tick(self.states, now)
        self._log(decisions)
        for decision in decisions:
            self._dirty.add(decision.device)
            if decision.action in (damper.TIMEOUT, damper.FAIL):
                self._status_dirty[decision.device] = decision.reason
            if decision.action in (damper.TIMEOUT, damper.REDISPATCH):  # later reports are ignored (R8)
                self.follower.forget_device(decision.device)
            if decision.action == damper.DISPATCH:
                job_id = "auto-%s" % uuid.uuid4().hex[:16]
                run = self.states[decision.device].running
                if run is not None:
                    run.dispatch_id = job_id
                self.follower.jobs[job_id] = decision.device
        self._drop_unknown_dispatches()
        self.flush()  # the dispatches are persisted before their event goes out
        return self._outbox() + self._check_events(now)

    def _release_at(self) -> Optional[float]:
        return release_at(list(self.states.values()), self.batch_window, self.batch_span, self.batch_hold)

    def _check_events(self, now: float) -> list[dict[str, Any]]:
        """The consistency check of the devices due for one (never one with a pending or running job)."""
        busy = {n for n, s in self.states.items() if s.pending is not None or s.running is not None}
        devices = self.checks.due(now, self.platforms, busy)
        if not devices:
            return []
        self.counters["consistency-checks"] += len(devices)
        return [{"netsync": {"type": "check", "devices": devices, "limit": ",".join(devices)},
                 "meta": {"hosts": devices}}]

    def _drop_unknown_dispatches(self) -> None:
        """Never dispatch for a device the store does not hold (removed since the last refresh)."""
        names = sorted(n for n, s in self.states.items()
                       if s.running is not None and s.running.started_at is None and not s.running.emitted)
        if names:
            self._drop_removed(sorted(set(names) - self.store.devices.existing(names)))

    def _outbox(self) -> list[dict[str, Any]]:
        """One event for every dispatched job not yet emitted (this pass's, or an earlier one's)."""
        job_ids: dict[str, str] = {}
        for name, state in self.states.items():
            run = state.running
            if run is not None and run.started_at is None and run.dispatch_id and not run.emitted:
                job_ids[name] = run.dispatch_id
                self.follower.jobs.setdefault(run.dispatch_id, name)
        if not job_ids:
            return []
        devices = sorted(job_ids)
        self.counters["events"] += 1
        self.counters["dispatched"] += len(devices)
        return [{"netsync": {"type": "resync", "devices": devices, "job_ids": job_ids,
                             "limit": ",".join(devices)},
                 "meta": {"hosts": devices}}]  # ansible-rulebook limits run_playbook to meta.hosts

    def emitted(self, event: dict[str, Any]) -> None:
        """The event is in the rulebook's queue: not to be emitted again (persisted by the next flush)."""
        for name, job_id in event.get("netsync", {}).get("job_ids", {}).items():
            state = self.states.get(name)
            run = state.running if state is not None else None
            if run is not None and run.dispatch_id == job_id and not run.emitted:
                run.emitted = True
                self._dirty.add(name)

    def next_wakeup(self) -> Optional[float]:
        """When ``tick`` has something to do next: a deadline, a start timeout, the release of the
        due jobs (never a time already past while they are held), or a consistency check."""
        times = [t for t in (damper.next_wakeup(self.states, pending=False), self._release_at(),
                             self.checks.next_due()) if t is not None]
        return min(times, default=None)
