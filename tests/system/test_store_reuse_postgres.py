"""Store handles reused in a StoreReuse scope (the fleet strategy) on PostgreSQL: an idle session
serves the next open; a session inside a transaction, after an error or after a broken connection
is closed, never reused."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


def test_an_idle_session_is_reused_and_closed_with_the_scope(postgres_database: str) -> None:
    with st.open_store(postgres_database) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
    reuse = st.StoreReuse()
    with reuse.active():
        with st.open_store(postgres_database, create=False) as s:
            first = s.db
            s.devices.set_status("r1", st.IN_SYNC, "first host")
        with st.open_store(postgres_database, create=False) as s:
            assert s.db is first
            assert s.devices.get("r1")["status_reason"] == "first host"  # type: ignore[index]
    assert (reuse.opened, reuse.reused) == (1, 1)
    reuse.close()
    assert first.conn.closed  # type: ignore[attr-defined]


def test_a_session_in_a_transaction_or_after_an_error_is_not_kept(postgres_database: str) -> None:
    st.open_store(postgres_database).close()
    reuse = st.StoreReuse()
    with reuse.active():
        s = st.open_store(postgres_database)
        with s.db.transaction():
            s.db.query("SELECT 1 AS x")
            assert not s.db.reusable() and not reuse.give(postgres_database, s.db)
        assert s.db.reusable()
        s.close()  # idle now: kept
        with pytest.raises(RuntimeError):
            with st.open_store(postgres_database) as failed:
                assert failed.db is s.db
                raise RuntimeError("the host's task failed")
        with st.open_store(postgres_database) as third:
            assert third.db is not failed.db
    assert (reuse.opened, reuse.reused) == (2, 1)
    assert failed.db.conn.closed  # type: ignore[attr-defined]
    reuse.close()
