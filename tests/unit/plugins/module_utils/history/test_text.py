"""Readable text per platform: Junos display set (checked by applying it with the simulator's own
set-line parser), set/delete diffs, CLI lines, indented NETCONF text; secrets masked."""
from __future__ import annotations

import copy

from lxml import etree

from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from ansible_collections.netsync.fleet.plugins.module_utils.history import text
from tests.sims.junos_config import canonical, default_config
from tests.sims.junos_text import apply_set_lines

KEY = bytes(range(32))


def _xml(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


def _sim(**kw: object) -> etree._Element:
    return default_config("r1", "21.4R1", ["admin", "ops"])


def test_display_set_of_the_simulator_config_is_exact() -> None:
    lines = text.junos_set(_xml(_sim())).splitlines()
    assert lines[:3] == ["set version 21.4R1", "set system host-name r1",
                         'set system root-authentication encrypted-password "$6$sim$rootsecret"']
    assert "set system syslog file messages any notice" in lines
    assert 'set interfaces ge-0/0/0 description "to core"' in lines
    assert "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/30" in lines
    assert "set system services netconf ssh" in lines
    assert lines[-1] == "set routing-options static route 0.0.0.0/0 next-hop 192.0.2.2"
    assert len(lines) == 20


def test_display_set_pastes_back_into_the_same_configuration() -> None:
    config = _sim()
    rebuilt = etree.Element("configuration")
    apply_set_lines(rebuilt, text.junos_set(_xml(config)).splitlines())
    assert canonical(rebuilt) == canonical(config)


def test_secrets_are_masked_and_the_raw_config_is_unchanged() -> None:
    raw = _xml(_sim())
    out = text.snapshot_text({"format": "junos-xml", "config": raw, "rendered": ""}, KEY)
    assert "$6$sim" not in out
    assert "set system root-authentication encrypted-password %s\n" % marker("$6$sim$rootsecret", KEY) in out
    assert "$6$sim$rootsecret" in raw


def _diff_applies(before: etree._Element, after: etree._Element) -> list[str]:
    lines = text.set_diff(text.junos_statements(_xml(before)), text.junos_statements(_xml(after)))
    patched = copy.deepcopy(before)
    apply_set_lines(patched, lines)
    assert canonical(patched) == canonical(after)
    return lines


def test_diff_is_delete_and_set_lines_a_junos_engineer_can_paste() -> None:
    before = _sim()
    after = copy.deepcopy(before)
    apply_set_lines(after, ["set interfaces ge-0/0/1 description \"uplink to core-2\"",
                            "set interfaces ge-0/0/1 mtu 9192",
                            "delete interfaces ge-0/0/2",
                            "delete interfaces ge-0/0/0 description",
                            "set interfaces ge-0/0/3 unit 0 family inet address 10.0.0.1/24"])
    lines = _diff_applies(before, after)
    assert lines == ["delete interfaces ge-0/0/0 description",
                     "delete interfaces ge-0/0/2",
                     'set interfaces ge-0/0/1 description "uplink to core-2"',
                     "set interfaces ge-0/0/1 mtu 9192",
                     "set interfaces ge-0/0/3 unit 0 family inet address 10.0.0.1/24"]


def test_diff_of_a_leaf_list_value_deletes_only_that_value() -> None:
    before = _sim()
    apply_set_lines(before, ["set routing-options static route 10.0.0.0/8 next-hop 192.0.2.2",
                             "set routing-options static route 10.0.0.0/8 next-hop 192.0.2.6"])
    after = copy.deepcopy(before)
    hops = after.findall(".//route[name='10.0.0.0/8']/next-hop")
    assert [h.text for h in hops] == ["192.0.2.2", "192.0.2.6"]
    hops[1].getparent().remove(hops[1])
    lines = text.set_diff(text.junos_statements(_xml(before)), text.junos_statements(_xml(after)))
    assert lines == ["delete routing-options static route 10.0.0.0/8 next-hop 192.0.2.6"]


def test_unchanged_configs_have_an_empty_diff_and_masked_diff_shows_a_changed_secret() -> None:
    before = _sim()
    assert text.set_diff(text.junos_statements(_xml(before)), text.junos_statements(_xml(before))) == []
    after = copy.deepcopy(before)
    after.find("system/root-authentication/encrypted-password").text = "$6$new$secret"
    snap = {"format": "junos-xml"}
    diff = text.snapshot_diff(dict(snap, config=_xml(before)), dict(snap, config=_xml(after)), KEY)
    assert diff == "set system root-authentication encrypted-password %s\n" % marker("$6$new$secret", KEY)


def test_inactive_statements_become_deactivate_lines_and_activate_in_a_diff() -> None:
    before = etree.fromstring(
        '<configuration><interfaces><interface inactive="inactive"><name>ge-0/0/5</name>'
        '<disable/></interface></interfaces></configuration>')
    after = etree.fromstring(
        '<configuration><interfaces><interface><name>ge-0/0/5</name><disable/></interface>'
        '</interfaces></configuration>')
    assert text.junos_set(_xml(before)) == ("set interfaces ge-0/0/5 disable\n"
                                            "deactivate interfaces ge-0/0/5\n")
    lines = text.set_diff(text.junos_statements(_xml(before)), text.junos_statements(_xml(after)))
    assert lines == ["activate interfaces ge-0/0/5"]


def test_srx_policies_and_snmp_communities() -> None:
    root = etree.fromstring(
        "<configuration><security><policies><policy><from-zone-name>trust</from-zone-name>"
        "<to-zone-name>untrust</to-zone-name><policy><name>out</name><then><permit/></then></policy>"
        "</policy></policies></security><snmp><community><name>n0tpublic</name>"
        "<authorization>read-only</authorization></community></snmp></configuration>")
    assert text.junos_set(_xml(root)).splitlines() == [
        "set security policies from-zone trust to-zone untrust policy out then permit",
        "set snmp community n0tpublic authorization read-only"]
    masked = text.junos_set(_xml(root), KEY)
    assert "n0tpublic" not in masked and "set snmp community %s authorization read-only" % marker(
        "n0tpublic", KEY) in masked


def test_cli_platforms_keep_their_own_lines_with_secrets_masked() -> None:
    # the stored CLI rendering keeps the secret (a changed secret is a new version); the text masks it
    snap = {"format": "ios-cli", "config": "raw with enable secret 5 $1$abc\n",
            "rendered": "hostname sw1\nenable secret 5 $1$abc\n"}
    shown = text.snapshot_text(snap, KEY)
    assert shown.startswith("hostname sw1\nenable secret 5 <secret:") and "$1$abc" not in shown
    assert text.snapshot_text(snap, None) == snap["rendered"]  # no key: as stored (show_secrets)
    after = dict(snap, rendered="hostname sw2\nenable secret 5 $1$abd\n")
    diff = text.snapshot_diff(snap, after, KEY, "sw1 v1", "sw1 v2")
    assert "-hostname sw1\n" in diff and "+hostname sw2\n" in diff and diff.startswith("--- sw1 v1\n+++ sw1 v2\n")
    assert "$1$ab" not in diff and diff.count("enable secret 5 <secret:") == 2  # the changed secret shows


def test_generic_netconf_is_indented_and_masked() -> None:
    data = ('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><interfaces xmlns="urn:ietf:params:xml:ns:yang:'
            'ietf-interfaces"><interface><name>eth0</name><description>up link</description><enabled>true'
            '</enabled></interface></interfaces><system xmlns="urn:x"><authentication><user><name>bob</name>'
            '<password>hunter2</password></user></authentication></system></data>')
    out = text.snapshot_text({"format": "netconf-xml", "config": data}, KEY)
    assert out == ("interfaces\n"
                   "  interface eth0\n"
                   '    description "up link"\n'
                   "    enabled true\n"
                   "system\n"
                   "  authentication\n"
                   "    user bob\n"
                   "      password %s\n" % marker("hunter2", KEY))
