"""Leases (store/leases.py): one holder at a time, renewal, expiry, release; many contenders at once
never both win. SQLite here; tests/system/plugins/module_utils/store/test_leases_postgresql.py runs
the same tests on PostgreSQL (where expiry is judged by the server's clock)."""
from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    return str(tmp_path / "fleet.db")


def test_one_holder_at_a_time_until_it_expires(store_url: str) -> None:
    with st.open_store(store_url) as s:
        first = s.leases.get()
        assert first is not None and first["holder"] == "" and first["held"] is False
        assert s.leases.hold("a", 60.0) is True
        assert s.leases.hold("b", 60.0) is False  # a holds it
        assert s.leases.hold("a", 60.0) is True  # renewed by its holder
        row = s.leases.get()
        assert row is not None and (row["holder"], row["held"], int(row["epoch"])) == ("a", True, 1)
        assert s.leases.hold("a", 0.3) is True
        time.sleep(0.5)  # expired
        assert (s.leases.get() or {})["held"] is False
        assert s.leases.hold("b", 60.0) is True
        assert s.leases.hold("a", 60.0) is False
        row = s.leases.get()
        assert row is not None and (row["holder"], int(row["epoch"])) == ("b", 2)
        assert float(row["since"]) > float(first["since"])


def test_release_hands_over_at_once(store_url: str) -> None:
    with st.open_store(store_url) as s:
        assert s.leases.hold("a", 60.0)
        assert s.leases.release("b") is False  # only the holder releases
        assert s.leases.hold("b", 60.0) is False
        assert s.leases.release("a") is True
        assert s.leases.hold("b", 60.0) is True


def _contend(url: str, holder: str, start: float, out: Any) -> None:
    with st.open_store(url) as s:
        while time.time() < start:
            time.sleep(0.001)
        out.put((holder, s.leases.hold(holder, 60.0)))


def test_many_contenders_at_once_one_wins(store_url: str) -> None:
    st.open_store(store_url).close()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start = time.time() + 1.0
    procs = [ctx.Process(target=_contend, args=(store_url, "c%d" % i, start, out)) for i in range(6)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 6
    winners = [h for h, won in results.items() if won]
    assert len(winners) == 1, results
    with st.open_store(store_url) as s:
        assert (s.leases.get() or {})["holder"] == winners[0]
