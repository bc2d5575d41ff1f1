# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Derivation of topology objects from Junos and ietf-interfaces configurations."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import topology as t

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def row(name: str = "r1", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name, "platform": "junos",
        "facts": {"hostname": name, "model": "vmx", "version": "23.4R1.9", "serial": "VM6740AB12"},
        "managed_status": "In Sync", "last_synced": 1732240100.5,
    }
    base.update(extra)
    return base


def by_key(objs: list[t.TopologyObject]) -> dict[str, t.TopologyObject]:
    return {o.key: o for o in objs}


def versions(objs: list[t.TopologyObject]) -> dict[str, str]:
    return {o.key: o.version for o in objs}


@pytest.fixture()
def junos() -> dict[str, t.TopologyObject]:
    return by_key(t.derive(row(), "junos", fixture("junos_r1.xml"), "paris"))


# ---------------------------------------------------------------- Junos

def test_junos_device_object(junos: dict[str, t.TopologyObject]) -> None:
    dev = junos["Device:r1"]
    assert dev.type == "Device"
    assert dev.properties == {
        "name": "r1", "platform": "junos", "site": "paris", "hostname": "r1", "model": "vmx",
        "version": "23.4R1.9", "serial": "VM6740AB12", "managed_status": "In Sync",
        "last_synced": 1732240100.5,
    }
    # physical interfaces only; inactive ge-0/0/2 and the <ge-*> group entry are not there
    assert dev.contains == ("Interface:r1:ae0", "Interface:r1:ge-0/0/0", "Interface:r1:ge-0/0/1",
                            "Interface:r1:lo0", "Interface:r1:xe-0/1/0:1")
    assert dev.updated_at == 1732240100.5  # defaults to last_synced


def test_junos_interfaces_units_and_addresses(junos: dict[str, t.TopologyObject]) -> None:
    ge0 = junos["Interface:r1:ge-0/0/0"]
    assert ge0.properties == {"device": "r1", "name": "ge-0/0/0", "admin_state": "up",
                              "description": "uplink to core-1 [ckt 4411]", "mtu": 1514,
                              "type": "ethernetCsmacd"}
    assert ge0.contains == ("Interface:r1:ge-0/0/0.0",)
    unit = junos["Interface:r1:ge-0/0/0.0"]
    assert unit.properties == {"device": "r1", "name": "ge-0/0/0.0", "admin_state": "up",
                               "description": "transit", "parent": "ge-0/0/0", "unit": 0}
    assert unit.contains == ("Address:r1:ge-0/0/0.0:10.0.0.1/24", "Address:r1:ge-0/0/0.0:10.0.1.1/24",
                             "Address:r1:ge-0/0/0.0:2001:db8::1/64")
    v6 = junos["Address:r1:ge-0/0/0.0:2001:db8::1/64"]  # 2001:DB8:0:0::1 normalised
    assert v6.properties == {"device": "r1", "interface": "ge-0/0/0.0", "family": "inet6",
                             "prefix": "2001:db8::1/64"}
    assert v6.contains == ()
    assert junos["Interface:r1:ge-0/0/1"].properties["admin_state"] == "down"
    assert junos["Interface:r1:lo0"].properties["type"] == "softwareLoopback"
    assert junos["Interface:r1:ae0"].contains == ("Interface:r1:ae0.100", "Interface:r1:ae0.200")


def test_junos_skips_inactive_groups_and_protocols(junos: dict[str, t.TopologyObject]) -> None:
    keys = set(junos)
    assert not any("ge-0/0/2" in k for k in keys)  # inactive interface
    assert "Address:r1:xe-0/1/0%3A1.0:198.51.100.3/31" not in keys  # inactive address
    assert not any("<ge-*>" in k for k in keys)  # apply-groups template
    assert len([k for k in keys if k.startswith("Interface:")]) == 10
    assert len([k for k in keys if k.startswith("Address:")]) == 7


def test_channelised_name_escaped_only_inside_key(junos: dict[str, t.TopologyObject]) -> None:
    unit = junos["Interface:r1:xe-0/1/0:1.0"]
    assert unit.properties["admin_state"] == "down" and unit.properties["parent"] == "xe-0/1/0:1"
    addr_key = "Address:r1:xe-0/1/0%3A1.0:198.51.100.1/31"
    assert unit.contains == (addr_key,)
    assert t.split_key(addr_key, 3) == ("Address", ["r1", "xe-0/1/0:1.0", "198.51.100.1/31"])
    assert junos[addr_key].properties["interface"] == "xe-0/1/0:1.0"


