"""The store's settings version and the damper states' upsert on SQLite and PostgreSQL: every change of the
settings (several writers at once included) moves the version, a write that changes nothing does not; a
damper state written again replaces the row."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "fleet.db")
    return str(request.getfixturevalue("postgres_database"))


def test_the_settings_version_moves_with_every_change(url: str) -> None:
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        assert s.devices.settings_version() == 0
        assert s.devices.set_settings({"resync_delay": 5})
        assert s.devices.settings_version() == 1
        assert s.devices.set_settings({"resync_delay": 5}) == {}  # no change, no new version
        assert s.devices.settings_version() == 1
        s.devices.set_settings({"resync_delay": 7}, device="r1")
        assert s.devices.settings_version() == 2
        s.devices.upsert("r2", "127.0.0.2", 830, "junos", {})
        assert s.devices.remove("r2") and s.devices.settings_version() == 2  # no settings of its own
        assert s.devices.remove("r1") and s.devices.settings_version() == 3  # its override went with it


def test_writers_at_once_each_move_the_version(url: str) -> None:
    with st.open_store(url) as s:
        s.devices.settings_version()
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            with st.open_store(url) as s:
                for j in range(5):
                    s.devices.set_settings({"resync_delay": 100 + i * 10 + j})
        except BaseException as exc:  # reported below
            errors.append(exc)
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with st.open_store(url) as s:
        assert s.devices.settings_version() == 20


def test_a_damper_state_written_again_replaces_its_row(url: str) -> None:
    with st.open_store(url) as s:
        s.jobs.save_damper_states({"r1": {"v": 1, "n": 1}, "r2": {"v": 1, "n": 2}})
        s.jobs.save_damper_states({"r1": {"v": 1, "n": 3}})
        assert s.jobs.load_damper_states() == {"r1": {"v": 1, "n": 3}, "r2": {"v": 1, "n": 2}}
        assert s.db.query("SELECT COUNT(*) AS n FROM damper_state")[0]["n"] == 2
