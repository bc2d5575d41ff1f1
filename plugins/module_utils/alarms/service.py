# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's alarm service: signals become alarm changes (:mod:`.rules`) written to the store's alarms role.

``apply_signals`` plans raise/repeat/clear against the active alarms and writes
the changes in one transaction; ``evaluate_alarms`` raises and clears what the
devices' state implies (the child server runs it before answering the queue);
``record_resync`` and ``record_listener`` are the hooks of a finished resync and
of a listener flush (alarms and metric points in one transaction).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import (
    TYPES,
    AlarmConfig,
    Signal,
    clip,
    device_signals,
    expired_signals,
    plan,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import AlarmStore, DeviceStore, MetricStore

STATE_TYPES = ("sync_failed", "connection_down", "out_of_sync")


def apply_signals(alarms: AlarmStore, signals: Iterable[Signal]) -> int:
    """Apply signals (raise, repeat, clear); returns the number of changes (sequence numbers used)."""
    sigs = list(signals)
    if not sigs:
        return 0
    with alarms.transaction():
        changes = plan(alarms.active_by_key(sorted({s.key for s in sigs})), sigs)
        rows: list[tuple[str, tuple[Any, ...]]] = []
        for change in changes:
            sig = change.signal
            if change.action == "raise":
                rows.append(("raise", (change.key, sig.type, sig.device, sig.subject, sig.severity or TYPES[sig.type],
                                       clip(sig.message), sig.raised_at if sig.raised_at is not None else sig.at,
                                       change.at, change.count)))
            elif change.action == "repeat":
                rows.append(("repeat", (change.alarm_id, change.count, clip(sig.message), change.at)))
            else:
                rows.append(("clear", (change.alarm_id, change.at)))
        return alarms.write(rows)


def evaluate_alarms(alarms: AlarmStore, devices: DeviceStore, cfg: AlarmConfig, now: Optional[float] = None) -> int:
    """Raise and clear what the devices' state implies (Out of Sync too long, ...); expire event alarms."""
    now = alarms.clock() if now is None else now
    # only what can change: active state alarms, and event alarms old enough to expire
    active = alarms.to_evaluate(STATE_TYPES, now - cfg.event_ttl)
    by_device: dict[str, dict[str, dict[str, Any]]] = {}
    for row in active:
        by_device.setdefault(row["device"], {})["%s|%s|%s" % (row["type"], row["device"], row["subject"])] = row
    signals = expired_signals(active, now, cfg)
    names = set()
    for row in devices.states():
        names.add(row["name"])
        signals += device_signals(row, by_device.get(row["name"], {}), now, cfg)
    for row in active:  # state alarms of devices no longer in the store
        if row["type"] in STATE_TYPES and row["device"] not in names:
            signals.append(Signal(row["type"], row["device"], False, now, "device removed from the store"))
    return apply_signals(alarms, signals)


def record_resync(alarms: AlarmStore, metrics: MetricStore, name: str, ok: bool, started: float, message: str = "",
                  down: bool = False, size: Optional[int] = None) -> None:
    """Hook of a finished resync: Sync Failed / connection down alarms and the device's metrics."""
    now = alarms.clock()
    if ok:
        signals = [Signal("sync_failed", name, False, now, "resync succeeded"),
                   Signal("connection_down", name, False, now, "resync succeeded")]
    else:
        signals = [Signal("sync_failed", name, True, now, message or "resync failed")]
        if down:
            signals.append(Signal("connection_down", name, True, now, message or "device unreachable"))
    points = [("resync_duration", name, now, max(now - started, 0.0)), ("jobs_run", name, now, 1.0 if ok else 0.0)]
    if size is not None:
        points.append(("config_size", name, now, float(size)))
    with alarms.transaction():
        apply_signals(alarms, signals)
        metrics.record(points)


def record_listener(alarms: AlarmStore, metrics: MetricStore, signals: Iterable[Signal],
                    commits: Mapping[str, int]) -> None:
    """Hook of a listener flush: its alarm signals and a ``commits_notified`` point per device."""
    now = alarms.clock()
    with alarms.transaction():
        apply_signals(alarms, signals)
        metrics.record([("commits_notified", d, now, float(n)) for d, n in commits.items()])
