# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auto-resync listener's core: notifications in, damper decisions, resync events out.

Synchronous, clock injected (every entry point takes ``now``); the EDA event source
``netsync.fleet.commit_events`` drives it. Public API::

    Listener(store, job_timeout=None, reindex_every=30.0, flush_every=1000, match_hostname=False,
             batch_window=0.0, batch_hold=0.0, start_timeout=None, check_interval=0.0, lease=None,
             batch_span=0.0)
        .ingest_syslog(data: bytes, source_addr: str, now) -> Decision | None
        .ingest_netconf(device, data, now, resubscribed=False) -> Decision | None
        .ingest_inbox(now) -> list[Decision]
        .poll_jobs(now) -> list[Decision]
        .tick(now) -> list[dict]      # resync events; flushes first
        .emitted(event) -> None       # the event is in the rulebook's queue
        .flush() -> None              # persist buffered states, notifications, statuses
        .next_wakeup() -> float | None
        .counters: Counter[str]       # received, accepted, dropped by reason

Persistence is batched: ``ingest_*`` buffer the damper states they change, the
notification records and status changes; ``flush`` writes them in one transaction.
``poll_jobs`` and ``tick`` flush, ``tick`` before returning any event, and ingest
flushes on its own every ``flush_every`` buffered records. Within one flush batch,
repeated damped (or covered, ignored, unknown-source) notifications of a device are
recorded once, with "(and N more like it)". Only messages containing ``UI_COMMIT``
(Junos), ``CONFIG_I`` or ``DB_COMMIT`` (CLI platforms) are parsed for commits; others
count as ``not-a-commit``. Messages at severity ``err`` or
worse (one PRI lookup) are also parsed and raise a ``device_syslog`` alarm of their device;
commits from unknown sources raise ``unknown_source`` (``alarms.py``; written by ``flush``
with a ``commits_notified`` metric point per device). A crash loses at most the
notifications received since the last flush (the event source flushes within
``flush_delay`` of a notification), never a dispatched job.

Nothing decided is lost when a store write fails (a locked SQLite file, a restarted
PostgreSQL, a full disk): ``flush`` keeps every buffered record, state and status until a
write succeeds and raises; the next flush retries them. A dispatch is persisted (with its
job id) before its event is returned, and an event is returned again by every ``tick``
until ``emitted`` is called for it, also after a restart (docs/auto-resync.md, R12). A
device removed from the store takes its damper state with it; no job is dispatched for a
device the store does not hold.

With a ``lease`` (``lease.py``; the EDA source always passes one) several listeners share one
store: only the lease holder (``leading``) runs the damper, persists and dispatches; a
standby maps what it receives to devices and forwards it through the store inbox
(``_forward.py``), and takes the lease, with the damper states the leader persisted, when
the leader dies. A leader whose lease another listener took writes nothing more as the
leader: its flush fails as a whole, and what it received and had not persisted is forwarded.

The class is built in layers, one private module each: ``_base.py`` (state, device index,
settings), ``_persist.py`` (lease, records, ``flush``), ``_schedule.py`` (jobs, ``tick``,
events; when due jobs go out together is ``_batching.py``), and this module (ingest).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._schedule import ListenerSchedule
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import ERROR_PRIS, Signal, syslog_signal
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_cli import CLI_COMMIT_TAGS
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    SyslogMessage, SyslogParseError, is_resync_trigger, parse_syslog,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import (
    NotificationParseError, parse_notification,
)

__all__ = ["Listener"]

_COMMIT_TAGS = (b"UI_COMMIT",) + CLI_COMMIT_TAGS  # Junos, and the CLI platforms (syslog_cli)
_REPEATS = ("damp", "cover", "ignore", "disabled")  # repeats of these are recorded once per flush
UNKNOWN_ALARM_SOURCES = 20  # distinct unknown sources with an alarm each (per hour); more share one
UNKNOWN_REFRESH_EVERY = 10.0  # seconds: a message from an unknown source re-reads the devices at most this often


