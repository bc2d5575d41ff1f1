"""Commit notifications of Cisco IOS/IOS-XE, NX-OS, IOS-XR and Arista EOS, in the RFC 3164
and RFC 5424 forms those platforms send: table tests of the syslog classification."""

from __future__ import annotations

import datetime as dt

import pytest
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    is_resync_trigger,
    parse_syslog,
)

from tests.sims.cli_platforms import syslog_datagram, syslog_text

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC).timestamp()
XR_TEXT = ("%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'. "
           "Use 'show configuration commit changes 1000000123' to view the changes.")

# (message, event, msgid, hostname, user, source, commit id)
TABLE = [
    pytest.param("<189>123: r1: *Nov 30 09:10:11.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 "
                 "(192.0.2.9)", "commit", "SYS-5-CONFIG_I", "r1", "admin", "192.0.2.9", None, id="ios-3164"),
    pytest.param("<189>45: SW1: *Mar  1 00:10:11.123: %SYS-SW1-5-CONFIG_I: Configured from console by admin on "
                 "vty0 (192.0.2.9)", "commit", "SYS-SW1-5-CONFIG_I", "SW1", "admin", "192.0.2.9", None,
                 id="ios-stack"),
    pytest.param("<189>77: *Nov 30 09:10:11.123: %SYS-5-CONFIG_I: Configured from console by vty0 (192.0.2.9)",
                 "commit", "SYS-5-CONFIG_I", None, None, "192.0.2.9", None, id="ios-no-aaa-no-hostname"),
    pytest.param("<189>78: r1: *Nov 30 09:10:11.123: %SYS-5-CONFIG_I: Configured from console by console",
                 "commit", "SYS-5-CONFIG_I", "r1", None, None, None, id="ios-console"),
    pytest.param('<189>1 2026-11-30T09:10:11.123Z r1 - - - [meta sequenceId="123"] %SYS-5-CONFIG_I: Configured '
                 "from console by admin on vty0 (192.0.2.9)", "commit", "SYS-5-CONFIG_I", "r1", "admin",
                 "192.0.2.9", None, id="ios-5424"),
    pytest.param("<189>2026 Nov 30 09:10:11 n1 %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on "
                 "192.0.2.9@pts/0", "commit", "VSHD-5-VSHD_SYSLOG_CONFIG_I", "n1", "admin", "192.0.2.9", None,
                 id="nxos-3164"),
    pytest.param("<189>1 2026-11-30T09:10:11.123Z n1 - - - - %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty "
                 "by admin on 192.0.2.9@pts/0", "commit", "VSHD-5-VSHD_SYSLOG_CONFIG_I", "n1", "admin",
                 "192.0.2.9", None, id="nxos-5424"),
    pytest.param("<190>123: x1 RP/0/RP0/CPU0:Nov 30 09:10:11.123 UTC: config[67241]: " + XR_TEXT, "commit",
                 "MGBL-CONFIG-6-DB_COMMIT", "x1", "admin", None, "1000000123", id="iosxr-3164"),
    pytest.param("<190>1 2026-11-30T09:10:11.123Z x1 config 67241 - - " + XR_TEXT, "commit",
                 "MGBL-CONFIG-6-DB_COMMIT", "x1", "admin", None, "1000000123", id="iosxr-5424"),
    pytest.param("<189>Nov 30 09:10:11 a1 ConfigAgent: %SYS-5-CONFIG_I: Configured from console by admin on vty3 "
                 "(192.0.2.9)", "commit", "SYS-5-CONFIG_I", "a1", "admin", "192.0.2.9", None, id="eos-3164"),
    pytest.param("<189>1 2026-11-30T09:10:11.123Z a1 ConfigAgent 2048 - - %SYS-5-CONFIG_I: Configured from "
                 "console by admin on vty3 (192.0.2.9)", "commit", "SYS-5-CONFIG_I", "a1", "admin", "192.0.2.9",
                 None, id="eos-5424"),
    pytest.param("<189>Nov 30 09:10:11 a1 ConfigAgent: %SYS-5-CONFIG_E: Enter configuration mode from console by "
                 "admin on vty3 (192.0.2.9)", "other", "SYS-5-CONFIG_E", "a1", "admin", "192.0.2.9", None,
                 id="eos-config-e-is-no-change"),
]


@pytest.mark.parametrize(("text", "event", "msgid", "hostname", "user", "source", "commit_id"), TABLE)
def test_cli_commit_messages(text: str, event: str, msgid: str, hostname: str | None, user: str | None,
                             source: str | None, commit_id: str | None) -> None:
    msg = parse_syslog(text, now=NOW)
    assert (msg.event, msg.msgid, msg.hostname) == (event, msgid, hostname)
    assert (msg.commit_user, msg.commit_source, msg.commit_id) == (user, source, commit_id)
    assert msg.message.startswith("%")
    assert is_resync_trigger(msg, device_sends_completed=True) is (event == "commit")


@pytest.mark.parametrize("text", [
    "<187>12: r1: *Nov 30 09:10:11.123: %LINK-3-UPDOWN: Interface GigabitEthernet2, changed state to up",
    "<189>13: r1: *Nov 30 09:10:11.123: %SYS-5-RESTART: System restarted --",
    "<189>14: r1: *Nov 30 09:10:11.123: %SYS-5-CONFIG_I: something else entirely",
    "<190>15: x1 RP/0/RP0/CPU0:Nov 30 09:10:11.123 UTC: config[1]: %MGBL-CONFIG-6-DB_COMMIT : nothing committed",
    "<189>Nov 30 09:10:11 a1 ConfigAgent: %FOO-5-CONFIG_I: Configured from console by admin on vty3 (192.0.2.9)",
    "<189>Nov 30 09:10:11 a1 app: Configured from console by admin on vty3 (192.0.2.9)",
])
def test_other_messages_are_not_commits(text: str) -> None:
    msg = parse_syslog(text, now=NOW)
    assert msg.event == "other" and msg.commit_user is None and msg.commit_id is None


@pytest.mark.parametrize("rfc5424", [False, True], ids=["rfc3164", "rfc5424"])
@pytest.mark.parametrize("platform", ["ios", "nxos", "iosxr", "eos"])
def test_what_the_simulators_send_is_a_commit(platform: str, rfc5424: bool) -> None:
    text = syslog_text(platform, "change", "ops", "192.0.2.9", "edge1", "1000000007")
    msg = parse_syslog(syslog_datagram(platform, "edge1", text, rfc5424, 7))
    assert msg.event == "commit" and msg.hostname == "edge1" and msg.commit_user == "ops"
    assert msg.commit_source == (None if platform == "iosxr" else "192.0.2.9")
    assert msg.commit_id == ("1000000007" if platform == "iosxr" else None)
