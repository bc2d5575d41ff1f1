# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the listener package: the leader lease, notification records and ``flush``.

Persistence is batched: ingest buffers the damper states it changes, the notification records
and status changes; ``flush`` writes them in one transaction, all or nothing (a failed write
keeps everything buffered and raises; the next flush retries). A leader renews its lease in the
same transaction; when another listener holds it, this one steps down and forwards what it
accepted and had not persisted (``_forward.py``).
"""
from __future__ import annotations

from collections import Counter
from typing import Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._base import ListenerBase
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaseLost
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import record_listener


class ListenerStore(ListenerBase):
    """Lease, records and flush of the ``Listener``."""

    # -- the leader lease (several listeners on one store) ---------------------------------
    def hold_lease(self) -> bool:
        """Take (standby) or renew (leader) the lease; True while this listener leads."""
        lease = self.lease
        if lease is None:
            return True
        if self.leading:
            if lease.fresh() or lease.hold():
                return True
            self._step_down()
            return False
        if lease.hold():
            self._become_leader()
        return self.leading

    def _become_leader(self) -> None:
        """Take over as a restarted leader would: the persisted damper states, jobs found again."""
        self.flush()  # what this standby forwarded goes first (the inbox is read as the leader next)
        self.states = {}
        self.follower.reset()
        self._dirty, self._status_dirty, self._forget = set(), {}, set()
        self._load_states()
        self._indexed_at = None  # settings applied to the loaded states at the next refresh
        self.leading = True
        self.counters["lease:acquired"] += 1

    def _step_down(self) -> None:
        """Another listener leads: what this one accepted and did not persist is forwarded to it."""
        for rec in [r for r in self._records if r["accepted"] and r["device"]]:
            self.forwarder.add(rec["device"], rec["source"], rec["kind"], rec["commit_user"], rec["detail"],
                               rec["at"], rec["count"])
        self._records = [r for r in self._records if not r["accepted"]]
        self._repeats = {}
        self.states = {}
        self.follower.reset()
        self._dirty, self._status_dirty, self._forget = set(), {}, set()
        self.leading = False
        self.counters["lease:lost"] += 1

    def release_lease(self) -> None:
        """A clean stop: the other listener need not wait for the lease to run out."""
        if self.lease is not None and self.leading:
            self.lease.release()
            self.leading = False

    def _record(self, source: str, kind: str, device: Optional[str], accepted: bool, reason: str,
                user: Optional[str], data: bytes, now: float, repeat: Optional[str] = "unknown") -> None:
        """Buffer a notification record (received at ``now``); repeats in one flush batch become one
        record with a count, received when the first of them was."""
        key = (device, source, kind, repeat) if repeat is not None else None
        if key is not None:
            rec = self._repeats.get(key)
            if rec is not None:
                rec["count"] += 1
                return
        rec = {"source": source, "kind": kind, "device": device, "accepted": accepted, "reason": reason,
               "commit_user": user, "detail": data[:2000].decode("utf-8", "replace"), "count": 1, "at": now}
        self._records.append(rec)
        if key is not None:
            self._repeats[key] = rec
        if len(self._records) >= self.flush_every:
            self.flush()

    # -- persistence -----------------------------------------------------------------------
    def has_unflushed(self) -> bool:
        return bool(self._dirty or self._records or self._status_dirty or self.alarm_signals or self._forget
                    or self.forwarder or self.counters != self._saved_counters)

    def flush(self) -> None:
        """Persist buffered damper states, notification records and status changes.

        All or nothing: when the write fails, everything stays buffered (and the exception
        propagates); the next flush writes it. A leader renews its lease in the same
        transaction; when another listener holds it, this one steps down (``_step_down``) and
        writes only what a standby writes.
        """
        if not self.has_unflushed():
            return
        signals, commits = self.alarm_signals.take(), Counter[str]()
        records, dirty, statuses, forget = self._records, set(self._dirty), dict(self._status_dirty), set(self._forget)
        store = self.store
        written: dict[str, str] = {}
        forwarded: list[str] = []
        counters: dict[str, int] = {}
        try:
            with store.transaction():
                if self.leading and self.lease is not None and not self.lease.hold():
                    raise LeaseLost()
                forwarded = self.forwarder.write(store.jobs)
                for rec in records:
                    if rec["accepted"]:  # the commits_notified metric: counted here, not on the ingest path
                        commits[rec["device"]] += rec["count"]
                    more = rec["count"] - 1
                    reason = rec["reason"] + (" (and %d more like it)" % more if more else "")
                    store.jobs.record_notification(rec["source"], rec["kind"], rec["device"], rec["accepted"],
                                                   reason, None, rec["commit_user"], rec["detail"],
                                                   received_at=rec["at"])
                record_listener(store.alarms, store.metrics, signals, commits)
                counters = dict(self.counters)
                store.jobs.save_listener_counters(counters, store.clock(),
                                                  role="leader" if self.leading else "standby")
                store.jobs.save_damper_states({n: self.states[n].to_dict() for n in dirty if n in self.states})
                if forget:
                    store.jobs.forget_damper_states(sorted(forget))
                for name, reason in statuses.items():
                    state = self.states.get(name)
                    row = store.devices.get(name)
                    if state is None or row is None or row["managed_status"] == state.status:
                        continue
                    store.devices.set_status(name, state.status, "auto-resync: %s" % reason)
                    written[name] = state.status
        except LeaseLost:
            self.alarm_signals.put_back(signals)
            self._step_down()
            self.flush()
            return
        except BaseException:
            self.alarm_signals.put_back(signals)
            self.counters["store-write-failures"] += 1
            raise
        self.forwarder.written(forwarded)
        self._saved_counters = counters
        self.store_status.update(written)
        del self._records[:len(records)]
        if not self._records:
            self._repeats = {}
        self._dirty -= dirty
        self._forget -= forget
        for name in statuses:
            if self._status_dirty.get(name) == statuses[name]:
                del self._status_dirty[name]
