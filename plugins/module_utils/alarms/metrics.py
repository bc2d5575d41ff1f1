# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metrics: the series a site records per device, time ranges, and merging series. Pure, no I/O.

Series (one point ``(time, value)`` per event, times in epoch seconds):

====================  ===================================================================
name                  a point per
====================  ===================================================================
``resync_duration``   finished resync job (good or failed): seconds from start to end
``config_size``       good resync: size of the configuration read, in bytes
``commits_notified``  listener flush with accepted commit notifications of the device:
                      how many were accepted since the previous flush
``jobs_run``          finished resync job: 1 (good) or 0 (failed)
====================  ===================================================================
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Union

__all__ = ["SERIES", "merge_columns", "merge_series", "parse_time", "parse_range", "check_name"]

SERIES = ("resync_duration", "config_size", "commits_notified", "jobs_run")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_RELATIVE = re.compile(r"^(?:now)?\s*([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw]?)$")
Point = tuple[float, float]


def check_name(name: str) -> str:
    if name not in SERIES:
        raise ValueError("unknown metric %r (known: %s)" % (name, ", ".join(SERIES)))
    return name


def parse_time(value: Union[str, int, float, None], now: float) -> float:
    """``now``, ``-1h``/``now-90m``/``+10s``, epoch seconds, or ISO 8601 (UTC if no zone) to epoch seconds."""
    if value is None:
        return now
    if isinstance(value, bool):
        raise ValueError("a time cannot be a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text in ("", "now"):
        return now
    match = _RELATIVE.match(text)
    if match:
        sign = -1.0 if match.group(1) == "-" else 1.0
        return now + sign * float(match.group(2)) * _UNITS[match.group(3) or "s"]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("cannot read time %r: use now, -1h, epoch seconds or ISO 8601" % text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp()


def parse_range(start: Union[str, int, float, None], end: Union[str, int, float, None],
                now: float, default_span: float = 3600.0) -> tuple[float, float]:
    """``(start, end)`` in epoch seconds; ``start`` defaults to ``end - default_span``."""
    stop = parse_time(end, now)
    begin = stop - default_span if start is None else parse_time(start, now)
    if begin > stop:
        raise ValueError("start (%s) is after end (%s)" % (start, end))
    return begin, stop


def merge_series(series: Mapping[str, Sequence[Sequence[float]]], prefer: Iterable[str] = ()) -> list[Point]:
    """One series from several sources: points deduplicated by time, sorted by time.

    Where two sources have a point at the same time, the first source of ``prefer``
    (then of the mapping's order) wins.
    """
    wanted = list(prefer)
    order = [s for s in wanted if s in series] + [s for s in series if s not in set(wanted)]
    merged: dict[float, float] = {}
    for source in reversed(order):  # earlier sources overwrite later ones
        for point in series[source]:
            merged[float(point[0])] = float(point[1])
    return sorted(merged.items())


def merge_columns(series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                  prefer: Iterable[str] = ()) -> list[Point]:
    """``merge_series`` for sources given as ``(times, values)`` columns (the wire form); faster."""
    wanted = list(prefer)
    order = [s for s in wanted if s in series] + [s for s in series if s not in set(wanted)]
    merged: dict[float, float] = {}
    for source in reversed(order):  # earlier sources overwrite later ones
        times, values = series[source]
        merged.update(zip(map(float, times), map(float, values), strict=True))
    return sorted(merged.items())
