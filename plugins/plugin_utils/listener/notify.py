# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NETCONF notifications of generic RFC 6241 devices: the pure part (no I/O).

The listener keeps an RFC 5277 ``<create-subscription>`` on the ``NETCONF`` stream
of every generic device with auto-resync set, and turns each RFC 6470
``netconf-config-change`` into a notification for the device. Public API::

    parse_notification(data) -> ConfigChange | None   # None: another notification
    wants_subscription(platform, overrides) -> bool     # which devices to subscribe to
    Backoff(initial, factor, cap, jitter).delay(failures, rand) -> seconds
    SubscriptionManager(opener, clock, backoff, rand)
        .update(wanted: {device: target})  # new ones due now, removed/changed ones closed
        .poll() -> list[SubscriptionEvent] # opens due devices, notices up / failed / lost
        .next_wakeup() -> float | None
        .close_all()
        .counters: Counter[str]

The I/O part (ncclient sessions in threads) is ``_netconf_notify_session``.
"""
from __future__ import annotations

import calendar
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Mapping, Optional, Protocol, TypeVar

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import XMLError, local_name, parse_xml

__all__ = ["Backoff", "ConfigChange", "NotificationParseError", "Subscription", "SubscriptionEvent",
           "SubscriptionManager", "parse_event_time", "parse_notification", "wants_subscription",
           "NOTIFICATION_NS", "NOTIFICATIONS_YANG_NS", "STREAM"]

NOTIFICATION_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"  # RFC 5277 envelope
NOTIFICATIONS_YANG_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"  # RFC 6470
STREAM = "NETCONF"
_MAX_NOTIFICATION = 1024 * 1024  # a config-change is a few KiB; larger is refused, not parsed
_MAX_EDITS = 50  # edit targets kept for the record
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class NotificationParseError(ValueError):
    """A notification that is not usable; ``reason`` is a short counter name."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ConfigChange:
    """One RFC 6470 ``netconf-config-change``: who changed which datastore, when (device clock)."""

    event_time: Optional[float]
    user: Optional[str] = None
    session_id: Optional[str] = None
    source_host: Optional[str] = None
    datastore: str = "running"
    edits: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """JSON-able record of the change (what the store keeps as the notification's detail)."""
        return {"event_time": self.event_time, "user": self.user, "session_id": self.session_id,
                "source_host": self.source_host, "datastore": self.datastore, "edits": list(self.edits)}