def test_every_contained_key_is_derived(junos: dict[str, t.TopologyObject]) -> None:
    for obj in junos.values():
        for kid in obj.contains:
            assert kid in junos
    assert list(junos) == sorted(junos)


# ---------------------------------------------------------------- ietf-interfaces

def test_ietf_objects() -> None:
    objs = by_key(t.derive({"name": "r2", "facts": None}, "netconf", fixture("ietf_r2.xml"), "lyon",
                           updated_at=50.0))
    assert objs["Device:r2"].properties == {"name": "r2", "platform": "netconf", "site": "lyon"}
    assert objs["Device:r2"].contains == ("Interface:r2:eth0", "Interface:r2:eth1", "Interface:r2:lo")
    eth0 = objs["Interface:r2:eth0"]
    assert eth0.properties == {"device": "r2", "name": "eth0", "admin_state": "up",
                               "description": "to r1 ge-0/0/0", "mtu": 1500, "type": "ethernetCsmacd"}
    assert eth0.contains == ("Address:r2:eth0:10.0.0.2/24", "Address:r2:eth0:2001:db8::2/64")
    assert objs["Interface:r2:eth1"].properties["admin_state"] == "down"
    assert objs["Address:r2:eth1:192.0.2.9/30"].properties["prefix"] == "192.0.2.9/30"  # from netmask
    assert not any("oc-ignored" in k for k in objs)  # openconfig namespace is not ietf-interfaces
    assert all(o.updated_at == 50.0 for o in objs.values())


def test_ietf_prefixes_and_reply_wrapper_do_not_matter() -> None:
    plain = t.derive({"name": "r2"}, "netconf", fixture("ietf_r2.xml"), "lyon", updated_at=1.0)
    prefixed = t.derive({"name": "r2"}, "netconf", fixture("ietf_r2_prefixed.xml"), "lyon", updated_at=1.0)
    assert plain == prefixed


def test_ietf_wrong_namespace_is_not_read() -> None:
    xml = ('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><interfaces>'
           "<interface><name>eth9</name></interface></interfaces></data>")
    objs = t.derive({"name": "r2"}, "netconf", xml, "lyon")
    assert [o.key for o in objs] == ["Device:r2"]


# ---------------------------------------------------------------- versions

def test_same_content_same_version_despite_format_and_order() -> None:
    a = t.derive(row(), "junos", fixture("junos_r1.xml"), "paris")
    b = t.derive(row(), "junos", fixture("junos_r1_reformatted.xml"), "paris")
    assert versions(a) == versions(b)
    assert a == b


def test_version_ignores_updated_at() -> None:
    a = t.derive(row(), "junos", fixture("junos_r1.xml"), "paris", updated_at=1.0)
    b = t.derive(row(), "junos", fixture("junos_r1.xml"), "paris", updated_at=2.0)
    assert versions(a) == versions(b)
    assert {o.updated_at for o in b} == {2.0}


def test_changed_description_changes_that_interface_only() -> None:
    before = versions(t.derive(row(), "junos", fixture("junos_r1.xml"), "paris"))
    xml = fixture("junos_r1.xml").replace("uplink to core-1 [ckt 4411]", "uplink to core-2")
    after = versions(t.derive(row(), "junos", xml, "paris"))
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"Interface:r1:ge-0/0/0"}  # not its Device, unit or addresses


def test_added_address_changes_its_unit_only() -> None:
    before = versions(t.derive(row(), "junos", fixture("junos_r1.xml"), "paris"))
    xml = fixture("junos_r1.xml").replace(
        "<name>172.16.100.1/24</name>", "<name>172.16.100.1/24</name></address><address><name>172.16.101.1/24</name>")
    after = versions(t.derive(row(), "junos", xml, "paris"))
    assert set(after) - set(before) == {"Address:r1:ae0.100:172.16.101.1/24"}
    assert {k for k in before if before[k] != after[k]} == {"Interface:r1:ae0.100"}


def test_added_interface_changes_device_version() -> None:
    before = versions(t.derive(row(), "junos", fixture("junos_r1.xml"), "paris"))
    xml = fixture("junos_r1.xml").replace(
        "<interface>\n            <name>lo0</name>", "<interface><name>ge-0/0/9</name></interface>"
        "<interface>\n            <name>lo0</name>")
    after = versions(t.derive(row(), "junos", xml, "paris"))
    assert set(after) - set(before) == {"Interface:r1:ge-0/0/9"}
    assert {k for k in before if before[k] != after[k]} == {"Device:r1"}


