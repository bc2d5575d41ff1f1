"""The PostgreSQL test server: password URL, fresh databases, clean stop."""

from __future__ import annotations

import psycopg
import pytest

from tests.testbed import procs
from tests.testbed.postgres import PostgresServer

pytestmark = [pytest.mark.system, pytest.mark.postgres]


def test_url_accepts_a_psycopg_connection(postgres_server: PostgresServer) -> None:
    prefix = f"postgresql://netsync:{postgres_server.password}@127.0.0.1:"
    assert postgres_server.url.startswith(prefix)
    with psycopg.connect(postgres_server.url) as conn:
        row = conn.execute("SELECT current_user, current_database(), 6 * 7").fetchone()
    assert row == ("netsync", "netsync", 42)


def test_wrong_password_is_refused(postgres_server: PostgresServer) -> None:
    bad = postgres_server.url.replace(postgres_server.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad, connect_timeout=10)


def test_fresh_database_per_test(postgres_database: str) -> None:
    with psycopg.connect(postgres_database) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES (1), (2)")
        count = conn.execute("SELECT count(*) FROM t").fetchone()
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert count == (2,) and tables == (1,)


def test_stop_ends_postgres_and_removes_its_directory() -> None:
    server = PostgresServer()
    try:
        server.start()
        pid = server.pid
        assert pid is not None and procs.is_alive(pid)
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
    assert not procs.is_alive(pid)
    assert server.rundir is not None and not server.rundir.exists()