def parse_event_time(text: Optional[str]) -> Optional[float]:
    """RFC 3339 ``eventTime`` to epoch seconds; None when absent or not a date-time."""
    match = _TIME.match((text or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        base = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60):
        return None
    frac = float(match.group(7)) if match.group(7) else 0.0
    zone = match.group(8)
    offset = 0
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return float(base - offset) + frac


def _child(elem: Any, name: str) -> Optional[Any]:
    for child in elem:
        if isinstance(child.tag, str) and local_name(child.tag) == name:
            return child
    return None


def _text(elem: Optional[Any], limit: int = 256) -> Optional[str]:
    if elem is None or elem.text is None:
        return None
    value = elem.text.strip()
    return value[:limit] if value else None


def parse_notification(data: str | bytes) -> Optional[ConfigChange]:
    """Parse one ``<notification>`` (untrusted). None when it is not a ``netconf-config-change``.

    Raises ``NotificationParseError`` for data that is not a notification at all.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > _MAX_NOTIFICATION:
        raise NotificationParseError("too-large", "notification larger than %d bytes" % _MAX_NOTIFICATION)
    try:
        root = parse_xml(raw)
    except XMLError as exc:
        raise NotificationParseError("bad-xml", str(exc)) from exc
    if root.tag != "{%s}notification" % NOTIFICATION_NS:
        raise NotificationParseError("not-a-notification", "root element is %s, not an RFC 5277 notification"
                                     % str(root.tag)[:100])
    change = None
    for child in root:
        if child.tag == "{%s}netconf-config-change" % NOTIFICATIONS_YANG_NS:
            change = child
            break
    if change is None:
        return None
    by = _child(change, "changed-by")
    user = session = host = None
    if by is not None:
        user = _text(_child(by, "username"))
        session = _text(_child(by, "session-id"), 32)
        host = _text(_child(by, "source-host"))
        if _child(by, "server") is not None:  # the server itself changed the configuration
            user = user or "(server)"
    edits: list[str] = []
    for edit in change:
        if isinstance(edit.tag, str) and local_name(edit.tag) == "edit" and len(edits) < _MAX_EDITS:
            target = _text(_child(edit, "target"), 512)
            operation = _text(_child(edit, "operation"), 32)
            if target:
                edits.append("%s %s" % (operation, target) if operation else target)
    return ConfigChange(
        event_time=parse_event_time(_text(_child(root, "eventTime"), 64)),
        user=user, session_id=session, source_host=host,
        datastore=_text(_child(change, "datastore"), 32) or "running",
        edits=tuple(edits),
    )


def wants_subscription(platform: Optional[str], overrides: Mapping[str, Any]) -> bool:
    """Subscribe to a device? Generic (not Junos) and its own ``auto_resync`` setting is set.

    ``netsync.fleet.auto_resync`` stores ``auto_resync: true`` (state enabled) or ``false``
    as the device's own setting; a device it never touched has none and is not subscribed.
    With ``false`` the notifications still mark the device ``Out of Sync`` (no job).
    """
    return (platform or "").lower() != "junos" and overrides.get("auto_resync") is not None


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: ``initial * factor**(failures-1)``, capped, minus up to ``jitter`` of it."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if not (self.initial > 0 and self.factor >= 1 and self.cap >= self.initial and 0 <= self.jitter < 1):
            raise ValueError("backoff needs initial > 0, factor >= 1, cap >= initial, 0 <= jitter < 1")

    def delay(self, failures: int, rand: float) -> float:
        """Seconds before attempt ``failures + 1``; ``rand`` in [0, 1) picks the jitter."""
        exponent = min(max(failures, 1) - 1, 64)
        base = min(self.cap, self.initial * self.factor ** exponent)
        return base * (1.0 - self.jitter * min(max(rand, 0.0), 1.0))


class Subscription(Protocol):
    """A handle the opener returns; its own thread connects and reads.

    ``state``: ``connecting``, then ``up`` once subscribed, ``down`` when it failed or
    was lost (``error``: a DeviceError kind, ``message``: why, never a credential).
    ``subscribed`` stays true once it was ``up``, so a loss between two polls is a loss.
    """

    state: str
    subscribed: bool
    error: Optional[str]
    message: str

    def close(self) -> None: ...


T = TypeVar("T")
Opener = Callable[[str, Any], Subscription]


@dataclass
class SubscriptionEvent:
    """What ``poll`` noticed: ``up`` (``reconnect``: after a loss), ``failed``, ``lost``, ``closed``,
    and ``catch_up``: a subscription restored after a loss has stayed up ``stable_after`` seconds,
    so the commits made while it was down should be read once."""

    device: str
    kind: str
    reconnect: bool = False
    error: Optional[str] = None
    message: str = ""
    retry_in: Optional[float] = None
    reconnects: int = 0


@dataclass
class _Entry(Generic[T]):
    target: T
    handle: Optional[Subscription] = None
    up: bool = False
    was_up: bool = False  # subscribed at least once: a new subscription is a reconnect
    up_since: float = 0.0
    catch_up: bool = False  # a loss happened: read the device once the subscription is stable
    failures: int = 0
    retry_at: float = 0.0
    reconnects: int = 0


@dataclass
class SubscriptionManager:
    """Keeps one subscription per wanted device; reconnects with capped, jittered backoff.

    Single-threaded: call every method from one thread (the event loop). Handles run
    their own I/O; ``poll`` only looks at their ``state``.

    A subscription lost less than ``stable_after`` seconds after it came up is a failure like
    a refused connection: the delays grow (a device that drops every session right after
    subscribing is retried at 1, 2, 4 … s up to the cap, not every second). Only a stable
    session's loss starts again at the first delay. A reconnect is not a commit: it yields
    one ``catch_up`` event once the restored subscription has been stable, never one per flap.
    """

    opener: Opener
    clock: Callable[[], float]
    backoff: Backoff = field(default_factory=Backoff)
    rand: Callable[[], float] = random.random
    counters: Counter[str] = field(default_factory=Counter)
    entries: dict[str, _Entry[Any]] = field(default_factory=dict)
    stable_after: float = 10.0

    def update(self, wanted: Mapping[str, Any]) -> list[SubscriptionEvent]:
        """Set the devices to subscribe to (name -> target). A changed target reconnects now."""
        out: list[SubscriptionEvent] = []
        for name in sorted(set(self.entries) - set(wanted)):
            self._close(self.entries.pop(name))
            self.counters["netconf:unsubscribed"] += 1
            out.append(SubscriptionEvent(name, "closed", message="no longer wanted"))
        now = self.clock()
        for name, target in wanted.items():
            entry = self.entries.get(name)
            if entry is None:
                self.entries[name] = _Entry(target, retry_at=now)
            elif entry.target != target:
                self._close(entry)
                self.entries[name] = _Entry(target, retry_at=now)
                out.append(SubscriptionEvent(name, "closed", message="connection settings changed"))
        return out

    def poll(self) -> list[SubscriptionEvent]:
        """Notice handles that came up, failed or were lost; open the devices that are due."""
        now = self.clock()
        out: list[SubscriptionEvent] = []
        for name, entry in self.entries.items():
            handle = entry.handle
            if handle is not None and handle.state == "up" and not entry.up:
                entry.up, entry.up_since = True, now
                reconnect = entry.was_up
                entry.was_up = True
                self.counters["netconf:subscribed"] += 1
                if reconnect:
                    entry.reconnects += 1
                    entry.catch_up = True
                    self.counters["netconf:reconnects"] += 1
                out.append(SubscriptionEvent(name, "up", reconnect=reconnect, reconnects=entry.reconnects))
            elif handle is not None and handle.state == "down":
                self._close(entry)
                kind = "lost" if entry.up or handle.subscribed else "failed"
                stable = entry.up and now - entry.up_since >= self.stable_after
                entry.was_up = entry.was_up or kind == "lost"
                entry.up = False
                entry.failures = 1 if stable else entry.failures + 1
                delay = self.backoff.delay(entry.failures, self.rand())
                entry.retry_at = now + delay
                self.counters["netconf:" + kind] += 1
                self.counters["netconf:%s:%s" % (kind, handle.error or "unknown")] += 1
                out.append(SubscriptionEvent(name, kind, error=handle.error, message=handle.message,
                                             retry_in=delay, reconnects=entry.reconnects))
            if entry.up and entry.catch_up and now - entry.up_since >= self.stable_after:
                entry.failures, entry.catch_up = 0, False
                self.counters["netconf:catch-ups"] += 1
                out.append(SubscriptionEvent(name, "catch_up", reconnects=entry.reconnects))
            elif entry.up and entry.failures and now - entry.up_since >= self.stable_after:
                entry.failures = 0
            if entry.handle is None and now >= entry.retry_at:
                self.counters["netconf:attempts"] += 1
                try:
                    entry.handle = self.opener(name, entry.target)
                except Exception as exc:  # the opener must not raise; if it does, retry later
                    entry.failures += 1
                    delay = self.backoff.delay(entry.failures, self.rand())
                    entry.retry_at = now + delay
                    self.counters["netconf:failed"] += 1
                    out.append(SubscriptionEvent(name, "failed", error="opener", message=type(exc).__name__,
                                                 retry_in=delay))
        return out

    def next_wakeup(self) -> Optional[float]:
        """Earliest retry time of a device without a handle (handles are polled anyway)."""
        times = [e.retry_at for e in self.entries.values() if e.handle is None]
        return min(times) if times else None

    def is_up(self, name: str) -> bool:
        entry = self.entries.get(name)
        return entry is not None and entry.up

    def close_all(self) -> None:
        for entry in self.entries.values():
            self._close(entry)
        self.entries.clear()

    @staticmethod
    def _close(entry: _Entry[Any]) -> None:
        handle, entry.handle = entry.handle, None
        if handle is not None:
            try:
                handle.close()
            except Exception:  # closing a dead session must not stop the listener
                pass
