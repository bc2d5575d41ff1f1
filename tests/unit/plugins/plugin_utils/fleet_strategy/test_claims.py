"""The hosts of a task handed out through a pipe to the threads of forked pool processes: each exactly
once, in order, whichever process takes it; a reader that dies or stops leaves the rest going."""
from __future__ import annotations

import os
import select
import signal
import threading
import time

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.claims import END, Claims


def fork_reader(claims: Claims, out_fd: int, threads: int, hang: bool = False, pause: float = 0.0) -> int:
    """A child whose ``threads`` threads take indexes and write ``<pid>:<index>`` lines to ``out_fd``,
    ``pause`` seconds for each host; with ``hang``, each thread sleeps a long time after its first (a slow
    device)."""
    pid = os.fork()
    if pid:
        return pid
    try:  # the child
        claims.reading()
        lock = threading.Lock()

        def work() -> None:
            while (index := claims.take()) is not None:
                with lock:
                    os.write(out_fd, b"%d:%d\n" % (os.getpid(), index))
                time.sleep(30 if hang else pause)

        workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(None if not hang else 10)
    finally:
        os._exit(0)


class Lines:
    """The ``<pid>:<index>`` lines the readers wrote, as they arrive (never blocks past ``timeout``)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.got: list[tuple[int, int]] = []

    def until(self, count: int, timeout: float = 20.0) -> list[tuple[int, int]]:
        deadline = time.monotonic() + timeout
        while len(self.got) < count and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.1)[0]:
                self.buffer += os.read(self.fd, 65536)
                *complete, self.buffer = self.buffer.split(b"\n")
                self.got += [(int(p), int(i)) for p, i in (line.split(b":") for line in complete)]
        return self.got


def reap(*pids: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


@pytest.mark.parametrize("count", [1, 500, 20_000])  # 20,000: more than the pipe holds, written while read
def test_every_index_taken_once_by_the_threads_of_two_processes(count: int) -> None:
    r, w = os.pipe()
    claims = Claims(count, 6)
    pause = 0.002 if count == 500 else 0.0  # a host takes a little time: both processes get some
    pids = [fork_reader(claims, w, 3, pause=pause), fork_reader(claims, w, 3, pause=pause)]
    claims.feed()
    try:
        lines = Lines(r).until(count)
    finally:
        reap(*pids)
        os.close(r)
        os.close(w)
    claims.join(5)
    assert sorted(i for _, i in lines) == list(range(count))  # each once, none lost
    if pause:
        assert {p for p, _ in lines} == set(pids)  # both processes took hosts


def test_a_slow_host_holds_up_only_its_thread() -> None:
    """One process's only thread is stuck in its first host: the other process takes all the others
    (dealt round-robin beforehand, half of them would wait behind the slow one)."""
    r, w = os.pipe()
    claims = Claims(40, 2)
    slow = fork_reader(claims, w, 1, hang=True)
    fast = fork_reader(claims, w, 1)
    claims.feed()
    try:
        lines = Lines(r).until(40)
    finally:
        reap(slow, fast)
        os.close(r)
        os.close(w)
    assert sorted(i for _, i in lines) == list(range(40))
    assert len([i for p, i in lines if p == slow]) == 1


def test_a_reader_killed_leaves_the_other_going_and_the_writer_ends_when_none_is_left() -> None:
    r, w = os.pipe()
    claims = Claims(30_000, 2)  # more than the pipe holds: the writer is still writing when one reader dies
    dead = fork_reader(claims, w, 1, hang=True)
    alive = fork_reader(claims, w, 1, hang=False)
    claims.feed()
    lines = Lines(r)
    try:
        lines.until(1)
        reap(dead)  # killed while its thread is in its first host, or between taking it and saying so, or before
        deadline = time.monotonic() + 30
        while os.waitpid(alive, os.WNOHANG) == (0, 0) and time.monotonic() < deadline:
            lines.until(30_000, timeout=0.2)  # until the other one has taken the end mark and exited
        lines.until(30_000, timeout=0.5)
    finally:
        try:
            reap(alive)
        except ChildProcessError:  # already reaped above
            pass
        os.close(r)
        os.close(w)
    taken = [i for _, i in lines.got]
    assert len(taken) == len(set(taken)) >= 29_999  # each once; only the one the killed process held is gone
    assert len([i for p, i in lines.got if p == dead]) <= 1
    claims.join(5)
    assert claims._feeder is not None and not claims._feeder.is_alive()


def test_the_writer_stops_when_every_reader_is_gone() -> None:
    claims = Claims(100_000, 1)  # 400 KB: far more than the pipe holds
    pid = os.fork()
    if pid == 0:
        claims.reading()
        claims.take()
        os._exit(0)  # stops after one host (a run told to stop)
    claims.feed()
    os.waitpid(pid, 0)
    claims.join(5)
    assert claims._feeder is not None and not claims._feeder.is_alive()  # EPIPE, not blocked


def test_end_marks_and_a_closed_pipe_both_end_a_reader() -> None:
    claims = Claims(2, 1)
    os.write(claims._write_fd, claims.payload())
    claims.reading()  # its write end closed: after the end mark the pipe is at its end
    assert [claims.take(), claims.take(), claims.take(), claims.take()] == [0, 1, None, None]
    os.close(claims._read_fd)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        Claims(END, 1)
    with pytest.raises(ValueError):
        Claims(3, 0)
