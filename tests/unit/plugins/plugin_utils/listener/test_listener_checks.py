"""The listener emits the consistency checks on its schedule, never for a device with a job."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener

T0 = 1_000_000.0
COMMIT = (b"<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 "
          b"username=\"ops\" command=\"commit\"] User 'ops' requested 'commit' operation")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[st.Store]:
    s = st.open_store(str(tmp_path / "fleet.db"), clock=lambda: T0)
    for name, host in (("r1", "10.0.0.1"), ("r2", "10.0.0.2")):
        s.devices.upsert(name, host, 830, "junos", {"hostname": name})
        s.devices.set_status(name, "In Sync", "test")
    yield s
    s.close()


def _checks(events: list[dict]) -> list[list[str]]:  # type: ignore[type-arg]
    return [e["netsync"]["devices"] for e in events if e["netsync"]["type"] == "check"]


def test_each_device_is_checked_once_per_interval(store: st.Store) -> None:
    lis = Listener(store, check_interval=100.0)
    lis.refresh(T0)
    assert lis.tick(T0) == []
    wake = lis.next_wakeup()
    assert wake is not None and T0 < wake < T0 + 100
    seen = []
    for step in range(1, 101):
        for devices in _checks(lis.tick(T0 + step)):
            seen += devices
    assert sorted(seen) == ["r1", "r2"]
    assert lis.counters["consistency-checks"] == 2


def test_a_device_with_a_pending_job_is_not_checked(store: st.Store) -> None:
    lis = Listener(store, check_interval=100.0)
    lis.refresh(T0)
    lis.tick(T0)
    lis.ingest_syslog(COMMIT, "10.0.0.1", T0 + 0.5)  # r1 has a job pending (due at T0 + 20.5)
    store.devices.set_settings({"resync_delay": 200})
    lis.refresh(T0 + 0.6)
    seen = []
    for step in range(1, 101):
        for devices in _checks(lis.tick(T0 + step)):
            seen += devices
    assert seen == ["r2"]


def test_checks_off_by_default_in_the_core(store: st.Store) -> None:
    lis = Listener(store)
    lis.refresh(T0)
    assert all(_checks(lis.tick(T0 + s)) == [] for s in range(0, 5000, 50))
