"""Pending merges of the federation master's store: marked with the objects, cleared with the host documents."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


def row(key: str, device: str) -> tuple[str, str, str, str, str]:
    return (key, key.split(":", 1)[0], device, "v1", "{}")


def test_objects_mark_their_devices_and_documents_clear_them(tmp_path: Path) -> None:
    with st.open_store(str(tmp_path / "m.db")) as s:
        t = s.fed_topology
        assert t.pending() == set()
        t.apply("a", [row("Device:r1", "r1"), row("Interface:r1:e0", "r1"), row("Device:r2", "r2")], [])
        assert t.pending() == {"r1", "r2"}
        t.replace_hosts(["r1"], [("r1", '{"name": "r1"}')])
        assert t.pending() == {"r2"}
        t.replace_hosts(["r2"], [("r2", '{"name": "r2"}')])
        t.apply("a", [], ["Interface:r1:e0"])  # a deletion marks the device that lost the object
        assert t.pending() == {"r1"}
        t.update_hosts([("r1", '{"name": "r1", "x": 1}')])
        assert t.pending() == set()
        t.mark_pending({"r3"})
        assert t.forget("a") == {"r1", "r2"} and t.pending() == {"r1", "r2", "r3"}


def test_a_failed_apply_marks_nothing(tmp_path: Path) -> None:
    with st.open_store(str(tmp_path / "m.db")) as s:
        with pytest.raises(sqlite3.ProgrammingError, match="bindings"):
            s.fed_topology.apply("a", [row("Device:r1", "r1"), ("bad",)], [])  # type: ignore[list-item]
        assert s.fed_topology.pending() == set() and s.fed_topology.index("a") == {}
