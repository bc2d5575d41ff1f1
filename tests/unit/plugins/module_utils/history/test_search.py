"""Search over a real SQLite store (the same tests run on PostgreSQL from
tests/system/plugins/module_utils/history/test_search_postgresql.py)."""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from ansible_collections.netsync.fleet.plugins.module_utils.history.search import (
    SearchError, SearchQuery, compile_query, parse_time, scan_text, search,
)

R1_V1 = ("system host-name r1\n"
         "system root-authentication encrypted-password \"$6$hunter2$abc\"\n"
         "interfaces interface ge-0/0/0 description \"to r2\"\n"
         "interfaces interface ge-0/0/0 unit 0 family inet address 10.0.12.1/30\n"
         "snmp community public authorization read-only\n")
R1_V2 = R1_V1 + "interfaces interface ge-0/0/1 disable\n"
R2_V1 = ("system host-name r2\n"
         "interfaces interface ge-0/0/0 description \"to r1\"\n"
         "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 authentication md5 1 key \"$9$hunter2\"\n"
         "interfaces interface ge-0/0/0 unit 0 family inet address 10.0.12.2/30\n")


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    return str(tmp_path / "fleet.db")


def _clock() -> Callable[[], float]:
    now = [1000.0]

    def tick() -> float:
        now[0] += 100.0
        return now[0]
    return tick


@pytest.fixture
def filled(store_url: str) -> Any:
    """r1 with two versions (taken at 1400 and 1600), r2 with one (1500), r3 without a snapshot."""
    s = st.open_store(store_url, clock=_clock())
    for name in ("r1", "r2", "r3"):
        s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
    s.devices.add_snapshot("r1", "junos-xml", "<c/>", R1_V1, sha256_text(R1_V1))  # 1400 (the upserts took 3 ticks)
    s.devices.add_snapshot("r2", "junos-xml", "<c/>", R2_V1, sha256_text(R2_V1))
    s.devices.add_snapshot("r1", "junos-xml", "<c/>", R1_V2, sha256_text(R1_V2))
    yield s
    s.close()


def _run(s: st.Store, pattern: str, **kw: Any) -> list[tuple[str, int, int, str]]:
    result = search(s.snapshot_feed, s.mask_key(), SearchQuery(pattern=pattern, **kw))
    return [(m["device"], m["version"], m["line_number"], m["line"]) for m in result["matches"]]


def test_substring_over_latest_snapshots(filled: st.Store) -> None:
    assert _run(filled, "ge-0/0/0 description") == [
        ("r1", 2, 3, 'interfaces interface ge-0/0/0 description "to r2"'),
        ("r2", 1, 2, 'interfaces interface ge-0/0/0 description "to r1"')]
    assert _run(filled, "disable") == [("r1", 2, 6, "interfaces interface ge-0/0/1 disable")]
    assert _run(filled, "no such text") == []


def test_regex_line_semantics_and_anchors(filled: st.Store) -> None:
    assert _run(filled, r"^system host-name r\d$", regex=True) == [
        ("r1", 2, 1, "system host-name r1"), ("r2", 1, 1, "system host-name r2")]
    # \s never joins two lines: "r1" ends line 1, "system" starts line 2
    assert _run(filled, r"r1\s+system", regex=True) == []
    assert _run(filled, r"address 10\.0\.12\.(\d+)/30$", regex=True, devices=["r2"]) == [
        ("r2", 1, 4, "interfaces interface ge-0/0/0 unit 0 family inet address 10.0.12.2/30")]
    # look-arounds and \A: tested line by line
    assert _run(filled, r"\Ainterfaces interface ge-0/0/1(?! unit)", regex=True) == [
        ("r1", 2, 6, "interfaces interface ge-0/0/1 disable")]


def test_ignore_case(filled: st.Store) -> None:
    assert _run(filled, "HOST-NAME R2", ignore_case=True) == [("r2", 1, 1, "system host-name r2")]
    assert _run(filled, "HOST-NAME R2") == []


def test_secret_never_matches_or_prints_in_clear(filled: st.Store) -> None:
    key = filled.mask_key()
    assert _run(filled, "hunter2") == []
    assert _run(filled, "hunter2", regex=True, ignore_case=True) == []
    assert _run(filled, "public") == []  # the SNMP community is a secret
    found = _run(filled, "encrypted-password")
    assert found == [("r1", 2, 2, "system root-authentication encrypted-password %s" % marker("$6$hunter2$abc", key))]
    assert "hunter2" not in found[0][3]
    # a search for a marker: exact, on masked texts
    ospf = _run(filled, marker("$9$hunter2", key))
    assert ospf == [("r2", 1, 3, "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 authentication md5 1 key %s"
                     % marker("$9$hunter2", key))]
    assert [(d, n) for d, _v, n, _l in _run(filled, "<secret:")] == [("r1", 2), ("r1", 5), ("r2", 3)]
    assert [(d, n) for d, _v, n, _l in _run(filled, r"key <secret:[0-9a-f]{12}>$", regex=True)] == [("r2", 3)]


