# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The jobs role of the store: resync jobs, notifications, the inbox and the listener's damper state.

What the resync task, the listener, the callback and the report share about
work to do and work done. Methods join the caller's transaction when one is
open (``Store.transaction()``).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database


class JobStore:
    """Jobs, notifications, inbox rows and damper states."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    # -- jobs ------------------------------------------------------------------------------
    def get(self, job_id: str) -> Optional[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def started(self, job_id: str, device: str, origin: str = "manual") -> None:
        now = self.clock()
        with self.db.transaction():
            if self.get(job_id) is None:
                self.db.execute("INSERT INTO jobs (id, device, state, origin, created_at, started_at) "
                                "VALUES (?, ?, 'running', ?, ?, ?)", (job_id, device, origin, now, now))
            else:
                self.db.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?", (now, job_id))

    def read(self, job_id: str, commit_time: Optional[float]) -> None:
        self.db.execute("UPDATE jobs SET read_at = ?, read_commit_time = ? WHERE id = ?",
                        (self.clock(), commit_time, job_id))

    def finished(self, job_id: str, ok: bool, message: str = "") -> None:
        self.db.execute("UPDATE jobs SET state = ?, ended_at = ?, message = ? WHERE id = ?",
                        ("done" if ok else "failed", self.clock(), message[:2000], job_id))

    def fail_if_running(self, job_id: str, message: str) -> bool:
        """End the job failed unless it has already ended (a job that stored its snapshot stays done)."""
        return bool(self.db.execute("UPDATE jobs SET state = 'failed', ended_at = ?, message = ? WHERE id = ? "
                                    "AND state = 'running'", (self.clock(), message[:2000], job_id)))

    def fail_running_of(self, device: str, message: str) -> int:
        """End failed every job of ``device`` still running (a new job recovers the device from them)."""
        return self.db.execute("UPDATE jobs SET state = 'failed', ended_at = ?, message = ? WHERE device = ? "
                               "AND state = 'running'", (self.clock(), message[:2000], device))

    def recent(self, device: Optional[str] = None, limit: int = 100) -> list[dict[str, Any]]:
        if device is None:
            return self.db.query("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (int(limit),))
        return self.db.query("SELECT * FROM jobs WHERE device = ? ORDER BY created_at DESC LIMIT ?",
                             (device, int(limit)))

    def reads(self, devices: Sequence[str]) -> list[dict[str, Any]]:
        """Every job of ``devices`` that read a configuration (``read_at`` set), by read time."""
        return self.db.in_batches("SELECT id, device, read_at, read_commit_time FROM jobs WHERE device IN (%s) "
                                  "AND read_at IS NOT NULL ORDER BY read_at, id", devices)

    # -- notifications ---------------------------------------------------------------------
    def record_notification(self, source: str, kind: str, device: Optional[str], accepted: bool,
                            reason: str = "", commit_time: Optional[float] = None,
                            commit_user: Optional[str] = None, detail: str = "",
                            received_at: Optional[float] = None) -> int:
        """One notification; ``received_at`` defaults to now (the listener passes the arrival time)."""
        return self.db.insert(
            "INSERT INTO notifications (received_at, device, source, kind, accepted, reason, commit_time, "
            "commit_user, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.clock() if received_at is None else received_at, device, source, kind, 1 if accepted else 0,
             reason, commit_time, commit_user, detail[:2000]))

    def accepted_notifications(self, devices: Sequence[str], after: float) -> list[dict[str, Any]]:
        """Accepted notifications of ``devices`` received after ``after``, oldest first."""
        return self.db.in_batches("SELECT device, received_at, commit_time FROM notifications WHERE device IN (%s) "
                                  "AND accepted = 1 AND received_at > ? ORDER BY received_at, id", devices, (after,))

    def notified_since(self, device: str, since: float, read_commit_time: Optional[float]) -> bool:
        """True if an accepted notification after ``since`` names a commit the read did not include."""
        rows = self.db.query("SELECT commit_time FROM notifications WHERE device = ? AND accepted = 1 "
                             "AND received_at > ?", (device, since))
        for row in rows:
            ct = row["commit_time"]
            if ct is None or read_commit_time is None or ct > read_commit_time:
                return True
        return False

    # -- inbox (in-band changes the callback reports) --------------------------------------
    def inbox_put(self, device: str, source: str, detail: str = "") -> int:
        return self.db.insert("INSERT INTO inbox (at, device, source, detail) VALUES (?, ?, ?, ?)",
                              (self.clock(), device, source, detail[:2000]))

    def inbox_take(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Claim up to ``limit`` unclaimed inbox rows (each is returned to one caller only)."""
        now = self.clock()
        with self.db.transaction():
            lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
            rows = self.db.query("SELECT id, at, device, source, detail FROM inbox WHERE taken_at IS NULL "
                                 "ORDER BY id LIMIT ?%s" % lock, (int(limit),))
            for row in rows:
                self.db.execute("UPDATE inbox SET taken_at = ? WHERE id = ?", (now, row["id"]))
        return rows

    # -- the auto-resync listener's damper state -------------------------------------------
    def load_damper_states(self) -> dict[str, dict[str, Any]]:
        """Every device's persisted damper state (JSON documents written by the listener)."""
        rows = self.db.query("SELECT device, state FROM damper_state")
        return {r["device"]: json.loads(r["state"]) for r in rows}

    def save_listener_counters(self, counters: dict[str, int], at: float, role: str = "leader") -> None:
        """The listener's counters (received, dropped by reason, kernel drops …), for device_info and the
        report; the leader's, and a standby's (``role``) beside them."""
        key = "listener_counters" if role == "leader" else "listener_counters:%s" % role
        value = json.dumps({"at": at, "counters": counters, "role": role}, sort_keys=True)
        self.db.execute("INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value", (key, value))

    def listener_counters(self) -> Optional[dict[str, Any]]:
        """The leader's counters document, with the standby's under ``standby`` when there is one."""
        rows = self.db.query("SELECT key, value FROM store_meta WHERE key IN "
                             "('listener_counters', 'listener_counters:standby')")
        if not rows:
            return None
        docs = {r["key"]: json.loads(r["value"]) for r in rows}
        out = dict(docs.get("listener_counters") or {})
        if "listener_counters:standby" in docs:
            out["standby"] = docs["listener_counters:standby"]
        return out

    def forget_damper_states(self, names: list[str]) -> None:
        """Drop the persisted damper states of devices the store no longer holds."""
        with self.db.transaction():
            for name in names:
                self.db.execute("DELETE FROM damper_state WHERE device = ?", (name,))

    def save_damper_states(self, states: dict[str, dict[str, Any]]) -> None:
        """Persist damper states (one transaction for the batch)."""
        now = self.clock()
        rows = [(device, json.dumps(state, sort_keys=True), now) for device, state in states.items()]
        with self.db.transaction():
            self.db.executemany("INSERT INTO damper_state (device, state, updated_at) VALUES (?, ?, ?) "
                                "ON CONFLICT (device) DO UPDATE SET state = excluded.state, "
                                "updated_at = excluded.updated_at", rows)
