# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alarm service's rules: pure functions, clock passed in, no I/O.

A site raises and clears alarms from *signals*. A signal says that a condition
holds (``active=True``: raise, or count a repeat) or no longer holds
(``active=False``: clear) for one alarm key: type, device and subject. At most
one alarm per key is active; a repeat while active bumps its ``count``.

Types and where their signals come from:

========================  ========  ==============================================================
type                      severity  raised by / cleared by
========================  ========  ==============================================================
``sync_failed``           major     a failed resync / the next good resync (a read after the raise)
``connection_down``       critical  a resync that could not reach the device / a good resync
``out_of_sync``           minor     a device ``Out of Sync`` longer than ``out_of_sync_after``
                                    (evaluated lazily by the child server) / in sync or failed
``unknown_source``        warning   a notification from a source that is no device (listener) /
                                    ``event_ttl`` seconds without a repeat
``device_syslog``         from msg  device syslog at severity ``err`` or worse (listener; subject:
                                    the message tag) / ``event_ttl`` seconds without a repeat
========================  ========  ==============================================================

``plan(active, signals)`` turns signals into changes; the store applies them
and gives every change a sequence number (the alarm queue).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["ERROR_PRIS", "SEVERITIES", "TYPES", "AlarmConfig", "Change", "Signal", "SignalBuffer", "alarm_key",
           "device_signals", "expired_signals", "plan", "severity_rank", "syslog_severity", "syslog_signal"]

SEVERITIES = ("critical", "major", "minor", "warning", "info")
TYPES: dict[str, str] = {
    "sync_failed": "major",
    "connection_down": "critical",
    "out_of_sync": "minor",
    "unknown_source": "warning",
    "device_syslog": "major",
}
EVENT_TYPES = ("unknown_source", "device_syslog")  # cleared by time, not by a condition
MESSAGE_MAX = 500
ERROR_PRIS = frozenset(b"<%d>" % pri for pri in range(192) if pri & 7 <= 3)
"""Syslog PRI prefixes of severity ``err`` or worse: ``data[:data.find(b">", 1, 5) + 1] in ERROR_PRIS``
is the listener's cheap check (one ``find``, one slice, one set lookup)."""


def severity_rank(name: str) -> int:
    """0 for ``critical`` … 4 for ``info``; ValueError for an unknown name."""
    try:
        return SEVERITIES.index(name)
    except ValueError:
        raise ValueError("unknown severity %r (known: %s)" % (name, ", ".join(SEVERITIES))) from None


def syslog_severity(level: int) -> str:
    """Alarm severity of a syslog severity (0 emerg … 7 debug): emerg/alert/crit critical, err major."""
    if level <= 2:
        return "critical"
    if level == 3:
        return "major"
    return "warning" if level == 4 else "info"


def alarm_key(type_: str, device: str, subject: str = "") -> str:
    return "%s|%s|%s" % (type_, device, subject)


@dataclass(frozen=True)
class AlarmConfig:
    """Child-side thresholds (seconds)."""

    out_of_sync_after: float = 600.0
    event_ttl: float = 3600.0
    evaluate_every: float = 1.0


@dataclass(frozen=True)
class Signal:
    """A condition for one alarm key, at ``at``."""

    type: str
    device: str
    active: bool
    at: float
    message: str = ""
    subject: str = ""
    severity: Optional[str] = None
    raised_at: Optional[float] = None  # when the condition began, if earlier than ``at``
    times: int = 1  # occurrences this signal stands for (a buffer merges repeats)

    @property
    def key(self) -> str:
        return alarm_key(self.type, self.device, self.subject)


@dataclass(frozen=True)
class Change:
    """``raise`` (a new alarm), ``repeat`` (count and message of an active one) or ``clear``."""

    action: str
    key: str
    at: float
    signal: Signal
    alarm_id: Optional[int] = None
    count: int = 1


def plan(active: Mapping[str, Mapping[str, Any]], signals: Iterable[Signal]) -> list[Change]:
    """Changes that ``signals`` make to the ``active`` alarms (``{key: row with id, count}``).

    Signals of one key are applied in order; several repeats of one active alarm
    become one ``repeat`` change carrying the total count.
    """
    state: dict[str, Optional[dict[str, Any]]] = {k: dict(v) for k, v in active.items()}
    out: list[Change] = []
    pending: dict[str, int] = {}  # key -> index in out of its last raise/repeat change
    for sig in signals:
        if sig.type not in TYPES:
            raise ValueError("unknown alarm type %r" % sig.type)
        key = sig.key
        cur = state.get(key)
        if sig.active:
            if cur is None:
                out.append(Change("raise", key, sig.at, sig, None, sig.times))
                state[key] = {"id": None, "count": sig.times}
                pending[key] = len(out) - 1
                continue
            count = int(cur.get("count") or 1) + sig.times
            cur["count"] = count
            idx = pending.get(key)
            if idx is not None:  # merge into the raise/repeat already planned
                prev = out[idx]
                out[idx] = Change(prev.action, key, sig.at, sig if prev.action == "repeat" else prev.signal,
                                  prev.alarm_id, count)
            else:
                out.append(Change("repeat", key, sig.at, sig, cur.get("id"), count))
                pending[key] = len(out) - 1
        elif cur is not None:
            out.append(Change("clear", key, sig.at, sig, cur.get("id")))
            state[key] = None
            pending.pop(key, None)
    return out


