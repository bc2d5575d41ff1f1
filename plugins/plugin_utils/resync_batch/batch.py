# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The batch's work: a queue of per-host resyncs run by a pool of threads.

Two kinds of entries: *prefetched* ones (the batch computed the host's parameters itself, in
play order, ahead of ansible-core) and *requested* ones (a host's worker sent its own
parameters). The worker's parameters are the authority: a worker gets the result of a run made
with exactly its parameters, check and diff flags (``request_key``), never another's. A
prefetched entry that has not started takes the worker's parameters and moves to the front; one
that started with other parameters is run again with the worker's after it.
"""
from __future__ import annotations

import collections
import threading
import time
import traceback
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.protocol import request_key

Runner = Callable[..., dict[str, Any]]
QUEUED, RUNNING, DONE = "queued", "running", "done"


class Entry:
    def __init__(self, host: str, params: dict[str, Any], check_mode: bool, diff: bool) -> None:
        self.host = host
        self.set_request(params, check_mode, diff)
        self.state = QUEUED
        self.job_id: Optional[str] = None
        self.outcome: dict[str, Any] = {}
        self.delivered = False

    def set_request(self, params: dict[str, Any], check_mode: bool, diff: bool) -> None:
        self.params, self.check_mode, self.diff = dict(params), bool(check_mode), bool(diff)
        self.key = request_key(self.params, self.check_mode, self.diff)


class Batch:
    """Thread-safe queue and pool; ``stop()`` lets running resyncs end and starts no more."""

    def __init__(self, size: int, runner: Runner, job_ids: Callable[[str, int], str]) -> None:
        self.size = max(1, int(size))
        self.runner = runner
        self.job_ids = job_ids  # (host, n-th run) -> job id, for tasks that set none
        self.cond = threading.Condition()
        self.queue: collections.deque[Entry] = collections.deque()
        self.entries: dict[str, list[Entry]] = {}
        self.expected: set[str] = set()  # hosts whose worker will ask
        self.stopped = False
        self.last_activity = time.monotonic()
        self.kept: dict[str, Any] = {}  # store url -> a handle held open for the batch's life
        self.threads = [threading.Thread(target=self._work, name="resync-%d" % i, daemon=True)
                        for i in range(self.size)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def close(self) -> None:
        for handle in self.kept.values():
            try:
                handle.close()
            except Exception:
                pass

    def _keep_open(self, url: str) -> None:
        """Hold one handle on each store: with SQLite, closing the last connection checkpoints and
        removes the WAL, which each resync's own open and close would otherwise pay."""
        with self.cond:
            if url in self.kept:
                return
            self.kept[url] = None
        try:
            self.kept[url] = st.open_store(url, create=False)
        except Exception:
            pass  # the resync itself reports what is wrong with the store

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.queue.clear()  # their workers are told to run them themselves
            self.cond.notify_all()

    def expect(self, host: str) -> None:
        with self.cond:
            self.expected.add(host)

    def prefetch(self, host: str, params: dict[str, Any], check_mode: bool, diff: bool) -> None:
        """Queue a host at the back, unless its worker already asked."""
        with self.cond:
            if host not in self.entries and not self.stopped:
                entry = Entry(host, params, check_mode, diff)
                self.entries[host] = [entry]
                self.queue.append(entry)
                self.cond.notify()

    def request(self, host: str, params: dict[str, Any], check_mode: bool, diff: bool) -> Entry:
        """The entry that will answer this worker (queued at the front when it has not started)."""
        key = request_key(params, check_mode, diff)
        with self.cond:
            self.last_activity = time.monotonic()
            runs = self.entries.setdefault(host, [])
            for entry in runs:
                if entry.key == key and not entry.delivered:
                    if entry.state == QUEUED:
                        self._to_front(entry)
                    return entry
            queued = [e for e in runs if e.state == QUEUED]
            if queued:
                entry = queued[0]
                entry.set_request(params, check_mode, diff)
                self._to_front(entry)
                return entry
            entry = Entry(host, params, check_mode, diff)
            runs.append(entry)
            self.queue.appendleft(entry)
            self.cond.notify()
            return entry

    def _to_front(self, entry: Entry) -> None:
        self.queue.remove(entry)
        self.queue.appendleft(entry)

    def wait_started(self, entry: Entry, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: entry.state != QUEUED or self.stopped, timeout) and entry.state != QUEUED

    def wait_done(self, entry: Entry, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: entry.state == DONE, timeout)

    def delivered(self, entry: Entry) -> None:
        with self.cond:
            entry.delivered = True
            self.last_activity = time.monotonic()
            self.cond.notify_all()

    def idle(self) -> bool:
        """Nothing queued or running."""
        with self.cond:
            return not self.queue and all(e.state != RUNNING for runs in self.entries.values() for e in runs)

    def undelivered(self) -> int:
        """Results not yet taken, and expected hosts whose worker has not asked yet."""
        with self.cond:
            waiting = sum(1 for runs in self.entries.values() for e in runs if not e.delivered)
            return waiting + sum(1 for host in self.expected if not self.entries.get(host))

    def _work(self) -> None:
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.queue or self.stopped)
                if self.stopped:
                    return
                entry = self.queue.popleft()
                if not entry.params.get("job_id"):
                    entry.params["job_id"] = self.job_ids(entry.host, self.entries[entry.host].index(entry))
                entry.job_id = entry.params["job_id"]
                entry.state = RUNNING
                self.cond.notify_all()
            self._keep_open(entry.params.get("store") or st.default_store_url())
            outcome = self._run(entry)
            with self.cond:
                entry.outcome = outcome
                entry.state = DONE
                self.last_activity = time.monotonic()
                self.cond.notify_all()

    def _run(self, entry: Entry) -> dict[str, Any]:
        try:
            return {"ok": self.runner(dict(entry.params), check_mode=entry.check_mode, diff=entry.diff)}
        except TaskFailed as exc:
            return {"failed": exc.msg, "result": exc.result}
        except Exception as exc:  # a bug or a store error: the worker fails with the traceback
            return {"error": "%s: %s" % (type(exc).__name__, exc), "exception": traceback.format_exc()}
