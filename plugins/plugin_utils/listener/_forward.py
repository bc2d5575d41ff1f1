# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: what a standby listener received, handed to the leader through the store inbox.

A standby (it does not hold the leader lease, ``lease.py``) maps each commit notification to
its device as the leader would, but does not run the damper: it buffers one inbox row per
device per flush (repeats counted), which the leader takes with ``ingest_inbox``. So a commit
reaches the leader whichever listener the device sent it to, and one that arrives while the
leader is dead waits in the inbox for the listener that takes over.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store import JobStore


class Forwarder:
    """One buffered inbox row per device: the first notification, and how many came."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.rows: dict[str, dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self.rows)

    def add(self, device: str, source: str, kind: str, user: Optional[str], detail: str, at: float,
            count: int = 1) -> None:
        row = self.rows.get(device)
        if row is not None:
            row["count"] += count
            return
        self.rows[device] = {"source": source, "kind": kind, "user": user, "detail": detail[:1000], "at": at,
                             "count": count, "via": self.holder}

    def write(self, jobs: JobStore) -> list[str]:
        """Put the rows in the inbox (inside the caller's transaction); the devices written."""
        names = sorted(self.rows)
        for name in names:
            row = self.rows[name]
            jobs.inbox_put(name, "standby %s" % row["source"], json.dumps(row, sort_keys=True))
        return names

    def written(self, names: list[str]) -> None:
        for name in names:
            self.rows.pop(name, None)
