"""Master sync cycles against in-process child servers: full, incremental, deletions, stale, skew, union."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils._federation_api import ServerConfig
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_client import ChildSpec
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_sync import (
    FederationConfig,
    parse_queries,
    refresh_due,
    run_cycle,
)
from tests.system.federation.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ThreadChild

TOKEN = "t0ken-for-tests-0123456789"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def master_url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "master.db")
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def fed(tmp_path: Path, master_url: str) -> Iterator[dict[str, Any]]:
    """Two children (a: sw0..sw2, b: sw2..sw3 — sw2 on both) and a master store (SQLite, PostgreSQL)."""
    stores, servers = {}, {}
    try:
        for name, devices in (("a", ["sw0", "sw1", "sw2"]), ("b", ["sw2", "sw3"])):
            stores[name] = st.open_store(str(tmp_path / ("%s.db" % name)))
            fill(stores[name], devices, 2)
            servers[name] = ThreadChild(ServerConfig(store=stores[name], site="site-" + name, token=TOKEN,
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
    return {h["name"]: h for h in master.fed_hosts()}


def test_first_cycle_pulls_everything_and_merges(fed: dict[str, Any]) -> None:
    rep = run_cycle(fed["master"], fed["config"])
    assert all(r.ok and r.mode == "changes" for r in rep.children.values()), rep.warnings
    assert rep.children["a"].fetched == 15 and rep.children["b"].fetched == 10
    h = hosts(fed["master"])
    assert sorted(h) == ["sw0", "sw1", "sw2", "sw3"]
    assert h["sw2"]["vars"]["netsync_sources"] == ["a", "b"]
    assert set(h["sw2"]["groups"]) >= {"child_a", "child_b", "platform_netconf"}
    assert h["sw0"]["vars"]["netsync_interfaces"]["eth1"]["addresses"][0].startswith("10.")
    assert [t.name for t in fed["master"].fed_types()] == ["Address", "Device", "Interface"]
    assert not refresh_due(fed["master"], fed["config"], fed["master"].clock())


def test_incremental_cycle_moves_only_changed_objects(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"], fed["config"])
    for srv in fed["servers"].values():
        srv.reset_counters()
    put_device(fed["stores"]["a"], "sw1", "netconf", ietf_config("sw1", 2, descriptions={0: "new uplink"}))
    rep = run_cycle(fed["master"], fed["config"])
    # the changed Interface, and the Device (a resync moves last_synced); nothing else crossed the wire
    assert rep.children["a"].fetched == 2 and rep.children["b"].fetched == 0
    assert fed["servers"]["a"].counters["/topology/changes"]["objects"] == 2
    assert fed["servers"]["b"].counters["/topology/changes"]["objects"] == 0
    assert "/topology/index" not in fed["servers"]["a"].counters
    assert rep.merged["hosts"] == 1
    assert hosts(fed["master"])["sw1"]["vars"]["netsync_interfaces"]["eth0"]["description"] == "new uplink"


def test_union_newest_wins_and_contained_sets_merge(fed: dict[str, Any]) -> None:
    put_device(fed["stores"]["b"], "sw2", "netconf", ietf_config("sw2", 3, descriptions={0: "from b"}))
    rep = run_cycle(fed["master"], fed["config"])
    assert all(r.ok for r in rep.children.values())
    sw2 = hosts(fed["master"])["sw2"]["vars"]
    assert sorted(sw2["netsync_interfaces"]) == ["eth0", "eth1", "eth2"]  # eth2 only on b
    assert sw2["netsync_interfaces"]["eth0"]["description"] == "from b"  # b's copy is newer


def test_deletion_on_one_child_keeps_the_other_copy(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"], fed["config"])
    fed["stores"]["b"].remove_device("sw2")
    fed["stores"]["a"].remove_device("sw0")
    rep = run_cycle(fed["master"], fed["config"])
    assert rep.children["b"].deleted == 5 and rep.children["a"].deleted == 5
    h = hosts(fed["master"])
    assert "sw0" not in h and h["sw2"]["vars"]["netsync_sources"] == ["a"]


def test_child_down_keeps_objects_marked_stale(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"], fed["config"])
    fed["servers"]["b"].stop()
    rep = run_cycle(fed["master"], fed["config"])
    assert rep.children["b"].ok is False and rep.children["b"].kind == "unreachable"
    assert any("child b" in w and "stale" in w for w in rep.warnings)
    h = hosts(fed["master"])
    assert h["sw3"]["vars"]["netsync_stale"] is True and "federation_stale" in h["sw3"]["groups"]
    assert h["sw2"]["vars"]["netsync_stale"] is True  # one of its sources is stale
    assert h["sw0"]["vars"]["netsync_stale"] is False
    assert fed["master"].fed_children()["b"]["stale"] == 1


def test_skewed_clock_flags_the_child(fed: dict[str, Any]) -> None:
    fed["servers"]["b"].cfg.clock_offset = 120.0
    rep = run_cycle(fed["master"], fed["config"])
    assert rep.children["b"].suspect and not rep.children["a"].suspect
    assert rep.children["b"].clock_offset is not None and rep.children["b"].clock_offset > 100
    h = hosts(fed["master"])
    assert "federation_clock_skew" in h["sw3"]["groups"] and h["sw3"]["vars"]["netsync_clock_suspect"]
    assert "federation_clock_skew" not in h["sw0"]["groups"]
    fed["servers"]["b"].cfg.clock_offset = 0.0
    run_cycle(fed["master"], fed["config"])
    assert "federation_clock_skew" not in hosts(fed["master"])["sw3"]["groups"]


def test_bad_token_is_reported_and_stale(fed: dict[str, Any]) -> None:
    cfg = fed["config"]
    cfg.children[1] = ChildSpec("b", fed["servers"]["b"].url, "not-the-token")
    rep = run_cycle(fed["master"], cfg)
    assert rep.children["b"].kind == "unauthorized" and "not-the-token" not in rep.children["b"].error
    assert sorted(hosts(fed["master"])) == ["sw0", "sw1", "sw2"]


def test_new_epoch_reconciles_by_version(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"], fed["config"])
    store = fed["stores"]["a"]
    store.db.execute("UPDATE topo_meta SET value = 'other' WHERE key = 'epoch'")
    put_device(store, "sw0", "netconf", ietf_config("sw0", 1))
    fed["servers"]["a"].reset_counters()
    rep = run_cycle(fed["master"], fed["config"])
    assert rep.children["a"].mode == "full" and rep.children["a"].ok
    # only the changed Device came back (eth1's objects are gone: 2 deletions)
    assert fed["servers"]["a"].counters["/topology/objects"]["objects"] == 1 and rep.children["a"].deleted == 2
    assert sorted(hosts(fed["master"])["sw0"]["vars"]["netsync_interfaces"]) == ["eth0"]


def test_topology_queries_limit_the_scope(fed: dict[str, Any]) -> None:
    fed["config"].queries = parse_queries([{"types": ["Device"]}, {"types": "Interface", "where": {"name": "eth0"}}])
    run_cycle(fed["master"], fed["config"])
    h = hosts(fed["master"])
    assert sorted(h["sw1"]["vars"]["netsync_interfaces"]) == ["eth0"]
    assert fed["servers"]["a"].counters["/topology/changes"]["requests"] >= 1
    with pytest.raises(ValueError):
        parse_queries([{"type": "Device"}])


def test_child_removed_from_config_is_forgotten(fed: dict[str, Any]) -> None:
    run_cycle(fed["master"], fed["config"])
    fed["config"].children = fed["config"].children[:1]
    assert refresh_due(fed["master"], fed["config"], fed["master"].clock())
    run_cycle(fed["master"], fed["config"])
    assert "sw3" not in hosts(fed["master"]) and "b" not in fed["master"].fed_children()
