"""Store-wide exclusive locks on SQLite (``Database.exclusive``): one holder among handles and processes,
released by the holder, its close, or its death (PostgreSQL: the federation master's system tests)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


def test_one_holder_among_handles_until_it_releases_or_closes(tmp_path: Path) -> None:
    url = str(tmp_path / "s.db")
    one, two = st.open_store(url), st.open_store(url)
    try:
        assert one.db.try_exclusive("x") and not two.db.try_exclusive("x")
        assert not one.db.try_exclusive("x")  # not re-entrant
        assert two.db.try_exclusive("y")  # another name is another lock
        assert not one.db.reusable()  # a handle holding a lock serves no other open
        one.db.release_exclusive("x")
        assert two.db.try_exclusive("x") and not one.db.try_exclusive("x")
        two.close()
        assert one.db.try_exclusive("x") and one.db.try_exclusive("y")
        assert (tmp_path / "s.db.x.lock").exists()
    finally:
        one.close()


def test_exclusive_waits_for_the_holder_and_says_so(tmp_path: Path) -> None:
    url = str(tmp_path / "s.db")
    holder, waiter = st.open_store(url), st.open_store(url)
    try:
        with waiter.db.exclusive("x", wait=0) as lock:
            assert lock.held and not lock.contended
        assert holder.db.try_exclusive("x")
        releaser = threading.Timer(0.3, holder.db.release_exclusive, args=("x",))
        releaser.start()
        with waiter.db.exclusive("x", wait=30, poll=0.02) as lock:
            assert lock.held and lock.contended
            assert not holder.db.try_exclusive("x")
        assert holder.db.try_exclusive("x")  # released when the block ended
        with waiter.db.exclusive("x", wait=0.2, poll=0.02) as lock:
            assert not lock.held and lock.contended  # still held after the wait: the block runs without it
        assert not waiter.db.try_exclusive("x")
    finally:
        holder.close()
        waiter.close()


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    url = str(tmp_path / "s.db")
    st.open_store(url).close()
    code = ("import sys, time\nfrom ansible_collections.netsync.fleet.plugins.module_utils import store as st\n"
            "s = st.open_store(sys.argv[1])\nassert s.db.try_exclusive('x')\nprint('held', flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": ":".join(sys.path)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        store = st.open_store(url)
        try:
            assert not store.db.try_exclusive("x")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            with store.db.exclusive("x", wait=10, poll=0.02) as lock:
                assert lock.held
        finally:
            store.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def test_the_in_memory_store_has_nothing_to_share() -> None:
    store = st.open_store(":memory:")
    try:
        assert store.db.try_exclusive("x") and store.db.try_exclusive("x")
        start = time.monotonic()
        with store.db.exclusive("x", wait=5) as lock:
            assert lock.held and not lock.contended
        assert time.monotonic() - start < 5
    finally:
        store.close()