def test_device_status_is_content() -> None:
    a = by_key(t.derive(row(), "junos", fixture("junos_r1.xml"), "paris"))
    b = by_key(t.derive(row(managed_status="Out of Sync"), "junos", fixture("junos_r1.xml"), "paris"))
    assert a["Device:r1"].version != b["Device:r1"].version
    assert a["Interface:r1:lo0"].version == b["Interface:r1:lo0"].version


def test_carry_forward_keeps_updated_at_of_unchanged_objects() -> None:
    old = t.derive(row(), "junos", fixture("junos_r1.xml"), "paris", updated_at=10.0)
    xml = fixture("junos_r1.xml").replace("<description>spare</description>", "<description>reserved</description>")
    new = t.carry_forward(t.derive(row(), "junos", xml, "paris", updated_at=20.0), old)
    stamps = {o.key: o.updated_at for o in new}
    assert stamps.pop("Interface:r1:ge-0/0/1") == 20.0
    assert set(stamps.values()) == {10.0}


# ---------------------------------------------------------------- device rows and inputs

def test_missing_facts_are_omitted_and_json_facts_accepted() -> None:
    sparse = t.derive({"name": "r3", "facts": {"model": None, "serial": ""}}, "junos", None, "x")
    assert sparse == [t.make_object("Device", "Device:r3", {"name": "r3", "platform": "junos", "site": "x"},
                                    (), 0.0)]
    as_text = t.derive({"name": "r3", "facts": '{"model": "mx480"}'}, "junos", "", "x")
    assert as_text[0].properties["model"] == "mx480"
    nan = t.derive({"name": "r3", "last_synced": float("nan")}, "junos", "  ", "x")
    assert "last_synced" not in nan[0].properties and nan[0].updated_at == 0.0


def test_bytes_input_is_utf8() -> None:
    raw = fixture("junos_r1.xml").replace("spare", "réserve").encode("utf-8")
    objs = by_key(t.derive(row(), "junos", raw, "paris"))
    assert objs["Interface:r1:ge-0/0/1"].properties["description"] == "réserve"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"platform": "vyos"}, "unknown platform"),
    ({"device": {"facts": {}}}, "no name"),
    ({"config_xml": "<configuration><interfaces>"}, "not well-formed"),
    ({"config_xml": "<data/>"}, "no <configuration> element"),
    ({"config_xml": b"\xff\xfe<\x00d\x00/\x00>\x00"}, "not UTF-8"),
])
def test_bad_input_raises_topology_error(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"device": row(), "platform": "junos", "config_xml": "<configuration/>",
                            "site": "paris"}
    args.update(kwargs)
    with pytest.raises(t.TopologyError, match=message):
        t.derive(**args)


# ---------------------------------------------------------------- malicious XML

@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_file.xml", "xxe_parameter.xml"])
def test_dtd_is_refused_before_parsing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tree(*_: Any, **__: Any) -> None:
        raise AssertionError("no tree may be built of a document with a DTD")

    monkeypatch.setattr("lxml.etree.fromstring", no_tree)  # the tree builder of common.xml
    platform = "netconf" if name == "xxe_parameter.xml" else "junos"
    with pytest.raises(t.UnsafeXMLError, match="DOCTYPE declaration: DTDs and entities are not accepted"):
        t.derive(row(), platform, fixture(name), "paris")


def test_dtd_in_utf16_declared_text_is_refused() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?>' + fixture("billion_laughs.xml").split("?>", 1)[1]
    with pytest.raises(t.UnsafeXMLError):
        t.derive(row(), "junos", xml, "paris")
    with pytest.raises(t.TopologyError):
        t.derive(row(), "junos", xml.encode("utf-16"), "paris")


def test_undeclared_entity_is_malformed_and_escaped_markup_is_text() -> None:
    with pytest.raises(t.TopologyError, match="not well-formed") as info:
        t.derive(row(), "junos", "<configuration><version>&lol;</version></configuration>", "paris")
    assert not isinstance(info.value, t.UnsafeXMLError)
    xml = ("<configuration><interfaces><interface><name>ge-0/0/0</name>"
           "<description>&lt;!DOCTYPE x&gt; &amp; friends</description></interface></interfaces></configuration>")
    objs = by_key(t.derive(row(), "junos", xml, "paris"))
    assert objs["Interface:r1:ge-0/0/0"].properties["description"] == "<!DOCTYPE x> & friends"
