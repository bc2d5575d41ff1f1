# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The queued hosts of a task, handed out one at a time to the pool processes' threads as they free up.

Dealt to the processes beforehand, a slow or unreachable device held up the hosts dealt after it to
its process while the other processes' threads sat idle: ``--forks`` promises that many hosts at
once, not that many until one process runs out. The parent writes the hosts' indexes into a pipe
(then one end mark per thread) before and while the pool processes read; a thread takes the next
index with one ``read`` of 4 bytes. The kernel serialises the reads of a pipe and a write of at most
``PIPE_BUF`` bytes lands whole, so every index is taken exactly once, with no lock that a process
killed while holding it could leave taken. A reader that dies leaves the others going; when no
reader is left, the parent's writer stops (``EPIPE``).
"""
from __future__ import annotations

import os
import struct
import threading
from typing import Optional

_ITEM = struct.Struct("=I")
END = 0xFFFFFFFF  # one per thread: no more hosts
_CHUNK = 4096  # PIPE_BUF on Linux, a multiple of the item size: a write of it lands whole


class Claims:
    """Indexes ``0 .. count-1`` then ``readers`` end marks, through a pipe shared by forking.

    Create it in the parent before the fork; then ``feed()`` in the parent (a daemon thread writes
    and closes its ends) and ``reading()`` in each child, whose threads call ``take()``.
    """

    def __init__(self, count: int, readers: int) -> None:
        if count < 0 or count >= END or readers < 1:
            raise ValueError("count must be 0..%d and readers at least 1" % (END - 1))
        self.count = count
        self.readers = readers
        self._read_fd, self._write_fd = os.pipe()
        self._feeder: Optional[threading.Thread] = None

    def feed(self) -> None:
        """In the parent, once the readers are forked: its read end closed, the indexes written by a
        daemon thread (the pipe holds 64 KiB: a task of more than 16,000 hosts is written as it is read)."""
        os.close(self._read_fd)
        self._feeder = threading.Thread(target=self._write, args=(self.payload(),), name="netsync-fleet-claims",
                                        daemon=True)
        self._feeder.start()

    def payload(self) -> bytes:
        """What the parent writes: every index in order, then one end mark per reading thread."""
        return b"".join(_ITEM.pack(i) for i in range(self.count)) + _ITEM.pack(END) * self.readers

    def _write(self, payload: bytes) -> None:
        try:
            view = memoryview(payload)
            for start in range(0, len(view), _CHUNK):
                os.write(self._write_fd, view[start:start + _CHUNK])  # whole: at most PIPE_BUF bytes
        except OSError:  # EPIPE: every reader is gone (stopped, killed); nobody takes the rest
            pass
        finally:
            os.close(self._write_fd)

    def discard(self) -> None:
        """In the parent when no reader was forked: both ends closed."""
        for fd in (self._read_fd, self._write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def reading(self) -> None:
        """In a forked reader: its copy of the write end closed."""
        os.close(self._write_fd)

    def take(self) -> Optional[int]:
        """The next host's index, or None: no more (an end mark, or every writer gone)."""
        data = os.read(self._read_fd, _ITEM.size)  # whole: the pipe only ever holds whole items
        if len(data) < _ITEM.size:  # its end: every writer gone
            return None
        (index,) = _ITEM.unpack(data)
        return None if index == END else index

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait for the parent's writer (tests)."""
        if self._feeder is not None:
            self._feeder.join(timeout)
