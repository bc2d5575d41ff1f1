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


# -- one masking for every platform: CLI renderings too ---------------------------------------------------
CLI_CONFIG = """hostname edge1
enable secret 9 $9$abcDEF$xyz
username ops privilege 15 secret 9 $9$user$hash
snmp-server community Pr1vate RO
key chain KC1
 key 1
  key-string 7 0822455D0A16
interface GigabitEthernet1
 description key chain uplink
"""


def test_cli_text_is_masked_with_the_same_markers_as_junos() -> None:
    masked = secrets.mask_text(CLI_CONFIG, KEY, "ios-cli")
    for hidden in ("$9$abcDEF$xyz", "$9$user$hash", "Pr1vate", "0822455D0A16"):
        assert hidden not in masked and secrets.marker(hidden, KEY) in masked
    assert "key chain KC1\n" in masked and " description key chain uplink\n" in masked
    # the same scheme as a Junos leaf: an HMAC under the store's key, so another store's markers differ
    assert secrets.marker("Pr1vate", KEY) in secrets.mask_line("snmp community Pr1vate", KEY)
    assert secrets.mask_text(CLI_CONFIG, b"o" * 32, "ios-cli") != masked
    assert "sha256:" not in masked  # no unsalted marker: a weak secret cannot be found by hashing guesses


def test_a_changed_cli_secret_is_a_changed_rendering_and_a_visible_change() -> None:
    from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_platforms import platform_for
    ios = platform_for("ios")
    before, after = ios.render(CLI_CONFIG), ios.render(CLI_CONFIG.replace("Pr1vate", "Pr2vate"))
    assert before != after  # the rendering keeps the secret: a new snapshot version
    masked = (secrets.mask_text(before, KEY, ios.fmt), secrets.mask_text(after, KEY, ios.fmt))
    assert masked[0] != masked[1] and "Pr1vate" not in masked[0] + masked[1]
    assert masked[1].replace(secrets.marker("Pr2vate", KEY), secrets.marker("Pr1vate", KEY)) == masked[0]


def test_without_a_format_both_rules_apply() -> None:
    text = CLI_CONFIG + "system root-authentication encrypted-password one\n"
    masked = secrets.mask_text(text, KEY)
    assert "Pr1vate" not in masked and "encrypted-password one" not in masked
    assert secrets.mask_text(masked, KEY) == masked  # masking a masked text changes nothing


def test_eos_patterns_are_covered_by_the_one_masking() -> None:
    from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_platforms import platform_for
    eos = platform_for("eos")
    for line in ("username admin privilege 15 role network-admin secret sha512 $6$eOs$Qp3",
                 "   ip ospf authentication-key 7 Ab12Cd", "   neighbor 192.0.2.1 password 7 Zz99"):
        assert secrets.mask_text(line, KEY, eos.fmt) == eos.mask(line, KEY) + "\n" != line + "\n"
