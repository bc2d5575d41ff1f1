"""Schema 7: each snapshot keeps the device's commit comment and sequence (also run on PostgreSQL from
tests/system/plugins/module_utils/store/test_snapshot_commit_info_postgresql.py)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.store._db import connect
from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import SCHEMA_VERSION, migrate


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    return str(tmp_path / "fleet.db")


def test_snapshot_keeps_commit_comment_and_sequence(store_url: str) -> None:
    with st.open_store(store_url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        assert s.devices.add_snapshot("r1", "junos-xml", "<configuration/>", "a", "h1", 10.0, "ops", "0", None,
                                      "ticket 42") == (1, True)
        assert s.devices.add_snapshot("r1", "junos-xml", "<configuration/>", "b", "h2", 11.0, "ops") == (2, True)
        first, second = s.devices.list_snapshots("r1")
        assert (first["commit_seq"], first["commit_comment"]) == ("0", "ticket 42")
        assert (second["commit_seq"], second["commit_comment"]) == (None, None)
        assert s.devices.get_snapshot("r1", 1)["commit_comment"] == "ticket 42"  # type: ignore[index]


def test_migration_7_keeps_older_snapshots(store_url: str) -> None:
    """A store at schema 6 with a snapshot opens at the current schema; the old row has no comment."""
    db = connect(store_url)
    try:
        assert migrate(db, target=6) == 6
        db.execute("INSERT INTO devices (name, host, port, platform, facts, managed_status, connection_state, "
                   "status_reason, created_at, updated_at, status_changed_at) VALUES "
                   "('r1', '127.0.0.1', 830, 'junos', '{}', 'In Sync', 'up', '', 1.0, 1.0, 1.0)")
        db.execute("INSERT INTO snapshots (device, version, taken_at, sha256, format, config, rendered, commit_time, "
                   "commit_user, commit_seq, job_id) VALUES ('r1', 1, 2.0, 'h', 'junos-xml', '<c/>', 'x', 1.0, "
                   "'ops', NULL, NULL)")
    finally:
        db.close()
    assert SCHEMA_VERSION >= 7
    with st.open_store(store_url) as s:
        rows = s.db.query("SELECT value FROM store_meta WHERE key = 'schema_version'")
        assert rows == [{"value": str(SCHEMA_VERSION)}]  # 6 -> 7 and every later migration
        (old,) = s.devices.list_snapshots("r1")
        assert (old["version"], old["commit_user"], old["commit_comment"]) == (1, "ops", None)
        assert s.devices.add_snapshot("r1", "junos-xml", "<c/>", "y", "h2", 3.0, "ops", "0", None, "after") == (2, True)
        assert s.devices.latest_snapshot("r1")["commit_comment"] == "after"  # type: ignore[index]
