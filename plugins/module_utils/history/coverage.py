# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which job covered which commit notification: the rule the status report and the git export share.

Notifications covered by a job: a job *covers* the accepted notifications of its
device that its configuration read included, counted once, by the first job that
read: a notification is covered by the earliest job (by read time) that read at or
after the notification was received, or whose read included the notified commit
(the device's commit time is known for both and ``commit_time <= read_commit_time``).
So a job counts the notifications received between the previous read of the
device and its own read, plus late notifications of commits it already had. A
job that never read (failed before reading, pending, still running) covers none;
its notifications go to the next job that reads. Notifications no job covered yet
are the device's ``unsynced_notifications``.

A module of its own, with nothing but the standard library: the git export's action is imported by
ansible-playbook for every play that has the task (even when skipped), and the report package it
used to come from loads the HTML, SVG and history renderers.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any, Optional


def num(value: Any) -> Optional[float]:
    """A number as a float; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def covered_notifications(jobs: Iterable[Mapping[str, Any]], notifications: Iterable[Mapping[str, Any]]
                          ) -> tuple[dict[str, int], dict[str, int]]:
    """Notifications covered by each job, and those no job covered yet, per device.

    ``jobs``: jobs that read (``id``, ``device``, ``read_at``, ``read_commit_time``);
    ``notifications``: accepted ones (``device``, ``received_at``, ``commit_time``).
    Returns ``({job_id: count}, {device: uncovered count})``; see the module doc.
    """
    per_device: dict[str, list[Mapping[str, Any]]] = {}
    for job in jobs:
        if num(job.get("read_at")) is not None:
            per_device.setdefault(str(job["device"]), []).append(job)
    counts: dict[str, int] = {}
    pending: dict[str, int] = {}
    for device_jobs in per_device.values():
        device_jobs.sort(key=lambda j: (float(j["read_at"]), str(j["id"])))
        for job in device_jobs:
            counts[str(job["id"])] = 0
    reads = {d: [float(j["read_at"]) for j in js] for d, js in per_device.items()}
    for note in notifications:
        device = str(note.get("device"))
        received = num(note.get("received_at"))
        if received is None:
            continue
        device_jobs = per_device.get(device, [])
        # first job that read at or after the notification arrived
        index = bisect.bisect_left(reads.get(device, []), received)
        commit = num(note.get("commit_time"))
        if commit is not None:  # an earlier read may already have included the commit
            for i in range(index):
                read_commit = num(device_jobs[i].get("read_commit_time"))
                if read_commit is not None and commit <= read_commit:
                    index = i
                    break
        if index < len(device_jobs):
            job_id = str(device_jobs[index]["id"])
            counts[job_id] += 1
        else:
            pending[device] = pending.get(device, 0) + 1
    return counts, pending
