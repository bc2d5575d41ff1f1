# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Federation model union, flags and incremental sync plans."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.netsync.fleet.plugins.module_utils import topology as t

FIXTURES = Path(__file__).parent / "fixtures"
DEV = "Device:r1"


def obj(key: str, props: dict[str, Any] | None = None, contains: Iterable[str] = (),
        at: float = 0.0) -> t.TopologyObject:
    return t.make_object(key.split(":", 1)[0], key, props or {}, contains, at)


def merged(copies: dict[str, list[t.TopologyObject]], **flags: Any) -> dict[str, t.MergedObject]:
    return {m.key: m for m in t.union(copies, **flags)}


def content(items: Sequence[t.MergedObject]) -> list[tuple[Any, ...]]:
    return [(m.type, m.key, m.properties, m.contains, m.version, m.updated_at) for m in items]


# ---------------------------------------------------------------- the seed's rule and edge cases

def test_object_on_one_child_only() -> None:
    a = obj(DEV, {"model": "mx"}, ["Interface:r1:ge-0/0/0"], 5.0)
    out = merged({"paris": [a], "lyon": [obj("Device:r2", at=1.0)]})
    m = out[DEV]
    assert (m.properties, m.contains, m.version, m.updated_at) == (a.properties, a.contains, a.version, 5.0)
    assert m.sources == ("paris",) and m.source_versions == {"paris": a.version}
    assert out["Device:r2"].sources == ("lyon",)


def test_union_holds_every_contained_object() -> None:
    a = obj(DEV, {"model": "mx"}, ["Interface:r1:ge-0/0/0", "Interface:r1:ge-0/0/1"], 1.0)
    b = obj(DEV, {"model": "mx"}, ["Interface:r1:ge-0/0/1", "Interface:r1:ge-0/0/2"], 2.0)
    m = merged({"paris": [a], "lyon": [b]})[DEV]
    assert m.contains == ("Interface:r1:ge-0/0/0", "Interface:r1:ge-0/0/1", "Interface:r1:ge-0/0/2")
    assert m.sources == ("lyon", "paris")
    assert m.source_versions == {"lyon": b.version, "paris": a.version}
    assert m.version == t.content_version("Device", DEV, {"model": "mx"}, m.contains)
    assert m.version not in (a.version, b.version)
    assert m.updated_at == 2.0


def test_conflicting_property_newest_copy_wins() -> None:
    key = "Interface:r1:ge-0/0/0"
    old = obj(key, {"description": "old", "mtu": 1514}, at=100.0)
    new = obj(key, {"description": "new"}, at=200.0)
    for copies in ({"a": [old], "b": [new]}, {"b": [new], "a": [old]}, {"a": [new], "b": [old]}):
        m = merged(copies)[key]
        assert m.properties == {"description": "new", "mtu": 1514}  # mtu only the older copy has


def test_conflicting_property_tie_smallest_child_name_wins() -> None:
    key = "Interface:r1:ge-0/0/0"
    x, y = obj(key, {"description": "x"}, at=100.0), obj(key, {"description": "y"}, at=100.0)
    assert merged({"lyon": [y], "amsterdam": [x]})[key].properties["description"] == "x"
    assert merged({"amsterdam": [y], "lyon": [x]})[key].properties["description"] == "y"


def test_same_device_on_two_sites_from_real_configs() -> None:
    xml = (FIXTURES / "junos_r1.xml").read_text()
    paris = t.derive({"name": "r1", "managed_status": "In Sync"}, "junos", xml, "paris", updated_at=10.0)
    lyon_xml = xml.replace("<name>ge-0/0/1</name>", "<name>ge-0/0/7</name>").replace(
        "uplink to core-1 [ckt 4411]", "uplink (lyon view)")
    lyon = t.derive({"name": "r1", "managed_status": "Out of Sync"}, "junos", lyon_xml, "lyon", updated_at=20.0)
    out = merged({"paris": paris, "lyon": lyon})
    dev = out[DEV]
    assert dev.contains == ("Interface:r1:ae0", "Interface:r1:ge-0/0/0", "Interface:r1:ge-0/0/1",  # the union
                            "Interface:r1:ge-0/0/7", "Interface:r1:lo0", "Interface:r1:xe-0/1/0:1")
    assert dev.properties["site"] == "lyon" and dev.properties["managed_status"] == "Out of Sync"
    assert out["Interface:r1:ge-0/0/0"].properties["description"] == "uplink (lyon view)"
    assert out["Interface:r1:ge-0/0/1"].sources == ("paris",)
    assert out["Interface:r1:ge-0/0/7"].sources == ("lyon",)
    assert out["Interface:r1:lo0"].sources == ("lyon", "paris")
    assert out["Interface:r1:lo0"].version == by_key(paris)["Interface:r1:lo0"].version  # unanimous copies


