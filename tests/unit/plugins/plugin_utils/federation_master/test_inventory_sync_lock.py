"""inventory_data with the master store's sync lock held by another run: it waits up to ``sync_wait``, then
answers from the store with a warning; after a wait it pulls only if a cycle is still due."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    DEFAULT_SYNC_WAIT,
    ChildSpec,
    FederationConfig,
    config_from_options,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import (
    SYNC_LOCK,
    inventory_data,
)

CONFIG = FederationConfig([ChildSpec("a", "http://127.0.0.1:9", "t0ken")], sync_wait=0.3)


class Recorder:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        monkeypatch.setattr(sync, "run_cycle", self.run_cycle)

    def run_cycle(self, copies: Any, cfg: FederationConfig, clock: Any) -> sync.CycleReport:
        self.calls += 1
        copies.pulls.save("a", url="http://127.0.0.1:9", last_pull=clock(), stale=0, error="")
        copies.replace_hosts(["r1"], [("r1", '{"name": "r1"}')])
        return sync.CycleReport({}, {}, 0.0, ["cycle ran"])


def test_a_run_answers_from_the_store_when_another_cycle_outlasts_sync_wait(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(tmp_path / "m.db")
    other, mine = st.open_store(url), st.open_store(url)
    recorder = Recorder(monkeypatch)
    try:
        assert other.db.try_exclusive(SYNC_LOCK)
        data = inventory_data(mine.fed_topology, CONFIG)
        assert recorder.calls == 0 and data["hosts"] == []
        assert [w for w in data["warnings"] if "still under way after 0 s (sync_wait)" in w] == data["warnings"] != []
    finally:
        other.close()
        mine.close()


def test_after_waiting_a_run_pulls_only_if_a_cycle_is_still_due(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(tmp_path / "m.db")
    other, mine = st.open_store(url), st.open_store(url)
    recorder = Recorder(monkeypatch)
    cfg = FederationConfig(CONFIG.children, sync_wait=30)
    try:
        assert other.db.try_exclusive(SYNC_LOCK)

        def other_cycle_ends() -> None:  # the other run's cycle stores its pull, then releases
            recorder.run_cycle(other.fed_topology, cfg, lambda: 1e12)
            other.db.release_exclusive(SYNC_LOCK)
        threading.Timer(0.3, other_cycle_ends).start()
        data = inventory_data(mine.fed_topology, cfg, clock=lambda: 1e12)
        assert recorder.calls == 1  # the other run's only: not due any more after it
        assert data == {"format": 2, "hosts": ['{"name": "r1"}'], "warnings": []}
        # a forced run that had to wait does not pull again either; one that did not wait does
        assert other.db.try_exclusive(SYNC_LOCK)
        threading.Timer(0.2, other.db.release_exclusive, args=(SYNC_LOCK,)).start()
        inventory_data(mine.fed_topology, cfg, clock=lambda: 1e12, force=True)
        assert recorder.calls == 1
        inventory_data(mine.fed_topology, cfg, clock=lambda: 1e12, force=True)
        assert recorder.calls == 2
    finally:
        other.close()
        mine.close()


def test_sync_wait_option() -> None:
    children = [{"name": "a", "url": "http://127.0.0.1:9", "token": "t"}]
    assert config_from_options({"children": children}).sync_wait == DEFAULT_SYNC_WAIT == 600
    assert config_from_options({"children": children, "sync_wait": "5"}).sync_wait == 5.0
    with pytest.raises(ValueError, match="sync_wait must be >= 0"):
        config_from_options({"children": children, "sync_wait": -1})
