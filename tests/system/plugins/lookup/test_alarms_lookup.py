"""The master side of alarms: on-demand pulls, the shared copy, stale and skewed children, filters."""
from __future__ import annotations

import time
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import Signal
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.alarms import AlarmQuery, query_alarms
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    load_federation,
    master_store,
)
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import apply_signals, record_resync
from tests.system.plugins.lookup.conftest import Fed
from tests.support.clock import Clock

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes


def ask(f: Fed, clock: Clock, delay: float = 50.0, **query: Any) -> dict[str, Any]:
    fed = load_federation(str(f.path))
    with st.open_store(master_store(None, fed)) as store:
        return query_alarms(store.fed_alarms, fed.config, AlarmQuery(**query), delay, clock)


def fail(store: st.Store, name: str, message: str) -> None:
    """What a failed resync leaves: the device Sync Failed and its alarm."""
    if store.devices.get(name) is None:
        store.devices.upsert(name, "10.0.0.1", 830, "junos", {})
    store.devices.set_status(name, "Sync Failed", message)
    record_resync(store.alarms, store.metrics, name, False, time.time(), message)


def recover(store: st.Store, name: str) -> None:
    """What a good resync leaves."""
    store.devices.mark_synced(name, None)
    store.devices.set_status(name, "In Sync", "resynced", "up")
    record_resync(store.alarms, store.metrics, name, True, time.time(), size=10)


def raise_some(f: Fed) -> None:
    now = time.time()
    fail(f.stores["east"], "r1", "east r1 failed")
    apply_signals(f.stores["east"].alarms, [Signal("device_syslog", "r2", True, now, "chassis", subject="X",
                                           severity="critical")])
    fail(f.stores["west"], "r1", "west r1 failed")
    apply_signals(f.stores["west"].alarms, [Signal("unknown_source", "10.9.9.9", True, now, "who")])


def test_pull_once_then_copy_until_the_delay(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    first = ask(fed, clock)
    assert first["pulled"] == ["east", "west"] and first["warnings"] == []
    got = [(a["child"], a["device"], a["type"], a["severity"]) for a in first["alarms"]]
    assert got == [("east", "r2", "device_syslog", "critical"),  # most severe first, then most recent
                   ("west", "r1", "sync_failed", "major"), ("east", "r1", "sync_failed", "major"),
                   ("west", "10.9.9.9", "unknown_source", "warning")]
    assert all(a["stale"] is False and a["clock_suspect"] is False for a in first["alarms"])
    before = {n: fed.requests(n, "/alarms/changes") for n in fed.children}
    recover(fed.stores["east"], "r1")
    clock.now += 49
    second = ask(fed, clock)  # within the delay: from the copy, no request to any child
    assert second["pulled"] == [] and len(second["alarms"]) == 4
    assert {n: fed.requests(n, "/alarms/changes") for n in fed.children} == before
    assert sum(fed.requests(n, "/time") for n in fed.children) == 2
    clock.now += 2
    third = ask(fed, clock)  # after the delay: one incremental request each
    assert third["pulled"] == ["east", "west"]
    assert {n: fed.requests(n, "/alarms/changes") - before[n] for n in fed.children} == {"east": 1, "west": 1}
    assert [a["device"] for a in third["alarms"] if a["child"] == "east"] == ["r2"]
    cleared = ask(fed, clock, state="cleared")["alarms"]
    assert [(a["child"], a["device"], a["state"]) for a in cleared] == [("east", "r1", "cleared")]


def test_filters(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    assert {a["child"] for a in ask(fed, clock, children=["west"])["alarms"]} == {"west"}
    assert [a["type"] for a in ask(fed, clock, severity="critical")["alarms"]] == ["device_syslog"]
    assert len(ask(fed, clock, severity="major")["alarms"]) == 3
    assert {a["child"] for a in ask(fed, clock, device="r1")["alarms"]} == {"east", "west"}
    assert [a["device"] for a in ask(fed, clock, device="10.*")["alarms"]] == ["10.9.9.9"]
    assert [a["device"] for a in ask(fed, clock, type="device_syslog")["alarms"]] == ["r2"]
    assert len(ask(fed, clock, state="all")["alarms"]) == 4
    with pytest.raises(ValueError, match="unknown children"):
        ask(fed, clock, children=["nowhere"])
    with pytest.raises(ValueError):
        AlarmQuery(state="bogus")
    with pytest.raises(ValueError):
        AlarmQuery(severity="bogus")


def test_only_queried_children_are_pulled(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    out = ask(fed, clock, children=["east"])
    assert out["pulled"] == ["east"] and fed.requests("west", "/time") == 0


def test_down_child_gives_stale_alarms_and_a_warning(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    ask(fed, clock)
    fed.children["west"].stop()
    clock.now += 60
    out = ask(fed, clock)
    (warning,) = out["warnings"]
    assert "federation child west" in warning and "stale" in warning, warning
    west = [a for a in out["alarms"] if a["child"] == "west"]
    assert len(west) == 2 and all(a["stale"] for a in west)
    east = [a for a in out["alarms"] if a["child"] == "east"]
    assert len(east) == len(out["alarms"]) - 2 > 0 and not any(a["stale"] for a in east)
    clock.now += 1  # within the delay: the stale copy, no new attempt, still warned
    again = ask(fed, clock)
    assert again["pulled"] == [] and again["warnings"] == [warning]


def test_skewed_child_is_flagged(fed: Fed) -> None:
    raise_some(fed)
    fed.children["west"].stop()
    fed.start("west", clock_offset=600)
    fed.write()
    out = ask(fed, Clock())
    assert any("federation child west: clock differs" in w for w in out["warnings"])
    assert {(a["child"], a["clock_suspect"]) for a in out["alarms"]} == {("east", False), ("west", True)}


def test_new_epoch_or_expired_cursor_pulls_everything_again(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    ask(fed, clock)
    east = fed.stores["east"]
    recover(east, "r1")
    fail(east, "r3", "new")
    east.alarms.purge(time.time() + 1)  # the clear of r1 is purged: our cursor is older than the horizon
    clock.now += 60
    out = ask(fed, clock, state="all")
    assert sorted(a["device"] for a in out["alarms"] if a["child"] == "east") == ["r2", "r3"]


def test_child_removed_from_configuration_is_forgotten(fed: Fed) -> None:
    raise_some(fed)
    clock = Clock()
    ask(fed, clock)
    fed.children.pop("west").stop()
    fed.write()
    out = ask(fed, clock)
    assert {a["child"] for a in out["alarms"]} == {"east"}