def by_key(objs: Iterable[t.TopologyObject]) -> dict[str, t.TopologyObject]:
    return {o.key: o for o in objs}


def test_deletion_on_one_child_while_another_still_has_it() -> None:
    a_dev = obj(DEV, {"model": "mx"}, ["Interface:r1:a-only", "Interface:r1:shared"], 1.0)
    b_dev = obj(DEV, {"model": "mx"}, ["Interface:r1:shared"], 1.0)
    a_objs = [a_dev, obj("Interface:r1:a-only"), obj("Interface:r1:shared")]
    b_objs = [b_dev, obj("Interface:r1:shared")]
    before = merged({"a": a_objs, "b": b_objs})
    assert before[DEV].contains == ("Interface:r1:a-only", "Interface:r1:shared")

    # child a deletes the device and its interfaces; the master learns it by diff
    master_copy_a = a_objs
    plan = t.diff(t.index(master_copy_a), {})
    assert plan.delete == (DEV, "Interface:r1:a-only", "Interface:r1:shared") and plan.fetch == ()
    master_copy_a = t.apply_changes(master_copy_a, [], plan.delete)
    after = merged({"a": master_copy_a, "b": b_objs})
    assert set(after) == {DEV, "Interface:r1:shared"}
    assert after[DEV].sources == ("b",) and after[DEV].contains == ("Interface:r1:shared",)
    assert after[DEV].source_versions == {"b": b_dev.version}
    assert after["Interface:r1:shared"].sources == ("b",)


def test_stale_and_suspect_flags_pass_through() -> None:
    copies = {"a": [obj(DEV, at=1.0), obj("Device:r2")], "b": [obj(DEV, at=2.0)], "c": [obj(DEV, at=3.0)]}
    out = merged(copies, stale={"b"}, suspect=["c", "not-a-source"])
    assert out[DEV].stale_sources == ("b",) and out[DEV].suspect_sources == ("c",)
    assert out["Device:r2"].stale_sources == () and out["Device:r2"].suspect_sources == ()
    assert out[DEV].sources == ("a", "b", "c")  # stale data still merges


def test_duplicate_identity_in_one_child_keeps_newest() -> None:
    key = "Interface:r1:x"
    out = merged({"a": [obj(key, {"d": "new"}, at=2.0), obj(key, {"d": "old"}, at=1.0)]})
    assert out[key].properties == {"d": "new"}


def test_merged_object_round_trip() -> None:
    m = merged({"a": [obj(DEV, {"x": 1}, ["Interface:r1:i"], 1.0)], "b": [obj(DEV, {"x": 2}, at=2.0)]},
               stale={"a"}, suspect={"b"})[DEV]
    wire = json.loads(json.dumps(m.to_dict()))
    assert wire["sources"] == ["a", "b"] and wire["stale_sources"] == ["a"]
    assert t.MergedObject.from_dict(wire) == m
    with pytest.raises(t.TopologyError, match="source_versions"):
        t.MergedObject.from_dict({**wire, "source_versions": {"a": 1}})


# ---------------------------------------------------------------- types

def test_union_types_merges_definitions() -> None:
    base = t.builtin_types(updated_at=1.0)
    extended = [t.TopologyType("Interface", {**base[2].properties, "speed": {"type": "integer"},
                                             "mtu": {"type": "integer", "description": "L2 MTU"}},
                               updated_at=2.0)]
    out = {m.name: m for m in t.union_types({"old": base, "new": extended}, stale={"old"})}
    iface = out["Interface"]
    assert iface.sources == ("new", "old") and iface.stale_sources == ("old",)
    assert iface.properties["speed"] == {"type": "integer"}
    assert iface.properties["mtu"] == {"type": "integer", "description": "L2 MTU"}
    assert out["Device"].sources == ("old",) and out["Device"].version == base[1].version
    assert iface.version == t.type_version("Interface", iface.properties)
    assert t.MergedType.from_dict(json.loads(json.dumps(iface.to_dict()))) == iface
    assert iface.as_type().version == iface.version


# ---------------------------------------------------------------- incremental sync