def test_time_range_searches_every_version(filled: st.Store) -> None:
    assert [(d, v) for d, v, _n, _l in _run(filled, "host-name", all_versions=True)] == [("r1", 1), ("r1", 2),
                                                                                      ("r2", 1)]
    # r1 v1 was taken at 1400, r2 v1 at 1500, r1 v2 at 1600
    taken = {(r["device"], int(r["version"])): r["taken_at"] for r in filled.db.query(
        "SELECT device, version, taken_at FROM snapshots")}
    assert taken == {("r1", 1): 1400.0, ("r2", 1): 1500.0, ("r1", 2): 1600.0}
    assert [(d, v) for d, v, _n, _l in _run(filled, "host-name", since=1450, until=1550)] == [("r2", 1)]
    assert [(d, v) for d, v, _n, _l in _run(filled, "host-name", since=1500)] == [("r1", 2), ("r2", 1)]
    assert [(d, v) for d, v, _n, _l in _run(filled, "host-name", until=1400)] == [("r1", 1)]
    with pytest.raises(SearchError, match="since .* is after until"):
        _run(filled, "x", since=2000, until=1000)


def test_max_results_and_truncation(filled: st.Store) -> None:
    result = search(filled.snapshot_feed, filled.mask_key(), SearchQuery(pattern="interfaces", max_results=2))
    assert [(m["device"], m["line_number"]) for m in result["matches"]] == [("r1", 3), ("r1", 4)]
    assert result["truncated"] is True
    result = search(filled.snapshot_feed, filled.mask_key(), SearchQuery(pattern="interfaces", max_results=5))
    assert len(result["matches"]) == 5 and result["truncated"] is False


def test_substring_is_filtered_in_the_database_on_postgresql(filled: st.Store) -> None:
    result = search(filled.snapshot_feed, filled.mask_key(), SearchQuery(pattern="ospf"))
    # PostgreSQL: only r2's text left the database; SQLite reads both (its instr is slower than Python)
    assert result["texts_searched"] == (1 if filled.backend == "postgresql" else 2)
    assert [m["device"] for m in result["matches"]] == ["r2"]
    result = search(filled.snapshot_feed, filled.mask_key(), SearchQuery(pattern="ospf", regex=True))
    assert result["texts_searched"] == 2


def test_bad_regex_is_a_clear_error() -> None:
    with pytest.raises(SearchError, match=re.escape("pattern 'ge-(0' is not a valid regular expression: "
                                                    "missing ), unterminated subpattern at position 3")):
        compile_query(SearchQuery(pattern="ge-(0", regex=True))
    compile_query(SearchQuery(pattern="ge-(0"))  # a substring: any text is fine
    with pytest.raises(SearchError, match="pattern must not be empty"):
        compile_query(SearchQuery(pattern=""))


def test_latest_pages_across_many_devices(store_url: str) -> None:
    with st.open_store(store_url) as s:
        for i in range(450):  # more than two pages of the feed
            name = "d%03d" % i
            s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
            for text in ("a line\n", "a line\nmarker %s\n" % name):
                s.devices.add_snapshot(name, "junos-xml", "<c/>", text, sha256_text(text))
        found = _run(s, "marker")
        assert [d for d, _v, _n, _l in found] == ["d%03d" % i for i in range(450)]
        assert {(v, n) for _d, v, n, _l in found} == {(2, 2)}
        assert len(_run(s, "a line", all_versions=True)) == 900


def test_scan_text_line_numbers_edge_cases() -> None:
    matcher = compile_query(SearchQuery(pattern=r"x$|^y", regex=True))
    text = "ax\n\ny\nz\nyx"  # no final newline
    assert list(scan_text(text, matcher, b"k")) == [(1, "ax"), (3, "y"), (5, "yx")]


def test_parse_time() -> None:
    assert parse_time("2026-11-30T10:00:00Z", "since") == 1796032800.0
    assert parse_time("2026-11-30T10:00:00", "since") == 1796032800.0
    assert parse_time("2026-11-30T11:00:00+01:00", "since") == 1796032800.0
    assert parse_time(12, "since") == 12.0 and parse_time("12.5", "until") == 12.5 and parse_time(None, "x") is None
    with pytest.raises(SearchError, match="until must be epoch seconds or an ISO 8601 time"):
        parse_time("yesterday", "until")


def test_leading_anchor_only_narrows_the_line_test() -> None:
    anchored = compile_query(SearchQuery(pattern="^ab", regex=True))
    assert anchored.scan.pattern == "ab"  # the scan drops the anchor, the line test keeps it
    assert list(scan_text("xab\nab\n", anchored, b"k")) == [(2, "ab")]
