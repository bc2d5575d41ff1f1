# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The listener's worker thread: all store I/O runs here, never on the event loop.

The event loop only receives (UDP datagrams, TCP frames, NETCONF notifications) and hands
each message to ``submit_*``, which appends it to a bounded backlog and returns at once. So
the sockets keep being read while a SQL write waits for a lock or a restarted PostgreSQL.
The worker thread drains the backlog into the listener, flushes within ``flush_delay`` of a
message, and runs the scheduler pass (inbox, jobs, ``tick``) every ``tick`` seconds or when
the damper next has something to do. Each event goes to ``emit`` (which puts it in the
rulebook's queue from this thread) and is then marked emitted.

A store error is counted (``store-errors``), logged at most once a minute, and retried on
the next pass; nothing buffered is lost (``Listener.flush`` is all or nothing). A backlog
over ``max_backlog`` messages (the store is down during a flood) drops new messages and
counts them (``dropped:backlog-full``), so memory stays bounded.

With a leader lease (``lease.py``), the worker tries to take it before it handles the first
message and at every pass; while another listener leads, a pass only flushes what this
standby forwards. A clean stop releases the lease, so the other listener takes over at once.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Callable, Optional

LOG = logging.getLogger("ansible_collections.netsync.fleet.commit_events")
DEFAULT_MAX_BACKLOG = 200_000
_LOG_EVERY = 60.0

Emit = Callable[[dict[str, Any]], None]


class ListenerWorker:
    """Runs one ``Listener`` in a thread of its own; see the module docstring."""

    def __init__(self, listener: Any, emit: Emit, tick: float = 1.0, flush_delay: float = 0.05,
                 max_backlog: int = DEFAULT_MAX_BACKLOG, clock: Callable[[], float] = time.time,
                 on_pass: Optional[Callable[[], None]] = None) -> None:
        self.listener = listener
        self.emit = emit
        self.tick = tick
        self.flush_delay = flush_delay
        self.max_backlog = max_backlog
        self.clock = clock
        self.on_pass = on_pass
        self._backlog: collections.deque[tuple[Any, ...]] = collections.deque()
        self._wake = threading.Condition()
        self._stop = False
        self._unflushed_since: Optional[float] = None
        self._next_pass = 0.0
        self._hold_until = 0.0  # after a store error: no write before then
        self._last_error_log = -_LOG_EVERY
        self._thread = threading.Thread(target=self._run, name="netsync-listener", daemon=True)

    @property
    def counters(self) -> Any:
        return self.listener.counters

    # -- called on the event loop: append and return ------------------------------------------
    def submit_line(self, data: bytes, addr: str, transport: str) -> None:
        self._submit(("syslog", data, addr, self.clock(), transport))

    def submit_netconf(self, device: str, data: bytes, at: float, resubscribed: bool = False) -> None:
        self._submit(("netconf", device, data, at, resubscribed))

    def _submit(self, item: tuple[Any, ...]) -> None:
        if len(self._backlog) >= self.max_backlog:
            self.counters["dropped:backlog-full"] += 1
            return
        self._backlog.append(item)
        if len(self._backlog) == 1:
            with self._wake:
                self._wake.notify()

    @property
    def backlog(self) -> int:
        return len(self._backlog)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, wait: float = 10.0) -> None:
        """Stop after the current pass; ingest what is left and flush once more."""
        with self._wake:
            self._stop = True
            self._wake.notify()
        self._thread.join(wait)

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        self._guard(self._lead)  # leader or standby before the first message is handled
        while True:
            with self._wake:
                if not self._backlog and not self._stop:
                    self._wake.wait(self._timeout())
                stopping = self._stop
            self._drain()
            now = self.clock()
            held = now < self._hold_until and not stopping
            if not held and self._unflushed_since is not None and (
                    stopping or now - self._unflushed_since >= self.flush_delay):
                self._guard(self._flush)
            if stopping:
                self._guard(self.listener.release_lease)
                return
            if not held and now >= self._next_pass:
                self._guard(self._pass)

    def _timeout(self) -> float:
        now = self.clock()
        due = self._next_pass
        if self._unflushed_since is not None:
            due = min(due, self._unflushed_since + self.flush_delay)
        due = max(due, self._hold_until)
        return min(max(due - now, 0.0), self.tick)

    def _drain(self) -> None:
        listener = self.listener
        while self._backlog:
            item = self._backlog.popleft()
            try:
                if item[0] == "syslog":
                    listener.ingest_syslog(item[1], item[2], item[3], item[4])
                else:
                    listener.ingest_netconf(item[1], item[2], item[3], item[4])
            except Exception:  # a bad message or a store hiccup never stops the listener
                self.counters["errors"] += 1
                LOG.exception("netsync.fleet.commit_events: failed to handle a message")
            if self._unflushed_since is None:
                self._unflushed_since = self.clock()

    def _flush(self) -> None:
        self.listener.flush()
        self._unflushed_since = None

    def _pass(self) -> None:
        listener = self.listener
        now = self.clock()
        if self.on_pass is not None:
            self.on_pass()
        if not listener.hold_lease():  # a standby: forward what it received, try again next pass
            listener.flush()
            self._unflushed_since = None
            self._next_pass = self.clock() + self.tick
            return
        listener.ingest_inbox(now)
        listener.poll_jobs(now)
        for event in listener.tick(now):
            LOG.info("netsync.fleet.commit_events: resync %s", event["netsync"]["limit"])
            self.emit(event)
            listener.emitted(event)  # persisted by the next flush; until then a restart emits it again
        self._unflushed_since = self._unflushed_since or (self.clock() if listener.has_unflushed() else None)
        wake = listener.next_wakeup()
        now = self.clock()
        self._next_pass = now + self.tick if wake is None else min(now + self.tick, max(wake, now + 0.01))

    def _lead(self) -> None:
        self.listener.hold_lease()

    def _guard(self, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:
            self.counters["store-errors"] += 1
            now = time.monotonic()
            if now - self._last_error_log >= _LOG_EVERY:
                self._last_error_log = now
                LOG.error("netsync.fleet.commit_events: store write failed (%s: %s); nothing is lost, retrying",
                          type(exc).__name__, str(exc)[:300])
            self._hold_until = self.clock() + 1.0  # retry in a second, without spinning
            self._next_pass = min(self._next_pass, self._hold_until)
            if self._unflushed_since is None:
                self._unflushed_since = self.clock()