def test_diff_fetch_delete_unchanged() -> None:
    master = {"A": "1", "B": "2", "C": "3"}
    child = {"B": "2", "C": "30", "D": "4"}
    plan = t.diff(master, child)
    assert (plan.fetch, plan.delete, plan.unchanged) == (("C", "D"), ("A",), ("B",))
    assert not plan.empty
    assert t.diff(child, child).empty
    assert t.diff({}, [obj(DEV)]).fetch == (DEV,)


def test_incremental_cycle_reaches_the_childs_state() -> None:
    xml = (FIXTURES / "junos_r1.xml").read_text()
    first = t.derive({"name": "r1"}, "junos", xml, "paris", updated_at=1.0)
    master_copy = t.apply_changes([], first, t.diff({}, first).delete)
    changed_xml = xml.replace("<description>spare</description>", "").replace(
        "<name>10.0.1.1/24</name>", "<name>10.0.2.1/24</name>")
    second = t.carry_forward(t.derive({"name": "r1"}, "junos", changed_xml, "paris", updated_at=2.0), first)
    plan = t.diff(t.index(master_copy), t.index(second))
    assert plan.fetch == ("Address:r1:ge-0/0/0.0:10.0.2.1/24", "Interface:r1:ge-0/0/0.0", "Interface:r1:ge-0/0/1")
    assert plan.delete == ("Address:r1:ge-0/0/0.0:10.0.1.1/24",)
    fetched = [o for o in second if o.key in plan.fetch]
    master_copy = t.apply_changes(master_copy, fetched, plan.delete)
    assert master_copy == sorted(second, key=lambda o: o.key)


# ---------------------------------------------------------------- clock

def test_clock_suspect() -> None:
    assert not t.clock_suspect(1000.0, 1060.0)
    assert t.clock_suspect(1000.0, 1060.001)
    assert t.clock_suspect(1061.0, 1000.0)
    assert not t.clock_suspect(1000.0, 1004.0, max_difference_ms=5000)
    assert t.DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS == 60000


# ---------------------------------------------------------------- properties

KEYS = [f"{ty}:k{i}" for ty in ("Device", "Interface") for i in range(3)]
CHILD_NAMES = ["a", "b", "c", "d"]


@st.composite
def child_objects(draw: st.DrawFn) -> list[t.TopologyObject]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    return [obj(k, draw(st.dictionaries(st.sampled_from(["description", "mtu", "x"]),
                                        st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["p", "q"])),
                                        max_size=3)),
                draw(st.lists(st.sampled_from(KEYS), max_size=3)), draw(st.sampled_from([0.0, 1.0, 2.0])))
            for k in keys]


federations = st.dictionaries(st.sampled_from(CHILD_NAMES), child_objects(), max_size=4)


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(federations, st.randoms(use_true_random=False))
def test_union_is_commutative_over_child_order(copies: dict[str, list[t.TopologyObject]], rnd: Any) -> None:
    items = list(copies.items())
    rnd.shuffle(items)
    shuffled = {child: list(reversed(objs)) for child, objs in items}
    assert t.union(shuffled, stale={"b"}) == t.union(copies, stale={"b"})


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(federations)
def test_union_is_idempotent(copies: dict[str, list[t.TopologyObject]]) -> None:
    once = t.union(copies)
    again = t.union({"m": [m.as_object() for m in once]})
    assert content(again) == content(once)
    if "a" in copies:  # a child merged with an identical twin changes nothing but sources
        assert content(t.union({"a": copies["a"], "twin": copies["a"]})) == content(t.union({"a": copies["a"]}))


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(child_objects())
def test_single_child_is_identity_modulo_sources(objs: list[t.TopologyObject]) -> None:
    out = t.union({"only": objs})
    assert [m.as_object() for m in out] == sorted(objs, key=lambda o: o.key)
    assert all(m.sources == ("only",) and m.source_versions == {"only": m.version} for m in out)


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(federations)
def test_union_contains_everything_and_newest_wins(copies: dict[str, list[t.TopologyObject]]) -> None:
    out = {m.key: m for m in t.union(copies)}
    for child, objs in copies.items():
        for o in objs:
            m = out[o.key]
            assert set(o.contains) <= set(m.contains) and child in m.sources
            for prop, value in o.properties.items():
                winner = min((c for c in m.sources if prop in by_key(copies[c])[o.key].properties),
                             key=lambda c: (-by_key(copies[c])[o.key].updated_at, c))
                assert m.properties[prop] == by_key(copies[winner])[o.key].properties[prop]
                if winner == child:
                    assert m.properties[prop] == value
