# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner's pool of threads: daemon threads, so that a run told to stop is not held up by them.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits: after a
Ctrl-C (ansible-playbook ends with ``KeyboardInterrupt``), the in-process hosts' device reads in
flight held the exit for up to their timeouts, although their devices had been given back
(``tasks/cancel.py``). These threads are daemons: ``shutdown(wait=True)`` joins them as usual at
the end of a task; after a stop, ``shutdown(wait=False, cancel=True)`` drops the hosts that have not
started and the interpreter leaves the running ones behind. They block SIGTERM and SIGINT, and the
joins wait in slices, so that a signal is handled at once by the main thread: a pool process's main
thread blocked in a join did not see a SIGINT the kernel had given another thread until that
thread's device read returned (seen: 39 s).
"""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import block_stop_signals

Job = Optional[tuple[Callable[..., Any], tuple[Any, ...]]]


class DaemonPool:
    """Up to ``size`` daemon threads, started as work arrives; each job runs once, in submission order."""

    def __init__(self, size: int, name: str) -> None:
        self.size = max(1, int(size))
        self.name = name
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.put((fn, args))
            if self._idle == 0 and len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name="%s_%d" % (self.name, len(self._threads)),
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle = max(0, self._idle - 1)

    def _work(self) -> None:
        # SIGTERM and SIGINT go to the main thread, whose handler gives the devices back
        # (tasks/cancel.py): a signal the kernel gave this thread (or the SSH and NETCONF threads it
        # starts, which inherit the mask) would wait until the main thread ran Python code again
        block_stop_signals()
        while True:
            job = self._queue.get()
            if job is None:
                return
            fn, args = job
            try:
                fn(*args)
            except BaseException:  # the job reports its own errors; a thread never dies of one
                pass
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        """No more jobs; with ``cancel`` the queued ones are dropped; with ``wait`` the running ones are joined."""
        with self._lock:
            self._closed = True
            if cancel:
                while True:
                    try:
                        if self._queue.get_nowait() is None:
                            continue
                    except queue.Empty:
                        break
            threads = list(self._threads)
        for _thread in threads:  # one end mark for each thread
            self._queue.put(None)
        if wait:
            for thread in threads:
                while thread.is_alive():  # in slices: a signal's handler runs in this thread between them
                    thread.join(0.2)
