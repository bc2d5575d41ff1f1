from __future__ import annotations

import pytest
from lxml import etree

from ansible_collections.netsync.fleet.plugins.module_utils.device import secrets

KEY = b"k" * 32


@pytest.mark.parametrize("line,hidden", [
    ('system root-authentication encrypted-password "$6$abc$xyz"', "$6$abc$xyz"),
    ("system login user ops authentication encrypted-password $6$q$w", "$6$q$w"),
    ("protocols bgp group ext authentication-key $9$secretish", "$9$secretish"),
    ("security ike policy p1 pre-shared-key ascii-text $9$psk", "$9$psk"),
    ("snmp community public authorization read-only", "public"),
    ("protocols ospf area 0 interface ge-0/0/0 authentication md5 1 key $9$md5", "$9$md5"),
    ("system radius-server 10.0.0.1 secret $9$rad", "$9$rad"),
    ("users user admin password s3cr3t", "s3cr3t"),
])
def test_secret_values_are_masked(line: str, hidden: str) -> None:
    masked = secrets.mask_line(line, KEY)
    assert hidden not in masked and "<secret:" in masked
    assert masked.split()[0] == line.split()[0]


@pytest.mark.parametrize("line", [
    "system host-name r1",
    "interfaces ge-0/0/0 description \"uplink key\"",
    "system services ssh root-login deny",
    "security ssh-known-hosts host h1 ecdsa-sha2-nistp256-key AAAAE2",
    "policy-options prefix-list keyservers 10.0.0.0/8",
])
def test_other_lines_are_unchanged(line: str) -> None:
    assert secrets.mask_line(line, KEY) == line


def test_marker_is_stable_and_differs_when_the_secret_differs() -> None:
    a1 = secrets.mask_text("system root-authentication encrypted-password one\n", KEY)
    a2 = secrets.mask_text("system root-authentication encrypted-password one\n", KEY)
    b = secrets.mask_text("system root-authentication encrypted-password two\n", KEY)
    other_store = secrets.mask_text("system root-authentication encrypted-password one\n", b"x" * 32)
    assert a1 == a2 and a1 != b and a1 != other_store
    assert "one" not in a1 and "two" not in b


def test_masking_twice_changes_nothing() -> None:
    once = secrets.mask_text("snmp community public authorization read-only\n", KEY)
    assert secrets.mask_text(once, KEY) == once


def test_tree_leaves_are_masked() -> None:
    root = etree.fromstring("<configuration><system><root-authentication><encrypted-password>$6$x</encrypted-password>"
                            "</root-authentication><host-name>r1</host-name></system>"
                            "<users xmlns='urn:x'><user><name>a</name><password>pw</password></user></users>"
                            "</configuration>")
    text = etree.tostring(secrets.mask_tree(root, KEY), encoding="unicode")
    assert "$6$x" not in text and ">pw<" not in text and "<host-name>r1</host-name>" in text
    assert text.count("&lt;secret:") == 2
