# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: database handles kept open for the next task of the same process (the fleet strategy).

A task opens its store, uses it and closes it. When many hosts' tasks run in threads of one process
(``plugin_utils/fleet_strategy``), opening is a real share of each host's cost: a SQLite connection
with its file check, schema check and pragmas, or a PostgreSQL connection with its server process.
Inside ``StoreReuse.active()`` a closed store's handle is not closed but kept, idle, and the next
``open_store`` of the same URL in that scope takes it instead of connecting. A handle is kept only
when nothing is pending on it (no open transaction) and the store was closed without an exception;
anything else is closed as usual. ``StoreReuse.close()`` closes every idle handle: the strategy
calls it when the task's hosts have all finished, so no handle outlives its task.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Optional

_ACTIVE: ContextVar[Optional["StoreReuse"]] = ContextVar("netsync_store_reuse", default=None)


class StoreReuse:
    """Idle database handles by store URL, shared by the threads that enter ``active()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, list[Any]] = {}
        self._closed = False
        self.opened = 0  # handles connected inside the scope
        self.reused = 0  # opens answered with an idle handle

    @contextmanager
    def active(self) -> Iterator["StoreReuse"]:
        """Make ``open_store`` in this thread (this context) take and give back handles here."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def connected(self) -> None:
        """Count a handle ``open_store`` connected inside the scope (threads count at once)."""
        with self._lock:
            self.opened += 1

    def take(self, url: str) -> Optional[Any]:
        with self._lock:
            idle = self._idle.get(url)
            if not idle:
                return None
            self.reused += 1
            return idle.pop()

    def give(self, url: str, db: Any) -> bool:
        """Keep ``db`` for the next open of ``url``; False (the caller closes it) when it cannot be kept."""
        if not db.reusable():
            return False
        with self._lock:
            if self._closed:
                return False
            self._idle.setdefault(url, []).append(db)
        return True

    def close(self) -> None:
        """Close every idle handle; handles given back later are closed by their store."""
        with self._lock:
            self._closed = True
            handles = [db for idle in self._idle.values() for db in idle]
            self._idle.clear()
        for db in handles:
            try:
                db.close()
            except Exception:  # nothing is pending on an idle handle: a failed close loses nothing
                pass


def current() -> Optional[StoreReuse]:
    return _ACTIVE.get()
