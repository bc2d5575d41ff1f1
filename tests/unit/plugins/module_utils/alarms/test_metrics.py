"""Metrics helpers (pure): time parsing, ranges, merging series."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.alarms.metrics import (
    check_name,
    merge_columns,
    merge_series,
    parse_range,
    parse_time,
)

NOW = 1_800_000_000.0


@pytest.mark.parametrize("text,expected", [
    ("now", NOW), (None, NOW), ("", NOW), ("-1h", NOW - 3600), ("now-90m", NOW - 5400), ("+10s", NOW + 10),
    ("-2d", NOW - 172800), ("-1w", NOW - 604800), ("-30", NOW - 30), (1234.5, 1234.5), ("1234.5", 1234.5),
    ("2027-01-15T08:00:00Z", 1800000000.0), ("2027-01-15T09:00:00+01:00", 1800000000.0),
    ("2027-01-15T08:00:00", 1800000000.0),
])
def test_parse_time(text: object, expected: float) -> None:
    assert parse_time(text, NOW) == pytest.approx(expected)  # type: ignore[arg-type]


def test_parse_time_rejects() -> None:
    for bad in ("yesterday", "-1y", True):
        with pytest.raises(ValueError):
            parse_time(bad, NOW)  # type: ignore[arg-type]


def test_parse_range() -> None:
    assert parse_range("-1h", "now", NOW) == (NOW - 3600, NOW)
    assert parse_range(None, "-1h", NOW, default_span=60) == (NOW - 3660, NOW - 3600)
    with pytest.raises(ValueError):
        parse_range("now", "-1h", NOW)


def test_check_name() -> None:
    assert check_name("resync_duration") == "resync_duration"
    with pytest.raises(ValueError, match="unknown metric"):
        check_name("cpu")


def test_merge_dedups_by_time_with_preference() -> None:
    series = {"east": [[1, 10], [2, 20], [4, 40]], "west": [[2, 99], [3, 30]]}
    assert merge_series(series) == [(1.0, 10.0), (2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]
    assert merge_series(series, prefer=["west"]) == [(1.0, 10.0), (2.0, 99.0), (3.0, 30.0), (4.0, 40.0)]
    assert merge_series({}) == [] and merge_series({"a": []}) == []
    assert merge_series(series, prefer=iter(["west"]))[1] == (2.0, 99.0)
    columns = {"east": ([1, 2, 4], [10, 20, 40]), "west": ([2, 3], [99, 30])}
    assert merge_columns(columns) == merge_series(series)
    assert merge_columns(columns, prefer=iter(["west"])) == merge_series(series, prefer=["west"])