def device_signals(row: Mapping[str, Any], active: Mapping[str, Mapping[str, Any]], now: float,
                   cfg: AlarmConfig) -> list[Signal]:
    """Signals a device row implies: Sync Failed, connection down, Out of Sync too long.

    ``active``: the device's active alarms by key. Raises only what is not active,
    clears only what is: a no-op on a device whose alarms already match its state.
    ``sync_failed`` clears only after a read newer than its raise (a good resync).
    """
    name = str(row["name"])
    status, conn = row.get("managed_status"), row.get("connection_state")
    changed = float(row.get("status_changed_at") or now)
    synced = row.get("last_synced")
    out: list[Signal] = []
    key = alarm_key("sync_failed", name)
    if status == "Sync Failed" and key not in active:
        out.append(Signal("sync_failed", name, True, now, str(row.get("status_reason") or "Sync Failed"),
                          raised_at=changed))
    elif key in active and synced is not None and float(synced) > float(active[key]["raised_at"]):
        out.append(Signal("sync_failed", name, False, now, "a later resync read the configuration"))
    key = alarm_key("connection_down", name)
    if conn == "down" and key not in active:
        out.append(Signal("connection_down", name, True, now, str(row.get("status_reason") or "connection down"),
                          raised_at=changed))
    elif conn == "up" and key in active:
        out.append(Signal("connection_down", name, False, now, "connection up"))
    key = alarm_key("out_of_sync", name)
    if status == "Out of Sync" and now - changed >= cfg.out_of_sync_after and key not in active:
        out.append(Signal("out_of_sync", name, True, now, "Out of Sync for more than %.0f s"
                          % cfg.out_of_sync_after, raised_at=changed + cfg.out_of_sync_after))
    elif key in active and status in ("In Sync", "Sync Failed"):
        out.append(Signal("out_of_sync", name, False, now, "device is %s" % status))
    return out


def expired_signals(active: Iterable[Mapping[str, Any]], now: float, cfg: AlarmConfig) -> list[Signal]:
    """Clears for event alarms (unknown source, device syslog) without a repeat for ``event_ttl``."""
    out = []
    for row in active:
        if row["type"] in EVENT_TYPES and now - float(row["updated_at"]) >= cfg.event_ttl:
            out.append(Signal(row["type"], row["device"], False, now, "no repeat for %.0f s" % cfg.event_ttl,
                              subject=row.get("subject") or ""))
    return out


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_MAX else text[:MESSAGE_MAX - 1] + "…"


class SignalBuffer:
    """Signals waiting for the next store write; repeats of a key merge into one signal."""

    def __init__(self) -> None:
        self._by_key: dict[str, Signal] = {}
        self._earlier: list[Signal] = []

    def __len__(self) -> int:
        return len(self._by_key) + len(self._earlier)

    def add(self, sig: Signal) -> None:
        prev = self._by_key.get(sig.key)
        if prev is not None and prev.active and sig.active:
            sig = Signal(sig.type, sig.device, True, sig.at, sig.message, sig.subject, sig.severity,
                         prev.raised_at if prev.raised_at is not None else prev.at, prev.times + sig.times)
        elif prev is not None:  # a clear after a raise (or the reverse): both, in order
            self._earlier.append(self._by_key.pop(sig.key))
        self._by_key[sig.key] = sig

    def take(self) -> list[Signal]:
        out = self._earlier + list(self._by_key.values())
        self._earlier, self._by_key = [], {}
        return out

    def put_back(self, taken: list[Signal]) -> None:
        """Signals whose write failed go back before any that came since."""
        self._earlier = list(taken) + self._earlier


def syslog_signal(device: str, level: int, tag: str, message: str, at: float) -> Signal:
    """The ``device_syslog`` signal of one message at syslog severity ``level`` (err or worse)."""
    text = "%s: %s" % (tag, message) if tag else message
    return Signal("device_syslog", device, True, at, clip(text), subject=tag[:64], severity=syslog_severity(level))
