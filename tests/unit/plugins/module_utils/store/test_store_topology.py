"""Child-side topology in the store: lazy derivation, change cursor, tombstones (PostgreSQL: tests/system)."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.topology.refresh import refresh_topology
from tests.support.datagen import ietf_config, junos_config, put_device


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    """SQLite here; tests/system/plugins/module_utils/store/test_store_topology_postgresql.py: PostgreSQL."""
    return str(tmp_path / "fleet.db")


@pytest.fixture
def store(store_url: str) -> Iterator[st.Store]:
    url = store_url
    clock = [1000.0]

    def tick() -> float:
        clock[0] += 1.0
        return clock[0]
    with st.open_store(url, clock=tick) as s:
        yield s


def _all(store: st.Store, since: int = 0) -> dict[str, Any]:
    return store.topology.changes(since, 100000)


def test_first_refresh_derives_every_device(store: st.Store) -> None:
    put_device(store, "r1", "junos", junos_config("r1", 2))
    put_device(store, "sw1", "netconf", ietf_config("sw1", 3))
    res = refresh_topology(store.devices, store.topology, "paris")
    assert res["devices"] == 2 and res["errors"] == {}
    # r1: Device + 2 physical + 2 units + 2 addresses; sw1: Device + 3 interfaces + 3 addresses
    assert res["changed"] == 7 + 7
    changes = _all(store)
    keys = {json.loads(b)["key"] for b in changes["objects"]}
    assert "Device:r1" in keys and "Interface:r1:ge-0/0/1.0" in keys and "Address:sw1:eth2:10." not in keys
    assert changes["cursor"] == store.topology.cursor() and changes["more"] is False
    dev = next(json.loads(b) for b in changes["objects"] if json.loads(b)["key"] == "Device:sw1")
    assert dev["properties"]["site"] == "paris" and dev["properties"]["managed_status"] == "In Sync"
    assert refresh_topology(store.devices, store.topology, "paris")["devices"] == 0  # nothing changed: nothing derived


def test_change_gives_new_versions_only_to_changed_objects(store: st.Store) -> None:
    put_device(store, "sw1", "netconf", ietf_config("sw1", 3))
    refresh_topology(store.devices, store.topology, "paris")
    cursor = store.topology.cursor()
    before = {json.loads(b)["key"]: json.loads(b)["version"] for b in _all(store)["objects"]}
    put_device(store, "sw1", "netconf", ietf_config("sw1", 3, descriptions={1: "changed"}))
    res = refresh_topology(store.devices, store.topology, "paris")
    changed = {json.loads(b)["key"] for b in store.topology.changes(cursor, 100)["objects"]}
    # the description changed; last_synced moved, so the Device changed too; nothing else
    assert changed == {"Interface:sw1:eth1", "Device:sw1"}
    assert res["changed"] == 2
    after = {json.loads(b)["key"]: json.loads(b)["version"] for b in _all(store)["objects"]}
    assert [k for k in after if after[k] != before[k]] == sorted(changed)


def test_deletions_are_tombstones_after_the_cursor(store: st.Store) -> None:
    put_device(store, "sw1", "netconf", ietf_config("sw1", 3))
    put_device(store, "sw2", "netconf", ietf_config("sw2", 1))
    refresh_topology(store.devices, store.topology, "paris")
    cursor = store.topology.cursor()
    put_device(store, "sw1", "netconf", ietf_config("sw1", 2))  # eth2 and its address gone
    assert store.devices.remove("sw2")
    refresh_topology(store.devices, store.topology, "paris")
    changes = store.topology.changes(cursor, 100)
    deleted = {k for _t, k in changes["deleted"]}
    # exactly sw1's eth2 and sw2 with what they contained (an address's key ends with its prefix)
    assert sorted(k.rsplit(":", 1)[0] if k.startswith("Address:") else k for k in deleted) == [
        "Address:sw1:eth2", "Address:sw2:eth0", "Device:sw2", "Interface:sw1:eth2", "Interface:sw2:eth0"]
    assert not any(k.startswith("Address:sw1:eth1") for k in deleted)
    # a first pull (cursor 0) never sees tombstones, and the index lists live objects only
    assert _all(store)["deleted"] == []
    live = {k for _t, k, _v in store.topology.index("", 1000)}
    assert not live & deleted and "Interface:sw1:eth1" in live


def test_pagination_and_type_filter(store: st.Store) -> None:
    put_device(store, "sw1", "netconf", ietf_config("sw1", 5))
    refresh_topology(store.devices, store.topology, "paris")
    seen, cursor, pages = [], 0, 0
    while True:
        page = store.topology.changes(cursor, 4, types=["Interface"])
        seen += [json.loads(b)["key"] for b in page["objects"]]
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            break
    assert seen == ["Interface:sw1:eth%d" % i for i in range(5)] and pages == 2
    assert cursor == store.topology.cursor()
    index = store.topology.index("", 3)
    assert len(index) == 3 and store.topology.index(index[-1][1], 100)[0][1] > index[-1][1]
    assert len(store.topology.objects(["Device:sw1", "Interface:sw1:eth4", "Nope:x"])) == 2


def test_bad_configuration_keeps_previous_objects(store: st.Store) -> None:
    put_device(store, "sw1", "netconf", ietf_config("sw1", 2))
    refresh_topology(store.devices, store.topology, "paris")
    put_device(store, "sw1", "netconf", '<!DOCTYPE x [<!ENTITY a "b">]><data/>')
    res = refresh_topology(store.devices, store.topology, "paris")
    assert "sw1" in res["errors"] and res["changed"] == 0
    assert len(store.topology.index("", 100)) == 5


def test_tombstone_pruning_sets_the_horizon(store: st.Store) -> None:
    put_device(store, "sw1", "netconf", ietf_config("sw1", 1))
    refresh_topology(store.devices, store.topology, "paris")
    store.devices.remove("sw1")
    refresh_topology(store.devices, store.topology, "paris")
    top = store.topology.cursor()
    assert store.topology.prune_tombstones(top) == 3
    assert store.topology.horizon() == top
    assert store.topology.epoch() == store.topology.epoch() != ""
    assert [t["name"] for t in store.topology.types()] == ["Address", "Device", "Interface"]
