from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import UnsafeXMLError, XMLError, parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, sha256_text, unified_diff

JUNOS = """<configuration xmlns:junos="http://xml.juniper.net/junos/21.4R0/junos"
 junos:commit-seconds="{secs}" junos:commit-user="ops">
 <system><host-name>r1</host-name><services><netconf><ssh/></netconf></services></system>
 <interfaces><interface><name>ge-0/0/0</name><description>to core</description>
 <unit><name>0</name><family><inet><address><name>10.0.0.1/24</name></address>
 <address><name>10.0.1.1/24</name></address></inet></family></unit></interface>
 <interface inactive="inactive"><name>ge-0/0/1</name><disable/></interface></interfaces>
</configuration>"""

IETF = """<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>eth0</name>
<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type>
<ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip"><address><ip>192.0.2.1</ip><prefix-length>24</prefix-length>
</address><address><ip>192.0.2.9</ip><prefix-length>24</prefix-length></address></ipv4></interface></interfaces></data>"""


def test_junos_rendering_is_set_style_and_ignores_commit_attributes() -> None:
    text = render(parse_xml(JUNOS.format(secs=1)))
    assert text.splitlines() == [
        "system host-name r1",
        "system services netconf ssh",
        'interfaces interface ge-0/0/0 description "to core"',
        "interfaces interface ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
        "interfaces interface ge-0/0/0 unit 0 family inet address 10.0.1.1/24",
        "interfaces interface ge-0/0/1 [inactive=inactive]",
        "interfaces interface ge-0/0/1 disable",
    ]
    # a commit that changed nothing: other commit-seconds, same text and sha256
    assert sha256_text(render(parse_xml(JUNOS.format(secs=2)))) == sha256_text(text)


def test_repeated_lists_are_keyed_by_their_first_leaf() -> None:
    lines = render(parse_xml(IETF)).splitlines()
    assert "interfaces interface eth0 ipv4 address 192.0.2.1 prefix-length 24" in lines
    assert "interfaces interface eth0 ipv4 address 192.0.2.9 prefix-length 24" in lines


def test_quoting_of_values_with_spaces_and_quotes() -> None:
    root = parse_xml('<c><a><description>say "hi"\nbye</description></a></c>')
    assert render(root) == 'a description "say \\"hi\\"\\nbye"\n'


@pytest.mark.parametrize(("doc", "error"), [
    ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', UnsafeXMLError),
    ('<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', UnsafeXMLError),
    ("<x><unclosed></x>", XMLError),
    ("", XMLError),
])
def test_unsafe_or_broken_xml_is_refused(doc: str, error: type) -> None:
    with pytest.raises(error) as info:
        parse_xml(doc)
    assert isinstance(info.value, UnsafeXMLError) == (error is UnsafeXMLError)


def test_unified_diff_names_versions() -> None:
    diff = unified_diff("a\nb\n", "a\nc\n", "r1 v1", "r1 v2")
    assert diff.startswith("--- r1 v1\n+++ r1 v2\n") and "-b\n" in diff and "+c\n" in diff
