"""A mistyped path or a file that is not a netsync store gets a clear error, and is left unchanged."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.report import run_report_task
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    TaskFailed, run_device_info, run_settings,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


RUNS: list[Callable[[str], Any]] = [
    lambda p: run_device_info({"store": p, "history": 0}),
    lambda p: run_resync({"store": p, "name": "r1", "host": "127.0.0.1", "port": 830, "platform": "auto",
                          "host_key_checking": True, "timeout": 5.0, "origin": "manual"}, False, False),
    lambda p: run_report_task({"store": p, "path": p + ".html", "jobs": 20}, check_mode=False, diff=False),
]


@pytest.mark.parametrize("run", RUNS, ids=["device_info", "resync", "report"])
def test_a_mistyped_store_path_is_an_error_naming_it(tmp_path: Path, run: Callable[[str], Any]) -> None:
    path = tmp_path / "flet.db"
    with pytest.raises(TaskFailed) as err:
        run(str(path))
    assert "no store at %s" % path in err.value.msg
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_a_sqlite_file_that_is_not_a_store_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE inventory (name TEXT)")
    conn.execute("INSERT INTO inventory VALUES ('x')")
    conn.commit()
    conn.close()
    before = _digest(path)
    for create in (True, False):
        with pytest.raises(st.StoreError, match="not a netsync store .* refusing to change it"):
            st.open_store(str(path), create=create)
    with pytest.raises(TaskFailed, match="not a netsync store"):
        run_settings({"store": str(path), "resync_delay": 5}, check_mode=False, diff=False)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm either


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.db"
    path.write_bytes(b"this is a text file, not a database\n" * 100)
    before = _digest(path)
    with pytest.raises(st.StoreError, match="not a usable SQLite store"):
        st.open_store(str(path))
    assert _digest(path) == before


def test_check_mode_settings_write_no_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "fleet.db"
    out = run_settings({"store": str(path), "resync_delay": 5}, check_mode=True, diff=True)
    assert out["changed"] is True and out["settings"]["resync_delay"] == 5.0
    assert not path.exists() and not path.parent.exists()
