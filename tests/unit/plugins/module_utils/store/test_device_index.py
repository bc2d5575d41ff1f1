"""The rows the listener's device index is built from (``DeviceStore.index_rows``): the facts'
top-level hostname when it is a string, nothing for a nested, non-string, missing or unreadable one,
in name order; on SQLite (PostgreSQL: tests/system/plugins/module_utils/store/test_device_index_postgresql.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


@pytest.fixture
def url(tmp_path: Path) -> str:
    return str(tmp_path / "fleet.db")


@pytest.fixture
def store(url: str) -> Iterator[st.Store]:
    s = st.open_store(url)
    yield s
    s.close()


def test_index_rows(store: st.Store) -> None:
    store.devices.upsert("r3", "10.0.0.3", 830, "junos", {"hostname": "Edge-3", "model": "mx"})
    store.devices.upsert("r1", "10.0.0.1", 830, "netconf", {"hostname": 7})
    store.devices.upsert("r2", "R2.example", 830, "junos", {"system": {"hostname": "nested"}})
    store.devices.upsert("r4", "10.0.0.4", 830, "junos", {})
    store.devices.upsert("r5", "10.0.0.5", 830, "junos", {"hostname": "r5 \"quoted\" \u00e9"})
    store.devices.upsert("r6", "10.0.0.6", 830, "junos", {"hostname": "x"})
    store.db.execute("UPDATE devices SET facts = ? WHERE name = ?", ("{not json", "r6"))
    assert store.devices.index_rows() == [
        ("r1", "10.0.0.1", "netconf", "Out of Sync", None),
        ("r2", "R2.example", "junos", "Out of Sync", None),
        ("r3", "10.0.0.3", "junos", "Out of Sync", "Edge-3"),
        ("r4", "10.0.0.4", "junos", "Out of Sync", None),
        ("r5", "10.0.0.5", "junos", "Out of Sync", "r5 \"quoted\" \u00e9"),
        ("r6", "10.0.0.6", "junos", "Out of Sync", None),
    ]
