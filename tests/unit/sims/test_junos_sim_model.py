"""The simulator's configuration model, text forms, syslog formatting and device rules."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from tests.sims.junos_config import ConfigError, canonical, default_config, merge, parse_xml, subtree_filter
from tests.sims.junos_db import RpcFailure
from tests.sims.junos_device import JunosDevice
from tests.sims.junos_syslog import CommitEvent, commit_messages, syslog_targets
from tests.sims.junos_text import apply_set_lines, parse_text, render_text


def config() -> etree._Element:
    return default_config("r1", "21.4R3.15", ["admin"])


def test_text_round_trip_of_default_config() -> None:
    conf = config()
    text = render_text(conf, "## Last commit: now")
    assert "    ge-0/0/0 {" in text and '        description "to core";' in text
    assert "            family inet {" in text
    assert canonical(parse_text(text)) == canonical(conf)


def test_set_and_delete_lines() -> None:
    conf = config()
    apply_set_lines(
        conf,
        [
            'set interfaces ge-0/0/1 description "two words"',
            "set interfaces ge-0/0/9 unit 0 family inet address 192.0.2.9/24",
            "set routing-options static route 0.0.0.0/0 next-hop 192.0.2.3",
            "set system syslog host 127.0.0.1 any notice",
            "set system syslog host 127.0.0.1 any any",
            "delete interfaces ge-0/0/2",
            "delete system services ssh",
        ],
    )
    assert conf.findtext("interfaces/interface[name='ge-0/0/1']/description") == "two words"
    assert conf.findtext("interfaces/interface[name='ge-0/0/9']/unit[name='0']/family/inet/address/name") == (
        "192.0.2.9/24"
    )
    assert [e.text for e in conf.findall("routing-options/static/route/next-hop")] == ["192.0.2.2", "192.0.2.3"]
    contents = conf.find("system/syslog/host[name='127.0.0.1']/contents[name='any']")
    assert contents is not None and [c.tag for c in contents] == ["name", "any"]
    assert conf.find("interfaces/interface[name='ge-0/0/2']") is None
    assert conf.find("system/services/ssh") is None and conf.find("system/services/netconf/ssh") is not None


@pytest.mark.parametrize("line", ["set bogus thing", "frobnicate system host-name x", "set system host-name a b"])
def test_bad_set_lines_are_syntax_errors(line: str) -> None:
    with pytest.raises(ConfigError, match="syntax error"):
        apply_set_lines(config(), [line])


def test_xml_merge_delete_and_replace() -> None:
    conf = config()
    patch = parse_xml(
        "<configuration><system><host-name>r2</host-name></system><interfaces>"
        '<interface delete="delete"><name>ge-0/0/0</name></interface>'
        '<interface replace="replace"><name>ge-0/0/1</name><mtu>9000</mtu></interface>'
        "</interfaces></configuration>"
    )
    merge(conf, patch)
    assert conf.findtext("system/host-name") == "r2"
    assert conf.find("interfaces/interface[name='ge-0/0/0']") is None
    replaced = conf.find("interfaces/interface[name='ge-0/0/1']")
    assert replaced is not None and [c.tag for c in replaced] == ["name", "mtu"] and not replaced.attrib


def test_subtree_filter_keeps_named_branches() -> None:
    filt = parse_xml("<configuration><interfaces><interface><name>ge-0/0/1</name></interface></interfaces>"
                     "<system><host-name/></system></configuration>")  # fmt: skip
    out = subtree_filter(config(), filt)
    assert [e.text for e in out.iter("name")] == ["ge-0/0/1", "0", "198.51.100.1/24"]
    assert [c.tag for c in out.find("system")] == ["host-name"]


def test_untrusted_xml_with_doctype_is_refused() -> None:
    with pytest.raises(ConfigError):
        parse_xml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><configuration>&e;</configuration>')


def _syslog(host: str, extra: str = "any any;") -> etree._Element:
    return parse_text(f"system {{ syslog {{ host {host} {{ port 5514; {extra} }} }} }}")


def test_syslog_targets_only_loopback_with_matching_contents() -> None:
    assert syslog_targets(_syslog("192.0.2.10")) == []  # never sent off the machine
    assert syslog_targets(_syslog("127.0.0.1", "")) == []  # no contents: Junos logs nothing
    assert syslog_targets(_syslog("127.0.0.1", "any error;")) == []  # notice is below error
    (target,) = syslog_targets(_syslog("localhost", "authorization info; structured-data { brief; }"))
    assert (target.address, target.port, target.structured, target.brief) == ("127.0.0.1", 5514, True, True)


def test_syslog_match_and_facility_override() -> None:
    (target,) = syslog_targets(_syslog("127.0.0.1", 'any any; match "UI_COMMIT_COMPLETED"; facility-override local3;'))
    event = CommitEvent("r1", 99, "ops", None, datetime(2026, 7, 6, 3, 52, 49, 972000, timezone.utc), "129")
    assert commit_messages(event, target) == [
        ("UI_COMMIT_COMPLETED", "<157>Jul  6 03:52:49 r1 mgd[99]: UI_COMMIT_COMPLETED: commit complete")
    ]


def test_commit_seconds_never_repeat_and_lock_rules() -> None:
    now = [1_800_000_000.0]
    device = JunosDevice("r1", config(), "21.4R3.15", clock=lambda: now[0])
    first = device.commit(1, "admin", "netconf")
    second = device.cli_commit("ops", ["set system host-name r7"])
    assert first is not None and (first.seconds, second.seconds) == (now[0] + 1, now[0] + 2)
    assert [r.client for r in device.history()] == ["cli", "netconf", "cli"]
    device.load_set(5, ["set system host-name dirty"])
    with pytest.raises(RpcFailure, match="configuration database modified"):
        device.lock(6, "other")
    device.lock(5, "admin")
    with pytest.raises(RpcFailure, match="configuration database locked by") as err:
        device.commit(6, "other", "netconf")
    assert err.value.info == {"session-id": "5"}
    device.session_closed(5)  # closing the locking session discards its changes
    assert device.candidate()[0].findtext("system/host-name") == "r7"
    assert device.locked_by() is None