class Listener(ListenerSchedule):
    """Maps notifications to devices, runs the damper, persists, emits resync events."""

    # -- notifications ---------------------------------------------------------------------
    def ingest_syslog(self, data: bytes, source_addr: str, now: float,
                      transport: str = "udp") -> Optional[Decision]:
        """One syslog message from ``source_addr``; returns the damper's decision, if any."""
        self.counters["received"] += 1
        if not any(tag in data for tag in _COMMIT_TAGS):  # cheap filter: only commit messages are parsed
            if data[:data.find(b">", 1, 5) + 1] in ERROR_PRIS:  # severity err or worse: a device_syslog alarm
                self._syslog_alarm(data, source_addr, now)
            self.counters["not-a-commit"] += 1
            return None
        try:
            msg = parse_syslog(data, now=now)
        except SyslogParseError as exc:
            self.counters["malformed"] += 1
            self.counters["malformed:" + exc.reason] += 1
            return None
        if msg.severity <= 3:  # a commit-tagged message at err or worse: an alarm too (parsed already)
            self._syslog_alarm(data, source_addr, now, msg)
        if msg.event == "other":
            self.counters["not-a-commit"] += 1
            return None
        self._maybe_refresh(now)
        source = "syslog-%s:%s" % (transport, source_addr)
        name = self.resolve(source_addr, msg.hostname)
        if name is None and self._may_refresh_for_unknown(now):
            self._refresh_safely(now)  # a device onboarded since the last refresh
            name = self.resolve(source_addr, msg.hostname)
        if name is None:
            self.counters["dropped:unknown-source"] += 1
            self._unknown_source_alarm(source_addr, source, msg.hostname, now)
            self._record(source, msg.event, None, False, "unknown source (host %s)" % (msg.hostname or "-"),
                         msg.commit_user, data, now)
            return None
        if msg.event == "commit":
            self.sends_completed.add(name)
        if not is_resync_trigger(msg, device_sends_completed=name in self.sends_completed):
            self.counters["not-a-trigger"] += 1
            return None
        # The syslog timestamp is not used as the commit time: it is not the device's
        # junos:commit-seconds, and comparing the two could skip a commit or loop on
        # follow-ups. Arrival order (damper R6.3) is exact enough and always safe.
        return self._notify(name, now, source, msg.event, msg.commit_user, data)

    def _may_refresh_for_unknown(self, now: float) -> bool:
        """A flood of forged sources re-reads the device list at most every UNKNOWN_REFRESH_EVERY s."""
        if self._indexed_at is None or now - self._indexed_at < 1.0:
            return False
        last = self._unknown_refresh_at
        if last is not None and 0 <= now - last < UNKNOWN_REFRESH_EVERY:
            self.counters["refresh-skipped:unknown-source"] += 1
            return False
        self._unknown_refresh_at = now
        return True

    def _unknown_source_alarm(self, source_addr: str, source: str, hostname: Optional[str], now: float) -> None:
        """One alarm per unknown source for the first UNKNOWN_ALARM_SOURCES of an hour; the rest
        share one alarm, so forged addresses cannot flood the alarm queue."""
        alarmed = self._unknown_alarmed
        if source_addr not in alarmed and len(alarmed) >= UNKNOWN_ALARM_SOURCES:
            for addr in [a for a, at in alarmed.items() if now - at >= 3600.0]:
                del alarmed[addr]
        if source_addr in alarmed or len(alarmed) < UNKNOWN_ALARM_SOURCES:
            alarmed.setdefault(source_addr, now)
            self.alarm_signals.add(Signal("unknown_source", source_addr, True, now, "commit notification from "
                                          "unknown source %s (host %s)" % (source, hostname or "-")))
            return
        self.counters["alarm-folded:unknown-source"] += 1
        self.alarm_signals.add(Signal("unknown_source", "(more sources)", True, now,
                                      "commit notifications from more than %d unknown sources in an hour; "
                                      "latest %s (host %s)" % (UNKNOWN_ALARM_SOURCES, source, hostname or "-")))

    def _syslog_alarm(self, data: bytes, source_addr: str, now: float, msg: Optional[SyslogMessage] = None) -> None:
        try:
            msg = msg or parse_syslog(data, now=now)
        except SyslogParseError:
            self.counters["syslog-error:malformed"] += 1
            return
        self._maybe_refresh(now)
        name = self.resolve(source_addr, msg.hostname)
        if name is None:
            self.counters["syslog-error:unknown-source"] += 1
            return
        self.counters["syslog-error"] += 1
        self.alarm_signals.add(syslog_signal(name, msg.severity, msg.msgid or msg.app or "", msg.message, now))

    def ingest_netconf(self, device: str, data: bytes, now: float,
                       resubscribed: bool = False) -> Optional[Decision]:
        """One NETCONF notification from the subscription to ``device`` (RFC 6470 config change).

        ``resubscribed``: the subscription came back after a loss; commits made meanwhile
        were not notified, so this counts as one (``data``: why, for the record).
        """
        self.counters["received"] += 1
        source = "netconf:%s" % device
        if resubscribed:
            kind, user, detail = "netconf-resubscribed", None, data
        else:
            try:
                change = parse_notification(data)
            except NotificationParseError as exc:
                self.counters["malformed"] += 1
                self.counters["malformed:netconf-" + exc.reason] += 1
                return None
            if change is None or change.datastore != "running":
                self.counters["not-a-commit"] += 1
                return None
            kind, user, detail = "netconf-config-change", change.user, json.dumps(change.summary()).encode()
        self._maybe_refresh(now)
        if device not in self.store_status and self._indexed_at is not None and now - self._indexed_at >= 1.0:
            self._refresh_safely(now)  # onboarded since the last refresh (at most once a second)
        if device not in self.store_status:
            self.counters["dropped:unknown-device"] += 1
            self._record(source, kind, None, False, "unknown device %s" % device, user, detail, now)
            return None
        # eventTime is not passed as the commit time (one-second resolution on netconfd,
        # device clock): the damper compares arrival times (R6.3), as for syslog.
        return self._notify(device, now, source, kind, user, detail)

    def ingest_inbox(self, now: float, limit: int = 1000) -> list[Decision]:
        """Notifications the callback plugin left in the store inbox."""
        out: list[Decision] = []
        if not self.leading:  # the leader takes the inbox (a standby fills it)
            return out
        self._maybe_refresh(now)
        for row in self.store.jobs.inbox_take(limit):
            self.counters["received"] += 1
            name = row["device"]
            source = "inbox:%s" % row["source"]
            if name not in self.store_status:
                self._refresh_safely(now)
            if name not in self.store_status:
                self.counters["dropped:unknown-device"] += 1
                self._record(source, "inbox", None, False, "unknown device %s" % name, None,
                             str(row["detail"]).encode(), now)
                continue
            decision = self._notify(name, now, source, "inbox", _inbox_user(row["detail"]),
                                    str(row["detail"]).encode())
            if decision is not None:
                out.append(decision)
        self.flush()
        return out

    def _notify(self, name: str, now: float, source: str, kind: str, user: Optional[str],
                data: bytes) -> Optional[Decision]:
        if not self.leading:  # a standby: the leader decides (through the inbox)
            self.counters["forwarded"] += 1
            self.forwarder.add(name, source, kind, user, data.decode("utf-8", "replace"), now)
            return None
        state = self._state(name, now)
        before = state.status
        decision = damper.notify(state, now)
        self.counters["accepted"] += 1
        self._dirty.add(name)
        if state.status != before:
            self._status_dirty[name] = decision.reason
        self._record(source, kind, name, True, decision.reason, user, data, now,
                     repeat=decision.action if decision.action in _REPEATS else None)
        return decision


def _inbox_user(detail: Any) -> Optional[str]:
    try:
        doc = json.loads(detail)
    except (TypeError, ValueError):
        return None
    user = doc.get("user") if isinstance(doc, dict) else None
    return user if isinstance(user, str) else None
