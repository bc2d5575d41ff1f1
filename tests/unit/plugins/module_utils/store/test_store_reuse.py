"""Store handles reused inside a StoreReuse scope (the fleet strategy's threads), and only when safe."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils import store as st


@pytest.fixture
def url(tmp_path: Path) -> str:
    path = str(tmp_path / "fleet.db")
    with st.open_store(path) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
    return path


def test_outside_a_scope_every_open_connects_and_close_closes(url: str) -> None:
    first = st.open_store(url)
    conn = first.db.conn  # type: ignore[attr-defined]
    first.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    with st.open_store(url) as second:
        assert second.db.conn is not conn  # type: ignore[attr-defined]


def test_inside_a_scope_the_next_open_takes_the_idle_handle(url: str) -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        with st.open_store(url) as s:
            handle = s.db
        with st.open_store(url, create=False) as s:
            assert s.db is handle
            assert s.devices.get("r1") is not None
            s.devices.set_status("r1", st.IN_SYNC, "reused")
    assert (reuse.opened, reuse.reused) == (1, 1)
    with st.open_store(url) as other:  # written through the reused handle, committed
        assert other.devices.get("r1")["status_reason"] == "reused"  # type: ignore[index]
    reuse.close()
    with pytest.raises(sqlite3.ProgrammingError):
        handle.conn.execute("SELECT 1")  # type: ignore[attr-defined]


def test_a_handle_inside_a_transaction_is_closed_not_kept(url: str) -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        s = st.open_store(url)
        s.db.conn.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
        s.close()
        with st.open_store(url) as again:
            assert again.db is not s.db
    assert reuse.reused == 0
    reuse.close()


def test_a_store_left_by_an_exception_is_closed_not_kept(url: str) -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        with pytest.raises(RuntimeError):
            with st.open_store(url) as s:
                failed = s.db
                raise RuntimeError("the task failed")
        with st.open_store(url) as again:
            assert again.db is not failed
    with pytest.raises(sqlite3.ProgrammingError):
        failed.conn.execute("SELECT 1")  # type: ignore[attr-defined]
    reuse.close()


def test_a_handle_given_back_after_close_is_closed(url: str) -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        s = st.open_store(url)
    reuse.close()  # the task ended while this host still held its store
    s.close()
    with pytest.raises(sqlite3.ProgrammingError):
        s.db.conn.execute("SELECT 1")  # type: ignore[attr-defined]


def test_the_in_memory_check_mode_store_is_never_reused() -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        with st.open_store(":memory:") as s:
            first = s.db
        with st.open_store(":memory:") as s:
            assert s.db is not first
    assert reuse.reused == 0


def test_other_urls_do_not_share_a_handle(url: str, tmp_path: Path) -> None:
    reuse = st.StoreReuse()
    with reuse.active():
        with st.open_store(url) as s:
            first = s.db
        with st.open_store(str(tmp_path / "other.db")) as s:
            assert s.db is not first
    reuse.close()


def test_threads_never_hold_the_same_handle_at_once(url: str) -> None:
    reuse = st.StoreReuse()
    held: list[object] = []
    overlap: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def host(i: int) -> None:
        with reuse.active():
            for _ in range(20):
                with st.open_store(url) as s:
                    with lock:
                        overlap.append(s.db in held)
                        held.append(s.db)
                    barrier.wait() if _ == 0 else None
                    s.devices.set_status("r1", st.IN_SYNC, "thread %d" % i)
                    with lock:
                        held.remove(s.db)

    threads = [threading.Thread(target=host, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not any(overlap)
    assert reuse.opened == 4 and reuse.reused == 76  # 80 opens: 4 handles, each reused 19 times
    reuse.close()
