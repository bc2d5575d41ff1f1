# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the listener runs the consistency check of each device (pure, clock given).

Notifications get lost (UDP). Every ``interval`` seconds each device gets one check
(``netsync.fleet.resync only_if_changed``): Junos compares its last commit's metadata, a
cheap RPC; devices without commit metadata are read in full and compared by hash, so they are
checked ``full_every`` times less often. The checks are spread over the interval by a hash of
the device name, so 1,000 devices never all run at once; a device with a job pending or
running is skipped until its next turn. 0 turns the checks off.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Optional

METADATA_PLATFORMS = frozenset(("junos",))


class ConsistencySchedule:
    def __init__(self, interval: float, full_every: int = 4) -> None:
        if interval < 0 or full_every < 1:
            raise ValueError("consistency_interval must be 0 (off) or a positive number of seconds")
        self.interval = float(interval)
        self.full_every = full_every
        self.next: dict[str, float] = {}
        self.origin: Optional[float] = None

    def period(self, platform: str) -> float:
        return self.interval * (1 if platform in METADATA_PLATFORMS else self.full_every)

    def _first(self, name: str, platform: str, now: float) -> float:
        if self.origin is None:
            self.origin = now
        period = self.period(platform)
        offset = (zlib.crc32(name.encode("utf-8")) % 10007) / 10007.0 * period
        due = self.origin + offset
        return due if due > now else due + period * (int((now - due) // period) + 1)

    def due(self, now: float, platforms: Mapping[str, str], busy: Iterable[str] = ()) -> list[str]:
        """The devices whose check is due at ``now`` (sorted); their next check is one period later."""
        if self.interval <= 0:
            return []
        for name in [n for n in self.next if n not in platforms]:
            del self.next[name]  # removed from the store
        skip = set(busy)
        out: list[str] = []
        for name, platform in platforms.items():
            due = self.next.get(name)
            if due is None:
                self.next[name] = self._first(name, platform, now)
                continue
            if due <= now:
                period = self.period(platform)
                self.next[name] = due + period * (int((now - due) // period) + 1)
                if name not in skip:
                    out.append(name)
        return sorted(out)

    def next_due(self) -> Optional[float]:
        return min(self.next.values(), default=None) if self.interval > 0 else None
