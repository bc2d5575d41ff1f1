# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Topology keys, versions, types and (de)serialisation."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.netsync.fleet.plugins.module_utils import topology as t

FIXTURES = Path(__file__).parent / "fixtures"
names = st.text(min_size=1, max_size=12)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=8),
                         st.floats(allow_nan=False, allow_infinity=False))


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(st.sampled_from(["Device", "Interface", "Address"]), st.lists(names, min_size=1, max_size=4))
def test_key_round_trip(type_name: str, parts: list[str]) -> None:
    key = t.make_key(type_name, *parts)
    assert key.startswith(type_name + ":")
    assert t.split_key(key, len(parts)) == (type_name, parts)


def test_keys_are_unambiguous_and_readable() -> None:
    assert t.make_key("Interface", "r1", "ge-0/0/0") == "Interface:r1:ge-0/0/0"
    assert t.address_key("r1", "ge-0/0/0.0", "2001:db8::1/64") == "Address:r1:ge-0/0/0.0:2001:db8::1/64"
    assert t.make_key("Interface", "a:b", "c") != t.make_key("Interface", "a", "b:c")
    assert t.make_key("Interface", "a%3Ab", "c") != t.make_key("Interface", "a:b", "c")
    with pytest.raises(t.TopologyError):
        t.split_key("Device:r1", 2)


def test_version_is_content_hash() -> None:
    a = t.make_object("Interface", "Interface:r1:ge-0/0/0", {"mtu": 1514, "name": "ge-0/0/0"},
                      ["Interface:r1:ge-0/0/0.1", "Interface:r1:ge-0/0/0.0"], 1.0)
    b = t.make_object("Interface", "Interface:r1:ge-0/0/0", {"name": "ge-0/0/0", "mtu": 1514},
                      ["Interface:r1:ge-0/0/0.0", "Interface:r1:ge-0/0/0.1", "Interface:r1:ge-0/0/0.0"], 9.0)
    assert a.version == b.version and len(a.version) == 32
    assert a.contains == ("Interface:r1:ge-0/0/0.0", "Interface:r1:ge-0/0/0.1")
    c = t.make_object("Interface", "Interface:r1:ge-0/0/0", {"name": "ge-0/0/0", "mtu": 1500}, a.contains, 1.0)
    d = t.make_object("Interface", "Interface:r1:ge-0/0/0", a.properties, a.contains[:1], 1.0)
    assert len({a.version, c.version, d.version}) == 3


def test_make_object_checks_key_and_json() -> None:
    with pytest.raises(t.TopologyError, match="must start with its type"):
        t.make_object("Device", "Interface:r1:x", {}, (), 0.0)
    with pytest.raises(t.TopologyError, match="not JSON-serialisable"):
        t.make_object("Device", "Device:r1", {"x": {1, 2}}, (), 0.0)
    with pytest.raises(t.TopologyError, match="not JSON-serialisable"):
        t.make_object("Device", "Device:r1", {"x": float("nan")}, (), 0.0)


objects = st.builds(
    lambda typ, name, props, kids, at: t.make_object(typ, t.make_key(typ, name), props, kids, at),
    st.sampled_from(["Device", "Interface", "Address"]), names,
    st.dictionaries(st.text(max_size=6), json_scalars, max_size=4),
    st.lists(st.text(max_size=6), max_size=4), st.floats(0, 2e9))


@settings(database=None)  # leave no .hypothesis/ in the tree
@given(objects)
def test_object_json_round_trip(obj: t.TopologyObject) -> None:
    wire = json.loads(json.dumps(obj.to_dict()))
    assert t.TopologyObject.from_dict(wire) == obj


def test_from_dict_computes_missing_version() -> None:
    obj = t.TopologyObject.from_dict({"type": "Device", "key": "Device:r1", "properties": {"a": 1}})
    assert obj == t.make_object("Device", "Device:r1", {"a": 1}, (), 0.0)


@pytest.mark.parametrize(("data", "message"), [
    ([], "expected a mapping"),
    ({"key": "Device:r1"}, "missing field 'type'"),
    ({"type": "Device", "key": 7}, "'key' has the wrong type"),
    ({"type": "Device", "key": "Interface:r1:x"}, "must start with its type"),
    ({"type": "Device", "key": "Device:r1", "properties": []}, "'properties' has the wrong type"),
    ({"type": "Device", "key": "Device:r1", "properties": {"x": object()}}, "not JSON-serialisable"),
    ({"type": "Device", "key": "Device:r1", "contains": ["a", 1]}, "list of strings"),
    ({"type": "Device", "key": "Device:r1", "contains": "Interface:r1:x"}, "'contains' has the wrong type"),
    ({"type": "Device", "key": "Device:r1", "updated_at": True}, "'updated_at' has the wrong type"),
    ({"type": "Device", "key": "Device:r1", "updated_at": float("inf")}, "not finite"),
    ({"type": "Device", "key": "Device:r1", "version": 3}, "'version' has the wrong type"),
])
def test_from_dict_rejects_malformed(data: Any, message: str) -> None:
    with pytest.raises(t.TopologyError, match=message):
        t.TopologyObject.from_dict(data)


def test_builtin_types() -> None:
    types = {ty.name: ty for ty in t.builtin_types()}
    assert sorted(types) == ["Address", "Device", "Interface"]
    assert set(types["Device"].properties) == {"name", "platform", "hostname", "model", "version", "serial",
                                               "managed_status", "site", "last_synced"}
    assert types["Interface"].properties["mtu"]["type"] == "integer"
    assert all(ty.version == t.type_version(ty.name, ty.properties) for ty in types.values())
    assert [ty.version for ty in t.builtin_types(updated_at=5.0)] == [ty.version for ty in t.builtin_types()]


def test_every_derived_property_is_declared() -> None:
    declared = {ty.name: set(ty.properties) for ty in t.builtin_types()}
    facts = {"hostname": "r1", "model": "vmx", "version": "23.4R1.9", "serial": "VM6740AB12"}
    junos = {"name": "r1", "facts": facts, "managed_status": "In Sync", "last_synced": 1.0}
    objs = t.derive(junos, "junos", (FIXTURES / "junos_r1.xml").read_text(), "paris") + \
        t.derive({"name": "r2"}, "netconf", (FIXTURES / "ietf_r2.xml").read_text(), "lyon")
    for obj in objs:
        assert set(obj.properties) <= declared[obj.type], obj.key


def test_type_round_trip_and_validation() -> None:
    ty = t.builtin_types(updated_at=3.0)[1]
    assert t.TopologyType.from_dict(json.loads(json.dumps(ty.to_dict()))) == ty
    loaded = t.TopologyType.from_dict({"name": "Link", "properties": {"speed": {"type": "integer"}}})
    assert loaded.version == t.type_version("Link", {"speed": {"type": "integer"}})
    with pytest.raises(t.TopologyError, match="must map strings to strings"):
        t.TopologyType.from_dict({"name": "Link", "properties": {"speed": "integer"}})
    with pytest.raises(t.TopologyError, match="missing field 'name'"):
        t.TopologyType.from_dict({"properties": {}})
