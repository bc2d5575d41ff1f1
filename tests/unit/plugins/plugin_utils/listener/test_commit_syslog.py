"""Tests of the syslog parser (RFC 5424 / RFC 3164 / Junos commit classification)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    REJECT_REASONS,
    SyslogMessage,
    SyslogParseError,
    is_resync_trigger,
    parse_syslog,
)

NOW = dt.datetime(2026, 7, 6, 12, 0, tzinfo=dt.UTC).timestamp()
T_0352 = dt.datetime(2026, 7, 6, 3, 52, 49, tzinfo=dt.UTC).timestamp()

J5424_COMMIT = (
    "<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT "
    '[junos@2636.1.1.1.2.129 username="ops" command="commit"] '
    "User 'ops' requested 'commit' operation"
)
J5424_COMPLETED = (
    "<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT_COMPLETED "
    "[junos@2636.1.1.1.2.129 ] commit complete"
)
J5424_COMMENTED = (
    "<189>1 2026-07-06T03:52:49.972Z vsrx-ci mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 "
    'username="netconf" command="commit" message="canary C (capture UI_COMMIT lines)"] '
    "User 'netconf' requested 'commit' operation (comment: canary C (capture UI_COMMIT lines))"
)
J5424_AUDIT = (
    "<182>1 2026-07-06T03:52:49.931Z vsrx-ci mgd 97400 UI_CFG_AUDIT_SET "
    '[junos@2636.1.1.1.2.129 username="netconf" action="set" '
    'pathname="[system login message\\]" delimiter="\\"" data="m14c"] '
    "User 'netconf' set: [system login message]"
)
J5424_PROGRESS = (
    "<190>1 2026-07-06T03:52:49.974Z vsrx-ci mgd 97400 UI_COMMIT_PROGRESS "
    '[junos@2636.1.1.1.2.129 message="Obtaining lock for commit"] '
    "Commit operation in progress: Obtaining lock for commit"
)
J3164_COMMIT = (
    "<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT: "
    "User 'ops' requested 'commit' operation (comment: x)"
)
J3164_COMPLETED = "<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete"
GENERIC_5424 = "<78>1 2026-07-06T03:51:00.003Z vsrx-ci /usr/sbin/cron 16860 - - (*system*) RELOAD"
GENERIC_3164 = "<38>Jul 16 03:50:42 web1 sshd[4139]: Failed password for bob from 192.0.2.7"
EXAMPLES = [
    J5424_COMMIT, J5424_COMPLETED, J5424_COMMENTED, J5424_AUDIT, J5424_PROGRESS,
    J3164_COMMIT, J3164_COMPLETED, GENERIC_5424, GENERIC_3164,
]


def parse(line: str | bytes, **kw: Any) -> SyslogMessage:
    return parse_syslog(line, now=NOW, **kw)


def reason_of(line: str | bytes, **kw: Any) -> str:
    with pytest.raises(SyslogParseError) as info:
        parse(line, **kw)
    assert info.value.reason in REJECT_REASONS
    return info.value.reason


# -- RFC 5424 ------------------------------------------------------------------------------

def test_junos_5424_commit() -> None:
    m = parse(J5424_COMMIT.encode())
    assert (m.facility, m.severity, m.protocol) == (23, 5, "rfc5424")
    assert m.timestamp == pytest.approx(T_0352 + 0.972)
    assert (m.hostname, m.app, m.procid, m.msgid) == ("r1", "mgd", "97400", "UI_COMMIT")
    assert m.structured_data == {
        "junos@2636.1.1.1.2.129": {"username": "ops", "command": "commit"}
    }
    assert m.message == "User 'ops' requested 'commit' operation"
    assert (m.event, m.commit_user, m.commit_command, m.commit_comment) == (
        "commit-started", "ops", "commit", None,
    )


def test_junos_5424_completed_with_empty_sd_element() -> None:
    m = parse(J5424_COMPLETED)
    assert m.structured_data == {"junos@2636.1.1.1.2.129": {}}
    assert (m.msgid, m.message, m.event) == ("UI_COMMIT_COMPLETED", "commit complete", "commit")
    assert m.commit_user is None


def test_junos_5424_comment_from_sd_message() -> None:
    m = parse(J5424_COMMENTED)
    assert m.commit_user == "netconf"
    assert m.commit_comment == "canary C (capture UI_COMMIT lines)"


def test_sd_escapes_and_unescaped_open_bracket() -> None:
    sd = parse(J5424_AUDIT).structured_data["junos@2636.1.1.1.2.129"]
    assert sd["pathname"] == "[system login message]"
    assert sd["delimiter"] == '"'
    assert parse(J5424_AUDIT).event == "other"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (r'a\\b', "a\\b"),
        (r'a\]b', "a]b"),
        (r'a\"b', 'a"b'),
        (r'a\nb', r"a\nb"),  # other escapes are kept verbatim (RFC 5424 6.3.3)
        (r'\\\"', '\\"'),
        ("x]y", "x]y"),  # lenient: unescaped ']' inside quotes
        ("", ""),
    ],
)
def test_sd_param_value_escapes(raw: str, value: str) -> None:
    m = parse(f'<13>1 - h a - - [x@1 k="{raw}"] msg')
    assert m.structured_data == {"x@1": {"k": value}}
    assert m.message == "msg"


def test_multiple_sd_elements_and_no_message() -> None:
    m = parse('<165>1 2003-10-11T22:14:15.003Z h app - ID47 [a@1 x="1" y="2"][b@2 z="3"]')
    assert m.structured_data == {"a@1": {"x": "1", "y": "2"}, "b@2": {"z": "3"}}
    assert m.message == ""


def test_all_nil_fields() -> None:
    m = parse("<0>1 - - - - - -")
    assert (m.facility, m.severity, m.timestamp, m.hostname, m.app) == (0, 0, None, None, None)
    assert (m.procid, m.msgid, m.structured_data, m.message) == (None, None, {}, "")


def test_bom_is_stripped_from_msg() -> None:
    m = parse("<13>1 - h a - - - \ufeffhéllo wörld".encode())
    assert m.message == "héllo wörld"


def test_generic_5424_is_other() -> None:
    m = parse(GENERIC_5424)
    assert (m.app, m.procid, m.msgid, m.event) == ("/usr/sbin/cron", "16860", None, "other")
    assert m.message == "(*system*) RELOAD"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-07-06T03:52:49Z", T_0352),
        ("2026-07-06T03:52:49.5Z", T_0352 + 0.5),
        ("2026-07-06T05:52:49.000001+02:00", T_0352 + 1e-6),
        ("2026-07-05T19:22:49-08:30", T_0352),
        ("2024-02-29T00:00:00Z", dt.datetime(2024, 2, 29, tzinfo=dt.UTC).timestamp()),
        ("1970-01-01T00:00:00Z", 0.0),
    ],
)
def test_rfc3339_timestamps(stamp: str, expected: float) -> None:
    assert parse(f"<13>1 {stamp} h a - - -").timestamp == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-07-06T24:00:00Z",
        "2026-07-06T03:60:00Z", "2026-07-06T03:52:60Z", "2026-07-06T03:52:49+24:00",
        "2026-07-06 03:52:49Z", "2026-07-06T03:52:49", "yesterday", "2026-07-06T03:52:49.Z",
    ],
)
def test_bad_rfc3339_timestamps(stamp: str) -> None:
    assert reason_of(f"<13>1 {stamp} h a - - -") == "bad-timestamp"


# -- RFC 3164 ------------------------------------------------------------------------------

def test_junos_3164_commit() -> None:
    m = parse(J3164_COMMIT)
    assert (m.facility, m.severity, m.protocol, m.timestamp) == (23, 5, "rfc3164", T_0352)
    assert (m.hostname, m.app, m.procid, m.msgid) == ("r1", "mgd", "97400", "UI_COMMIT")
    assert m.message == "User 'ops' requested 'commit' operation (comment: x)"
    assert (m.event, m.commit_user, m.commit_command, m.commit_comment) == (
        "commit-started", "ops", "commit", "x",
    )


@pytest.mark.parametrize(
    ("line", "timestamp", "hostname"),
    [
        ("<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352, "r1"),
        ("Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete", T_0352, "r1"),
        ("<189>Jul 6 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352, "r1"),
        ("<189>Jul 06 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352, "r1"),
        ("<189>Jul  6 2026 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352, "r1"),
        ("<189>Jul  6 03:52:49.250 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352 + 0.25, "r1"),
        ("<189>Jul  6 2026 03:52:49.250 r1 mgd[97400]: %INTERACT-5-UI_COMMIT_COMPLETED: "
         "commit complete", T_0352 + 0.25, "r1"),
        ("<189>Jul  6 03:52:49 mgd[97400]: UI_COMMIT_COMPLETED: commit complete", T_0352, None),
        ("<189>2026-07-06T03:52:49Z r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete",
         T_0352, "r1"),
    ],
)
def test_junos_3164_variants(line: str, timestamp: float, hostname: str | None) -> None:
    m = parse(line)
    assert m.timestamp == pytest.approx(timestamp)
    assert (m.hostname, m.app, m.procid) == (hostname, "mgd", "97400")
    assert (m.msgid, m.message, m.event) == ("UI_COMMIT_COMPLETED", "commit complete", "commit")


def test_3164_without_pri_defaults_to_user_notice() -> None:
    m = parse("Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT_COMPLETED: commit complete")
    assert (m.facility, m.severity) == (1, 5)


def test_generic_3164_is_other_and_keeps_severity() -> None:
    m = parse(GENERIC_3164)
    assert (m.facility, m.severity, m.hostname, m.app, m.procid) == (4, 6, "web1", "sshd", "4139")
    assert (m.msgid, m.event) == (None, "other")
    assert m.message == "Failed password for bob from 192.0.2.7"
    crit = parse("<10>Jul  6 03:52:49 r1 chassisd[1509]: CHASSISD_FRU_OFFLINE: PEM 1 offline")
    assert (crit.severity, crit.msgid, crit.event) == (2, "CHASSISD_FRU_OFFLINE", "other")


def test_3164_pri_with_free_text_is_a_message() -> None:
    m = parse("<13>May the force be with you")
    expected = (None, None, None, "May the force be with you")
    assert (m.timestamp, m.hostname, m.app, m.message) == expected
    tagged = parse("<13>su: session opened")
    assert (tagged.app, tagged.message) == ("su", "session opened")


@pytest.mark.parametrize(
    ("now", "line", "expected"),
    [
        (dt.datetime(2027, 1, 1, 0, 5), "Dec 31 23:59:00", dt.datetime(2026, 12, 31, 23, 59)),
        (dt.datetime(2026, 12, 31, 23, 59), "Jan  1 00:01:00", dt.datetime(2027, 1, 1, 0, 1)),
        (dt.datetime(2026, 7, 6), "Jul  5 10:00:00", dt.datetime(2026, 7, 5, 10)),
        (dt.datetime(2025, 3, 1), "Feb 29 12:00:00", dt.datetime(2024, 2, 29, 12)),
    ],
)
def test_3164_year_inferred_from_now(now: dt.datetime, line: str, expected: dt.datetime) -> None:
    utc = dt.UTC
    m = parse_syslog(f"<13>{line} h t: x", now=now.replace(tzinfo=utc).timestamp())
    assert m.timestamp == expected.replace(tzinfo=utc).timestamp()


def test_3164_device_timezone() -> None:
    tz = dt.timezone(dt.timedelta(hours=2))
    m = parse_syslog("<13>Jul  6 05:52:49 h t: x", now=NOW, tz=tz)
    assert m.timestamp == T_0352


def test_3164_default_now_is_the_clock() -> None:
    m = parse_syslog("<13>Jan  1 00:00:00 h t: x")
    assert m.timestamp is not None


# -- classification ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("tag", "text", "event"),
    [
        ("UI_COMMIT_COMPLETED", "commit complete", "commit"),
        ("UI_COMMIT_AT_COMPLETED", "'commit at' operation completed by user 'ops'", "commit"),
        ("UI_COMMIT_NOT_CONFIRMED", "Commit was not confirmed; automatic rollback complete",
         "commit"),
        ("UI_COMMIT_CONFIRMED", "commit confirmed by user 'ops'", "commit"),
        ("UI_COMMIT", "User 'ops' requested 'commit' operation", "commit-started"),
        ("UI_COMMIT", "User 'ops' requested 'commit synchronize' operation", "commit-started"),
        ("UI_COMMIT", "User 'ops' requested 'commit check' operation", "other"),
        ("UI_COMMIT_PROGRESS", "Commit operation in progress: commit wrapup...", "other"),
        ("UI_COMMIT_CONFIRMED_REMINDER", "'commit confirmed' must be confirmed", "other"),
        ("UI_COMMIT_AT", "User 'ops' performed commit at 2026-07-07 01:00", "other"),
        ("UI_CFG_AUDIT_SET", "User 'ops' set: [system host-name] \"r1\"", "other"),
        ("UI_LOAD_EVENT", "User 'ops' is performing a 'rollback 1'", "other"),
    ],
)
def test_junos_tag_classification(tag: str, text: str, event: str) -> None:
    assert parse(f"<189>Jul  6 03:52:49 r1 mgd[1]: {tag}: {text}").event == event
    assert parse(f"<189>1 2026-07-06T03:52:49Z r1 mgd 1 {tag} - {text}").event == event


@pytest.mark.parametrize(
    ("text", "user", "command", "comment"),
    [
        ("User 'ops' requested 'commit' operation (comment: none)", "ops", "commit", None),
        ("User 'ops' requested 'commit' operation (comment: fix (CHG-1) now)", "ops", "commit",
         "fix (CHG-1) now"),
        ("User 'a b' requested 'commit confirmed 5' operation", "a b", "commit confirmed 5",
         None),
        ("something else entirely", None, None, None),
    ],
)
def test_commit_details_from_text(
    text: str, user: str | None, command: str | None, comment: str | None
) -> None:
    m = parse(f"<189>Jul  6 03:52:49 r1 mgd[1]: UI_COMMIT: {text}")
    assert m.event == "commit-started"
    assert (m.commit_user, m.commit_command, m.commit_comment) == (user, command, comment)


def test_is_resync_trigger() -> None:
    started, completed, other = parse(J5424_COMMIT), parse(J5424_COMPLETED), parse(GENERIC_3164)
    assert is_resync_trigger(completed, device_sends_completed=True)
    assert is_resync_trigger(completed, device_sends_completed=False)
    assert is_resync_trigger(started, device_sends_completed=False)
    assert not is_resync_trigger(started, device_sends_completed=True)
    assert not is_resync_trigger(other, device_sends_completed=False)


# -- malformed input -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        ("\n", "empty"),
        (b"<13>1 - h a - - - " + b"x" * 8192, "too-long"),
        ("<13>1 - h a - - - " + "x" * 8192, "too-long"),
        (b"<13>1 - h a - - - a\x00b", "nul-byte"),
        ("<13>1 - h a - - - one\ntwo", "newline"),
        ("<13>1 - h a - - - one\rtwo", "newline"),
        ("<13>1 - h a - - - one\n\n", "newline"),
        (b"<13>1 - h a - - - \xff\xfe", "invalid-utf8"),
        (b"<13>Jul  6 03:52:49 h t: \xc3(", "invalid-utf8"),
        ("hello world", "no-pri"),
        ("<192>1 - - - - - -", "bad-pri"),
        ("<999>x", "bad-pri"),
        ("<1a>x", "bad-pri"),
        ("<>x", "bad-pri"),
        ("<1234>x", "bad-pri"),
        ("<18", "bad-pri"),
        ("<\u0663>x", "bad-pri"),
        ("<13>2 - - - - - -", "bad-version"),
        ("<13>1 2026-07-06T03:52:49Z r1", "truncated"),
        ("<13>1 2026-07-06T03:52:49Z r1 mgd 1 UI_COMMIT", "truncated"),
        ('<13>1 - h a - - [x@1 k="v', "truncated"),
        ("<13>1 - h " + "a" * 49 + " - - -", "bad-header"),
        ("<13>1 - h a - " + "m" * 33 + " -", "bad-header"),
        ("<13>1 - h\u00e9 a - - -", "bad-header"),
        ("<13>1 - h a - - x", "bad-sd"),
        ('<13>1 - h a - - [x@1 k="v"]junk', "bad-sd"),
        ('<13>1 - h a - - [x@1 k=v]', "bad-sd"),
        ('<13>1 - h a - - [x@1 k="v" k2]', "bad-sd"),
        ('<13>1 - h a - - [x@1 k="a"b"]', "bad-sd"),
        ("<13>1 - h a - - -x", "bad-sd"),
        ("<13>Jul  6 03:5", "truncated"),
        ("<13>Jul 32 03:52:49 h t: x", "bad-timestamp"),
        ("<13>Feb 30 03:52:49 h t: x", "bad-timestamp"),
        ("<13>Jul  6 25:52:49 h t: x", "bad-timestamp"),
        ("Jul  6 03:52", "truncated"),
        ("<13>Jul  6 03:52:49", "truncated"),
        ("<13>Jul  6 03:52:49 ", "truncated"),
    ],
)
def test_malformed_input_is_rejected_with_reason(data: str | bytes, reason: str) -> None:
    assert reason_of(data) == reason


def test_size_limit_is_configurable_and_inclusive() -> None:
    line = "<13>1 - h a - - - " + "x" * 100
    assert parse(line, max_size=len(line)).message == "x" * 100
    assert reason_of(line, max_size=len(line) - 1) == "too-long"


def test_single_trailing_newline_is_accepted() -> None:
    assert parse(J3164_COMPLETED + "\r\n").message == "commit complete"
    assert parse((J5424_COMPLETED + "\n").encode()).message == "commit complete"


def test_bad_type_is_a_parse_error() -> None:
    with pytest.raises(SyslogParseError) as info:
        parse_syslog(12345)  # type: ignore[arg-type]
    assert info.value.reason == "bad-type"


def test_pathological_input_is_linear() -> None:
    """Inputs built to make backtracking regexes explode finish (and are rejected)."""
    for body in (
        '[x@1 k="' + "\\" * 4000,
        "[x@1" + ' k="v"' * 1000 + " k",
        '[x@1 k="' + '\\"' * 3000,
        "[" * 8000,
    ):
        reason_of("<13>1 - h a - - " + body)
    assert parse("<13>Jul  6 03:52:49 h t: " + "(comment: " * 700).event == "other"
    m = parse("<13>Jul  6 03:52:49 h t: UI_COMMIT: User 'u' requested 'c' operation"
              + " (comment: x" * 600)
    assert m.commit_comment is None
