"""Tests of RFC 6587 TCP framing (SyslogStreamDecoder)."""

from __future__ import annotations

import random

import pytest
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    SyslogParseError,
    SyslogStreamDecoder,
    parse_syslog,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_framing import (
    FRAME_REJECT_REASONS,
)
from hypothesis import given, settings
from hypothesis import strategies as st

A = b"<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT_COMPLETED [junos@2636.1 ] done"
B = b"<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT: User 'ops' requested 'commit' operation"


def octet(payload: bytes) -> bytes:
    return str(len(payload)).encode() + b" " + payload


def feed_bytewise(dec: SyslogStreamDecoder, data: bytes) -> list[bytes]:
    out: list[bytes] = []
    for i in range(len(data)):
        out += dec.feed(data[i:i + 1])
    return out


def test_octet_counting_frames() -> None:
    dec = SyslogStreamDecoder()
    assert dec.feed(octet(A) + octet(B)) == [A, B]
    assert dec.frames == 2 and dec.buffered == 0 and not dec.rejected


def test_octet_counting_payload_may_contain_newlines_and_spaces() -> None:
    payload = b"<13>1 - h a - - - two\nlines "
    dec = SyslogStreamDecoder()
    assert dec.feed(octet(payload)) == [payload]
    with pytest.raises(SyslogParseError):
        parse_syslog(payload)  # the parser, not the framer, rejects the newline


def test_newline_delimited_frames_and_crlf() -> None:
    dec = SyslogStreamDecoder()
    assert dec.feed(A + b"\n" + B + b"\r\n") == [A, B]
    assert dec.feed(b"\n\n\r\n") == []
    assert dec.frames == 2


def test_mixed_framing_and_byte_by_byte_feeding() -> None:
    stream = octet(A) + B + b"\n" + octet(B) + b"\n" + A + b"\n"
    dec = SyslogStreamDecoder()
    assert feed_bytewise(dec, stream) == [A, B, B, A]
    assert dec.buffered == 0


def test_partial_frame_waits_for_more() -> None:
    dec = SyslogStreamDecoder()
    data = octet(A)
    assert dec.feed(data[:3]) == []
    assert dec.feed(data[3:40]) == []
    assert dec.buffered == 40
    assert dec.feed(data[40:]) == [A]


def test_oversized_octet_frame_is_skipped_exactly() -> None:
    dec = SyslogStreamDecoder(max_frame=100)
    big = b"<13>1 - h a - - - " + b"x" * 500
    out = feed_bytewise(dec, octet(A[:90]) + octet(big) + octet(B[:80]))
    assert out == [A[:90], B[:80]]
    assert dec.rejected == {"frame-too-long": 1}
    assert dec.buffered == 0


def test_oversized_line_is_dropped_up_to_next_newline() -> None:
    dec = SyslogStreamDecoder(max_frame=100)
    stream = b"<13>" + b"y" * 5000 + b"\n" + B[:80] + b"\n"
    out = []
    for i in range(0, len(stream), 7):
        out += dec.feed(stream[i:i + 7])
        assert dec.buffered <= 100 + 2 + 7
    assert out == [B[:80]]
    assert dec.rejected == {"frame-too-long": 1}


def test_line_exactly_at_limit_is_kept() -> None:
    dec = SyslogStreamDecoder(max_frame=10)
    assert dec.feed(b"<13>abcdef\r\n<13>abcdefg\n<1>x\n") == [b"<13>abcdef", b"<1>x"]
    assert dec.rejected == {"frame-too-long": 1}


@pytest.mark.parametrize(
    "garbage",
    [b"12abc def\n", b"1234567890123 x\n", b"99999999999999999999\n"],
)
def test_bad_frame_length_resyncs_at_next_newline(garbage: bytes) -> None:
    dec = SyslogStreamDecoder()
    assert dec.feed(garbage + B + b"\n") == [B]
    assert dec.rejected == {"bad-frame-length": 1}


def test_close_returns_unterminated_line_and_counts_cut_frames() -> None:
    dec = SyslogStreamDecoder()
    assert dec.feed(B) == []
    assert dec.close() == [B]
    assert dec.feed(octet(A)[:20]) == []
    assert dec.close() == []
    assert dec.rejected == {"truncated-frame": 1}
    assert dec.buffered == 0


def test_close_drops_the_tail_of_an_oversized_frame() -> None:
    dec = SyslogStreamDecoder(max_frame=10)
    dec.feed(b"50 " + b"z" * 20)
    assert dec.close() == [] and dec.rejected == {"frame-too-long": 1}
    dec.feed(b"<13>" + b"w" * 30)
    assert dec.close() == [] and dec.rejected == {"frame-too-long": 2}


def test_invalid_max_frame() -> None:
    with pytest.raises(ValueError):
        SyslogStreamDecoder(max_frame=0)


LINE_PAYLOAD = st.binary(max_size=120).map(lambda b: b"<13>" + b.replace(b"\n", b"").rstrip(b"\r"))
ANY_PAYLOAD = st.binary(min_size=1, max_size=120)


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(st.one_of(
        st.tuples(st.just("octet"), ANY_PAYLOAD), st.tuples(st.just("line"), LINE_PAYLOAD)
    ), max_size=20),
    seed=st.integers(0, 2**32),
)
def test_any_chunking_yields_the_same_frames(
    frames: list[tuple[str, bytes]], seed: int
) -> None:
    stream = b"".join(octet(p) if kind == "octet" else p + b"\n" for kind, p in frames)
    rng = random.Random(seed)
    dec = SyslogStreamDecoder(max_frame=200)
    out: list[bytes] = []
    pos = 0
    while pos < len(stream):
        step = rng.randint(1, 64)
        out += dec.feed(stream[pos:pos + step])
        pos += step
    assert out == [p for _frame, p in frames]
    assert not dec.rejected and dec.buffered == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=30))
def test_random_stream_never_raises_and_stays_bounded(chunks: list[bytes]) -> None:
    dec = SyslogStreamDecoder(max_frame=64)
    for chunk in chunks:
        for frame in dec.feed(chunk):
            assert len(frame) <= 64
        assert dec.buffered <= 64 + 12
    dec.close()
    assert set(dec.rejected) <= set(FRAME_REJECT_REASONS)
