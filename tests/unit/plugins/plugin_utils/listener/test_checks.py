from __future__ import annotations

import math
import zlib

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.checks import ConsistencySchedule

T0 = 1_000_000.0


def test_each_device_is_checked_once_per_interval_spread_over_it() -> None:
    sched = ConsistencySchedule(3600.0)
    platforms = {"r%03d" % i: "junos" for i in range(200)}
    assert sched.due(T0, platforms) == []  # first sight: each gets its place in the interval
    seen: dict[str, int] = {}
    per_minute = []
    for minute in range(1, 61):
        now = T0 + minute * 60
        got = sched.due(now, platforms)
        per_minute.append(len(got))
        for name in got:
            seen[name] = seen.get(name, 0) + 1
    assert set(seen) == set(platforms) and set(seen.values()) == {1}  # every device, once
    assert max(per_minute) <= 15  # spread: 200 devices over 60 minutes, never a burst of all


def test_devices_without_commit_metadata_are_checked_less_often_and_busy_ones_skipped() -> None:
    sched = ConsistencySchedule(100.0, full_every=4)
    platforms = {"j1": "junos", "n1": "netconf"}
    sched.due(T0, platforms)
    counts = {"j1": 0, "n1": 0}
    for step in range(1, 801):
        for name in sched.due(T0 + step, platforms, busy={"j1"} if step < 150 else set()):
            counts[name] += 1
    assert counts["n1"] == 2  # every 400 s in 800 s
    offset = (zlib.crc32(b"j1") % 10007) / 10007.0 * 100.0  # where j1's checks fall in the interval
    expected = sum(1 for k in range(10) if 150 <= math.ceil(offset + 100 * k) <= 800)
    assert counts["j1"] == expected  # one per 100 s, except while it was busy (before step 150)


def test_off_and_removed_devices() -> None:
    off = ConsistencySchedule(0.0)
    assert off.due(T0, {"r1": "junos"}) == [] and off.next_due() is None
    sched = ConsistencySchedule(10.0)
    sched.due(T0, {"r1": "junos", "r2": "junos"})
    sched.due(T0 + 1, {"r1": "junos"})
    assert "r2" not in sched.next
