"""Master sync cycles against in-process child servers: full, incremental (patched), deletions, stale, skew, union."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.hosts import (
    host_document,
    patch_host_document,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.module_utils.topology import MergedObject
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.merge import merge_hosts, merged_types
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import ChildSpec
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    FederationConfig,
    parse_queries,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import refresh_due, run_cycle
from tests.support.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ThreadChild

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes

TOKEN = "t0ken-for-tests-0123456789"


@pytest.fixture
def fed(tmp_path: Path, master_url: str) -> Iterator[dict[str, Any]]:
    """Two children (a: sw0..sw2, b: sw2..sw3 — sw2 on both) and a master store (SQLite, PostgreSQL)."""
    stores, servers = {}, {}
    try:
        for name, devices in (("a", ["sw0", "sw1", "sw2"]), ("b", ["sw2", "sw3"])):
            stores[name] = st.open_store(str(tmp_path / ("%s.db" % name)))
            fill(stores[name], devices, 2)
            servers[name] = ThreadChild(server_config(store=stores[name], site="site-" + name, token=TOKEN,
                                                     max_page=4, refresh_interval=0)).start()
        master = st.open_store(master_url)
        config = FederationConfig([ChildSpec(n, s.url, TOKEN) for n, s in servers.items()], page_size=4,
                                  timeout=10)
        yield {"stores": stores, "servers": servers, "master": master, "config": config}
        master.close()
    finally:
        for srv in servers.values():
            srv.stop()
        for s in stores.values():
            s.close()


def hosts(master: st.Store) -> dict[str, dict[str, Any]]:
    return {h["name"]: h for h in master.fed_topology.hosts()}


def test_first_cycle_pulls_everything_and_merges(fed: dict[str, Any]) -> None:
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert all(r.ok and r.mode == "changes" for r in rep.children.values()), rep.warnings
    assert rep.children["a"].fetched == 15 and rep.children["b"].fetched == 10
    h = hosts(fed["master"])
    assert sorted(h) == ["sw0", "sw1", "sw2", "sw3"]
    assert h["sw2"]["vars"]["netsync_sources"] == ["a", "b"]
    # sw2's site is the newest copy's (equal times: the smaller child name)
    copies = {c: json.loads(fed["stores"][c].topology.objects(["Device:sw2"])[0]) for c in ("a", "b")}
    newest = min(copies, key=lambda c: (-copies[c]["updated_at"], c))
    assert h["sw2"]["groups"] == ["child_a", "child_b", "site_site_" + newest, "platform_netconf"]
    assert h["sw0"]["vars"]["netsync_interfaces"]["eth1"]["addresses"][0].startswith("10.")
    assert [t.name for t in merged_types(fed["master"].fed_topology)] == ["Address", "Device", "Interface"]
    assert not refresh_due(fed["master"].fed_topology, fed["config"], fed["master"].clock())


def test_incremental_cycle_moves_only_changed_objects(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"].fed_topology, fed["config"])
    for srv in fed["servers"].values():
        srv.reset_counters()
    put_device(fed["stores"]["a"], "sw1", "netconf", ietf_config("sw1", 2, descriptions={0: "new uplink"}))
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    # the changed Interface, and the Device (a resync moves last_synced); nothing else crossed the wire
    assert rep.children["a"].fetched == 2 and rep.children["b"].fetched == 0
    assert fed["servers"]["a"].counters["/topology/changes"]["objects"] == 2
    assert fed["servers"]["b"].counters["/topology/changes"]["objects"] == 0
    assert "/topology/index" not in fed["servers"]["a"].counters
    assert rep.merged["hosts"] == 1 and rep.merged["patched"] == 1  # only its 2 changed objects merged
    assert rep.merged["objects"] == 2
    assert hosts(fed["master"])["sw1"]["vars"]["netsync_interfaces"]["eth0"]["description"] == "new uplink"
    assert_same_as_full_merge(fed["master"])


def assert_same_as_full_merge(master: st.Store) -> None:
    """The documents the cycles left equal those of a merge of every device from every copy."""
    patched = hosts(master)
    state = master.fed_topology.pulls.all()
    merge_hosts(master.fed_topology, patched, stale={n for n, r in state.items() if r["stale"]},
                suspect={n for n, r in state.items() if r["suspect"]})
    assert hosts(master) == patched


def test_incremental_union_on_two_children_is_patched_like_a_full_merge(fed: dict[str, Any]) -> None:
    """sw2 is on a and b: a change on b merges eth0's copies of both children into sw2's document."""
    fed["servers"]["b"].cfg.clock_offset = 120.0  # b suspect: flags survive a patch
    run_cycle(fed["master"].fed_topology, fed["config"])
    put_device(fed["stores"]["b"], "sw2", "netconf", ietf_config("sw2", 2, descriptions={0: "from b"}))
    put_device(fed["stores"]["a"], "sw0", "netconf", ietf_config("sw0", 3))  # a new interface: in full
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert rep.merged["patched"] == 1 and rep.merged["hosts"] == 2
    sw2 = hosts(fed["master"])["sw2"]
    assert sw2["vars"]["netsync_interfaces"]["eth0"]["description"] == "from b"
    assert sw2["vars"]["netsync_sources"] == ["a", "b"] and sw2["vars"]["netsync_clock_suspect"] is True
    assert "federation_clock_skew" in sw2["groups"]
    assert sorted(hosts(fed["master"])["sw0"]["vars"]["netsync_interfaces"]) == ["eth0", "eth1", "eth2"]
    assert_same_as_full_merge(fed["master"])


def test_union_newest_wins_and_contained_sets_merge(fed: dict[str, Any]) -> None:
    put_device(fed["stores"]["b"], "sw2", "netconf", ietf_config("sw2", 3, descriptions={0: "from b"}))
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert all(r.ok for r in rep.children.values())
    sw2 = hosts(fed["master"])["sw2"]["vars"]
    assert sorted(sw2["netsync_interfaces"]) == ["eth0", "eth1", "eth2"]  # eth2 only on b
    assert sw2["netsync_interfaces"]["eth0"]["description"] == "from b"  # b's copy is newer


def test_deletion_on_one_child_keeps_the_other_copy(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"].fed_topology, fed["config"])
    fed["stores"]["b"].devices.remove("sw2")
    fed["stores"]["a"].devices.remove("sw0")
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert rep.children["b"].deleted == 5 and rep.children["a"].deleted == 5
    h = hosts(fed["master"])
    assert "sw0" not in h and h["sw2"]["vars"]["netsync_sources"] == ["a"]
    assert rep.merged["patched"] == 0  # a deletion: merged in full
    assert_same_as_full_merge(fed["master"])


def test_child_down_keeps_objects_marked_stale(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"].fed_topology, fed["config"])
    fed["servers"]["b"].stop()
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert rep.children["b"].ok is False and rep.children["b"].kind == "unreachable"
    assert any("child b" in w and "stale" in w for w in rep.warnings)
    h = hosts(fed["master"])
    assert h["sw3"]["vars"]["netsync_stale"] is True and "federation_stale" in h["sw3"]["groups"]
    assert h["sw2"]["vars"]["netsync_stale"] is True  # one of its sources is stale
    assert h["sw0"]["vars"]["netsync_stale"] is False
    assert fed["master"].fed_topology.pulls.all()["b"]["stale"] == 1


def test_skewed_clock_flags_the_child(fed: dict[str, Any]) -> None:
    fed["servers"]["b"].cfg.clock_offset = 120.0
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert rep.children["b"].suspect and not rep.children["a"].suspect
    assert rep.children["b"].clock_offset is not None and rep.children["b"].clock_offset > 100
    h = hosts(fed["master"])
    assert "federation_clock_skew" in h["sw3"]["groups"] and h["sw3"]["vars"]["netsync_clock_suspect"]
    assert "federation_clock_skew" not in h["sw0"]["groups"]
    fed["servers"]["b"].cfg.clock_offset = 0.0
    run_cycle(fed["master"].fed_topology, fed["config"])
    assert "federation_clock_skew" not in hosts(fed["master"])["sw3"]["groups"]


def test_bad_token_is_reported_and_stale(fed: dict[str, Any]) -> None:
    cfg = fed["config"]
    cfg.children[1] = ChildSpec("b", fed["servers"]["b"].url, "not-the-token")
    rep = run_cycle(fed["master"].fed_topology, cfg)
    assert rep.children["b"].kind == "unauthorized" and "not-the-token" not in rep.children["b"].error
    assert sorted(hosts(fed["master"])) == ["sw0", "sw1", "sw2"]


def test_new_epoch_reconciles_by_version(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"].fed_topology, fed["config"])
    store = fed["stores"]["a"]
    store.db.execute("UPDATE topo_meta SET value = 'other' WHERE key = 'epoch'")
    put_device(store, "sw0", "netconf", ietf_config("sw0", 1))
    fed["servers"]["a"].reset_counters()
    rep = run_cycle(fed["master"].fed_topology, fed["config"])
    assert rep.children["a"].mode == "full" and rep.children["a"].ok
    # only the changed Device came back (eth1's objects are gone: 2 deletions)
    assert fed["servers"]["a"].counters["/topology/objects"]["objects"] == 1 and rep.children["a"].deleted == 2
    assert sorted(hosts(fed["master"])["sw0"]["vars"]["netsync_interfaces"]) == ["eth0"]


def test_topology_queries_limit_the_scope(fed: dict[str, Any]) -> None:
    fed["config"].queries = parse_queries([{"types": ["Device"]}, {"types": "Interface", "where": {"name": "eth0"}}])
    run_cycle(fed["master"].fed_topology, fed["config"])
    h = hosts(fed["master"])
    assert sorted(h["sw1"]["vars"]["netsync_interfaces"]) == ["eth0"]
    # a's 3 Devices and 6 Interfaces (the where filter is applied by the master) in pages of 4
    assert fed["servers"]["a"].counters["/topology/changes"]["requests"] == 3
    with pytest.raises(ValueError):
        parse_queries([{"type": "Device"}])


def test_changing_topology_queries_repulls_what_came_into_scope_and_drops_what_left(fed: dict[str, Any]) -> None:
    copies = fed["master"].fed_topology
    fed["config"].queries = parse_queries([{"types": ["Device"]}, {"types": "Interface", "where": {"name": "eth0"}}])
    run_cycle(copies, fed["config"])
    assert sorted(hosts(fed["master"])["sw1"]["vars"]["netsync_interfaces"]) == ["eth0"]
    assert sorted(copies.index("a")) == sorted(["Device:sw%d" % i for i in range(3)] +
                                               ["Interface:sw%d:eth0" % i for i in range(3)])

    fed["config"].queries = []  # everything: nothing changed on the children since the last cycle
    rep = run_cycle(copies, fed["config"])
    assert all(r.ok for r in rep.children.values()), rep.warnings
    assert rep.children["a"].mode == "rescope" and rep.children["a"].fetched == 15
    h = hosts(fed["master"])
    assert sorted(h["sw1"]["vars"]["netsync_interfaces"]) == ["eth0", "eth1"]
    assert h["sw1"]["vars"]["netsync_interfaces"]["eth1"]["addresses"][0].startswith("10.")
    assert len(copies.index("a")) == 15 and len(copies.index("b")) == 10

    fed["config"].queries = parse_queries([{"types": ["Device"]}])  # narrower: what left the scope goes
    rep = run_cycle(copies, fed["config"])
    assert rep.children["a"].mode == "rescope" and rep.children["a"].deleted == 12
    assert sorted(copies.index("a")) == ["Device:sw0", "Device:sw1", "Device:sw2"]
    assert hosts(fed["master"])["sw1"]["vars"].get("netsync_interfaces", {}) == {}

    rep = run_cycle(copies, fed["config"])  # same scope again: incremental, nothing moves
    assert rep.children["a"].mode == "changes" and rep.children["a"].fetched == 0


def test_child_removed_from_config_is_forgotten(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"].fed_topology, fed["config"])
    fed["config"].children = fed["config"].children[:1]
    assert refresh_due(fed["master"].fed_topology, fed["config"], fed["master"].clock())
    run_cycle(fed["master"].fed_topology, fed["config"])
    assert "sw3" not in hosts(fed["master"]) and "b" not in fed["master"].fed_topology.pulls.all()


# ---------------------------------------------------------------- patching a host document (pure)

def _m(key: str, props: dict[str, Any], sources: tuple[str, ...] = ("a",), **flags: Any) -> MergedObject:
    return MergedObject(key.split(":", 1)[0], key, props, (), "v-" + key, 1.0, sources,
                        {s: "v" for s in sources}, **flags)


def _objects() -> list[MergedObject]:
    return [_m("Device:r1", {"name": "r1", "site": "s", "platform": "netconf"}),
            _m("Interface:r1:e0", {"device": "r1", "name": "e0", "description": "x"}),
            _m("Interface:r1:e1", {"device": "r1", "name": "e1"}),
            _m("Address:r1:e0:10.0.0.1/24", {"device": "r1", "interface": "e0", "prefix": "10.0.0.1/24"})]


def _patched(changed: list[MergedObject]) -> dict[str, Any] | None:
    doc = host_document("r1", _objects())
    assert doc is not None
    return patch_host_document(json.loads(json.dumps(doc)), "r1", changed)


def _full(changed: list[MergedObject]) -> dict[str, Any]:
    by_key = {o.key: o for o in _objects()}
    by_key.update((o.key, o) for o in changed)
    doc = host_document("r1", [by_key[k] for k in sorted(by_key)])
    assert doc is not None
    return json.loads(json.dumps(doc))


@pytest.mark.parametrize("changed", [
    [_m("Interface:r1:e0", {"device": "r1", "name": "e0", "description": "new", "mtu": 9000})],
    [_m("Device:r1", {"name": "r1", "site": "t", "platform": "junos"}, ("a", "b"), suspect_sources=("b",))],
    [_m("Address:r1:e1:10.0.1.1/24", {"device": "r1", "interface": "e1", "prefix": "10.0.1.1/24"}),
     _m("Address:r1:e0:10.0.0.0/24", {"device": "r1", "interface": "e0", "prefix": "10.0.0.0/24"})],
    [_m("Address:r1:e0:10.0.0.1/24", {"device": "r1", "interface": "e0", "prefix": "10.0.0.1/24"}, ("a", "c"),
        stale_sources=("c",))],
    [_m("Vlan:r1:100", {"device": "r1", "id": 100})],
])
def test_patch_gives_the_full_document(changed: list[MergedObject]) -> None:
    assert _patched(changed) == _full(changed)


@pytest.mark.parametrize("changed", [
    [_m("Interface:r1:e2", {"device": "r1", "name": "e2"})],  # new interface: stored addresses may be its own
    [_m("Interface:r1:e0", {"device": "r1", "name": "e1"})],  # key and name disagree
    [_m("Address:r1:e0:10.9.9.9/24", {"device": "r1", "interface": "e0", "prefix": "10.0.0.1/24"})],
])
def test_patch_refuses_what_it_cannot_place(changed: list[MergedObject]) -> None:
    assert _patched(changed) is None


def test_irregular_or_old_documents_are_not_patched() -> None:
    odd = _objects() + [_m("Interface:r1:weird", {"device": "r1", "name": "e0"})]
    doc = host_document("r1", odd)
    assert doc is not None and doc["irregular"] is True
    assert patch_host_document(doc, "r1", [_m("Device:r1", {"name": "r1"})]) is None
    old = host_document("r1", _objects())
    assert old is not None
    old.pop("format")
    assert patch_host_document(old, "r1", [_m("Device:r1", {"name": "r1"})]) is None


def test_touched_devices_accumulate_and_fall_back_to_full() -> None:
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import (
        PATCH_MAX_KEYS, _add_touched,
    )

    touched: dict[str, set[str] | None] = {}
    _add_touched(touched, {"r1": {"k1"}, "r2": {"k1"}, "r3": None})
    _add_touched(touched, {"r1": {"k2"}, "r2": None, "r3": {"k9"}})
    assert touched == {"r1": {"k1", "k2"}, "r2": None, "r3": None}
    _add_touched(touched, {"r1": {"x%d" % i for i in range(PATCH_MAX_KEYS)}})  # most of the device: in full
    assert touched["r1"] is None
