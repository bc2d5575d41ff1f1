"""Property and robustness tests of the syslog parser (random, mutated, generated input)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    REJECT_REASONS,
    SyslogParseError,
    parse_syslog,
)

NOW = dt.datetime(2026, 7, 6, 12, 0, tzinfo=dt.UTC).timestamp()
EXAMPLES = [
    "<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT "
    '[junos@2636.1.1.1.2.129 username="ops" command="commit" message="CHG-1 (x)"] '
    "User 'ops' requested 'commit' operation (comment: CHG-1 (x))",
    "<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT_COMPLETED "
    "[junos@2636.1.1.1.2.129 ] commit complete",
    "<182>1 2026-07-06T03:52:49.931+02:00 vsrx-ci mgd 97400 UI_CFG_AUDIT_SET "
    '[junos@2636.1.1.1.2.129 username="netconf" pathname="[system login message\\]" '
    'delimiter="\\""][meta@1 a="b"] \ufeffUser \'netconf\' set: [system login message]',
    "<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT: "
    "User 'ops' requested 'commit' operation (comment: x)",
    "<189>Jul  6 2026 03:52:49.123 r1 mgd[97400]: %INTERACT-5-UI_COMMIT_COMPLETED: commit complete",
    "<78>1 2026-07-06T03:51:00.003Z vsrx-ci /usr/sbin/cron 16860 - - (*system*) RELOAD",
    "<38>Jul 16 03:50:42 web1 sshd[4139]: Failed password for bob from 192.0.2.7",
]


def parse(line: str | bytes) -> None:
    parse_syslog(line, now=NOW)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_parse_errors(data: bytes) -> None:
    try:
        parse(data)
    except SyslogParseError as exc:
        assert exc.reason in REJECT_REASONS and exc.reason != "internal-error"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.text(max_size=60), st.integers(0, 400))
def test_spliced_text_only_raises_parse_errors(base: str, junk: str, at: int) -> None:
    try:
        parse(base[:at] + junk + base[at:])
    except SyslogParseError as exc:
        assert exc.reason in REJECT_REASONS and exc.reason != "internal-error"


PRINTUSASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
SD_NAME = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='="]'),
    min_size=1, max_size=32,
)
FREE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"))
SD_VALUE = (
    FREE_TEXT.filter(lambda s: len(s) < 60)
    | st.text(st.sampled_from('a"\\]= [\u00e9'), max_size=12)
)
OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)


def _field(max_size: int) -> st.SearchStrategy[str]:
    return st.text(PRINTUSASCII, min_size=1, max_size=max_size)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


@settings(max_examples=300, deadline=None)
@given(
    pri=st.integers(0, 191),
    stamp=st.none() | st.tuples(
        st.datetimes(dt.datetime(1900, 1, 2), dt.datetime(9000, 1, 1)), OFFSETS
    ),
    header=st.tuples(_field(255), _field(48), _field(128), _field(32)),
    sd=st.dictionaries(SD_NAME, st.dictionaries(SD_NAME, SD_VALUE, max_size=3), max_size=3),
    message=FREE_TEXT.filter(lambda s: not s.startswith("\ufeff")),
    bom=st.booleans(),
)
def test_generated_rfc5424_round_trips(
    pri: int, stamp: tuple[dt.datetime, dt.tzinfo] | None, header: tuple[str, str, str, str],
    sd: dict[str, dict[str, str]], message: str, bom: bool,
) -> None:
    ts = "-" if stamp is None else stamp[0].replace(tzinfo=stamp[1]).isoformat()
    sd_text = "".join(
        f"[{sd_id}" + "".join(f' {k}="{_escape(v)}"' for k, v in params.items()) + "]"
        for sd_id, params in sd.items()
    ) or "-"
    line = f"<{pri}>1 {ts} {' '.join(header)} {sd_text}"
    if message or bom:
        line += " " + ("\ufeff" if bom else "") + message
    m = parse_syslog(line.encode(), max_size=1 << 20)
    assert (m.facility, m.severity, m.protocol) == (pri >> 3, pri & 7, "rfc5424")
    if stamp is None:
        assert m.timestamp is None
    else:
        expected = stamp[0].replace(tzinfo=stamp[1]).timestamp()
        assert m.timestamp == pytest.approx(expected, abs=1e-5)
    nil = [None if f == "-" else f for f in header]
    assert [m.hostname, m.app, m.procid, m.msgid] == nil
    assert m.structured_data == sd
    assert m.message == message


# -- robustness ----------------------------------------------------------------------------

def _mutate(rng: random.Random, line: bytes) -> bytes:
    choice = rng.randrange(7)
    if choice == 0:
        return line[: rng.randrange(len(line) + 1)]
    if choice == 1:
        buf = bytearray(line)
        for _step in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if choice == 2:
        at = rng.randrange(len(line) + 1)
        return line[:at] + rng.choice([b"[", b"]", b'"', b"\\", b"=", b" ", b"<", b">"]) + line[at:]
    if choice == 3:
        at = rng.randrange(len(line))
        return line[:at] + line[at + 1:]
    if choice == 4:
        return rng.randbytes(rng.randrange(200))
    if choice == 5:
        at = rng.randrange(len(line) + 1)
        return line[:at] + rng.choice([b"\n", b"\x00", b"\r", b"\xff"]) + line[at:]
    return line


def test_hundred_thousand_mutated_lines_are_parsed_or_counted() -> None:
    rng = random.Random(20260706)
    seeds = [e.encode() for e in EXAMPLES]
    parsed = 0
    rejected: Counter[str] = Counter()
    events: Counter[str] = Counter()
    total = 100_000
    for _line in range(total):
        line = _mutate(rng, rng.choice(seeds))
        try:
            msg = parse_syslog(line, now=NOW)
        except SyslogParseError as exc:
            rejected[exc.reason] += 1
        else:
            parsed += 1
            events[msg.event] += 1
    assert parsed + sum(rejected.values()) == total
    assert "internal-error" not in rejected
    assert set(rejected) <= set(REJECT_REASONS)
    assert parsed > total // 4 and sum(rejected.values()) > total // 10
    assert {"truncated", "bad-sd", "invalid-utf8", "nul-byte", "newline"} <= set(rejected)
    assert {"commit", "commit-started", "other"} <= set(events)
