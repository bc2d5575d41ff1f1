# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auto-resync listener's core: notifications in, damper decisions, resync events out.

Synchronous, clock injected (every entry point takes ``now``); the EDA event source
``netsync.fleet.commit_events`` drives it. Public API::

    Listener(store, job_timeout=None, reindex_every=30.0, flush_every=1000, match_hostname=False,
             batch_window=0.0, batch_hold=0.0, start_timeout=None)
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
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._forward import Forwarder
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._jobs import JobFollower
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaderLease, LeaseLost
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.checks import ConsistencySchedule
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import (
    ERROR_PRIS, Signal, SignalBuffer, syslog_signal,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_cli import CLI_COMMIT_TAGS
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import (
    SyslogMessage, SyslogParseError, is_resync_trigger, parse_syslog,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision, DeviceState, Settings
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import (
    NotificationParseError, parse_notification,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import Store
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import record_listener

__all__ = ["Listener"]

_DAMPER_KEYS = ("auto_resync", "resync_delay", "damping_window", "damper_interval")
_COMMIT_TAGS = (b"UI_COMMIT",) + CLI_COMMIT_TAGS  # Junos, and the CLI platforms (syslog_cli)
_REPEATS = ("damp", "cover", "ignore", "disabled")  # repeats of these are recorded once per flush
UNKNOWN_ALARM_SOURCES = 20  # distinct unknown sources with an alarm each (per hour); more share one
UNKNOWN_REFRESH_EVERY = 10.0  # seconds: a message from an unknown source re-reads the devices at most this often


class Listener:
    """Maps notifications to devices, runs the damper, persists, emits resync events."""

    def __init__(self, store: Store, job_timeout: Optional[float] = None,
                 reindex_every: float = 30.0, flush_every: int = 1000, match_hostname: bool = False,
                 batch_window: float = 0.0, batch_hold: float = 0.0, start_timeout: Optional[float] = None,
                 check_interval: float = 0.0, lease: Optional[LeaderLease] = None) -> None:
        self.store = store
        self.lease = lease
        self.leading = lease is None  # without a lease: the only listener of its store
        self.forwarder = Forwarder(lease.holder if lease is not None else "-")
        self.start_timeout = start_timeout
        self.checks = ConsistencySchedule(check_interval)
        self.match_hostname = match_hostname
        self.batch_window = batch_window
        self.batch_hold = batch_hold
        self.job_timeout = job_timeout
        self.reindex_every = reindex_every
        self.flush_every = flush_every
        self.counters: Counter[str] = Counter()
        self._saved_counters: dict[str, int] = {}  # as last written: a changed counter is written too
        self.states: dict[str, DeviceState] = {}
        self.by_address: dict[str, list[str]] = {}
        self.by_hostname: dict[str, str] = {}
        self.store_status: dict[str, str] = {}
        self.platforms: dict[str, str] = {}
        self.follower = JobFollower(self)  # the jobs it follows (dispatched, manual)
        self.sends_completed: set[str] = set()
        self._indexed_at: Optional[float] = None
        self._dirty: set[str] = set()
        self._status_dirty: dict[str, str] = {}
        self._records: list[dict[str, Any]] = []
        self._repeats: dict[tuple[Optional[str], str, str, str], dict[str, Any]] = {}
        self._forget: set[str] = set()  # removed devices whose persisted state flush deletes
        self._unknown_alarmed: dict[str, float] = {}  # unknown source -> when its alarm was raised
        self._unknown_refresh_at: Optional[float] = None
        self.alarm_signals = SignalBuffer()  # alarms, written by flush
        self._settings_values: Optional[tuple[dict[str, Any], dict[str, dict[str, Any]]]] = None
        self._settings_made: dict[tuple[Any, ...], Settings] = {}
        if self.leading:
            self._load_states()

    def _load_states(self) -> None:
        for name, doc in self.store.jobs.load_damper_states().items():
            try:
                self.states[name] = DeviceState.from_dict(doc)
            except ValueError:
                self.counters["bad-persisted-state"] += 1

    # -- the leader lease (several listeners on one store) ---------------------------------
    def hold_lease(self) -> bool:
        """Take (standby) or renew (leader) the lease; True while this listener leads."""
        lease = self.lease
        if lease is None:
            return True
        if self.leading:
            if lease.fresh() or lease.hold():
                return True
            self._step_down()
            return False
        if lease.hold():
            self._become_leader()
        return self.leading

    def _become_leader(self) -> None:
        """Take over as a restarted leader would: the persisted damper states, jobs found again."""
        self.flush()  # what this standby forwarded goes first (the inbox is read as the leader next)
        self.states = {}
        self.follower.reset()
        self._dirty, self._status_dirty, self._forget = set(), {}, set()
        self._load_states()
        self._indexed_at = None  # settings applied to the loaded states at the next refresh
        self.leading = True
        self.counters["lease:acquired"] += 1

    def _step_down(self) -> None:
        """Another listener leads: what this one accepted and did not persist is forwarded to it."""
        for rec in [r for r in self._records if r["accepted"] and r["device"]]:
            self.forwarder.add(rec["device"], rec["source"], rec["kind"], rec["commit_user"], rec["detail"],
                               rec["at"], rec["count"])
        self._records = [r for r in self._records if not r["accepted"]]
        self._repeats = {}
        self.states = {}
        self.follower.reset()
        self._dirty, self._status_dirty, self._forget = set(), {}, set()
        self.leading = False
        self.counters["lease:lost"] += 1

    def release_lease(self) -> None:
        """A clean stop: the other listener need not wait for the lease to run out."""
        if self.lease is not None and self.leading:
            self.lease.release()
            self.leading = False

    # -- devices and settings --------------------------------------------------------------
    def refresh(self, now: float) -> None:
        """Rebuild the device index and apply settings changes from the store."""
        by_address: dict[str, list[str]] = {}
        by_hostname: dict[str, str] = {}
        status: dict[str, str] = {}
        platforms: dict[str, str] = {}
        self._settings_values = self.store.devices.settings_by_device()
        self._settings_made = {}
        for row in self.store.devices.all():
            name = row["name"]
            platforms[name] = str(row["platform"])
            by_address.setdefault(str(row["host"]).lower(), []).append(name)
            hostname = (row.get("facts") or {}).get("hostname")
            for key in (name, hostname):
                if isinstance(key, str) and key:
                    by_hostname.setdefault(key.lower(), name)
            status[name] = row["managed_status"]
            state = self.states.get(name)
            if state is None:
                continue
            settings = self._settings(name)
            if settings != state.settings:
                self._log(damper.set_settings(state, settings, now))
                self._dirty.add(name)
        self.by_address, self.by_hostname, self.store_status = by_address, by_hostname, status
        self.platforms = platforms
        self._drop_removed([name for name in self.states if name not in status])
        self._indexed_at = now

    def _drop_removed(self, names: list[str]) -> None:
        """Devices the store no longer holds: their states, pending and running jobs go."""
        for name in names:
            self.states.pop(name, None)
            self._dirty.discard(name)
            self._status_dirty.pop(name, None)
            self.follower.forget_device(name)
            self._forget.add(name)
            self.counters["removed-devices"] += 1

    def _settings(self, name: str) -> Settings:
        """The device's damper settings, as of the last refresh (one read of every device's
        settings per refresh, and one Settings object per distinct set of values)."""
        if self._settings_values is None:
            self._settings_values = self.store.devices.settings_by_device()
        global_values, per_device = self._settings_values
        values = per_device.get(name, global_values)
        key = tuple(values.get(k) for k in _DAMPER_KEYS)
        made = self._settings_made.get(key)
        if made is None:
            made = self._settings_made[key] = self._make_settings(values)
        return made

    def _current_settings(self, name: str) -> Settings:
        """A new state's settings, read from the store now (a device's first notification follows the
        settings module at once); the last refresh's when the store cannot be read."""
        try:
            values = self.store.devices.get_settings(name)
        except Exception:  # the store is down: the message is still mapped and damped
            self.counters["settings-read-errors"] += 1
            return self._settings(name)
        key = tuple(values.get(k) for k in _DAMPER_KEYS)
        made = self._settings_made.get(key)
        if made is None:
            made = self._settings_made[key] = self._make_settings(values)
        return made

    def _make_settings(self, values: dict[str, Any]) -> Settings:
        overrides: dict[str, Any] = {k: values[k] for k in _DAMPER_KEYS if k in values}
        if self.job_timeout is not None:
            overrides["job_timeout"] = self.job_timeout
        if self.start_timeout is not None:
            overrides["start_timeout"] = self.start_timeout
        try:
            return Settings().with_overrides(overrides)
        except ValueError:  # one device's bad settings never stop the others
            self.counters["bad-settings"] += 1
            return Settings().with_overrides({k: v for k, v in overrides.items() if k not in _DAMPER_KEYS})

    def _maybe_refresh(self, now: float) -> None:
        if self._indexed_at is None or now - self._indexed_at >= self.reindex_every or now < self._indexed_at:
            self._refresh_safely(now)

    def _refresh_safely(self, now: float) -> None:
        """Refresh, keeping the index it has when the store cannot be read: a message is never lost
        because the store is down (it is mapped with what the listener knew)."""
        try:
            self.refresh(now)
        except Exception:
            self.counters["refresh-errors"] += 1

    def _state(self, name: str, now: float) -> DeviceState:
        state = self.states.get(name)
        if state is None:
            state = DeviceState(name, self._current_settings(name),
                                status=self.store_status.get(name, damper.IN_SYNC))
            self.states[name] = state
        return state

    def resolve(self, source_addr: str, hostname: Optional[str]) -> Optional[str]:
        """Device name for a message from ``source_addr`` carrying ``hostname``.

        The source address must be a device's address. Several devices behind one address
        (NAT, a lab on loopback) are told apart by the hostname, which must be one of them.
        With ``match_hostname``, a message from an unknown address is mapped by its hostname
        alone (devices that send syslog from another interface); off by default, since a
        hostname is trivially forged.
        """
        names = self.by_address.get(source_addr.lower(), [])
        if len(names) == 1:
            return names[0]
        by_name = self.by_hostname.get(hostname.lower()) if hostname else None
        if by_name is not None and (by_name in names or (not names and self.match_hostname)):
            return by_name
        return None

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

    def _record(self, source: str, kind: str, device: Optional[str], accepted: bool, reason: str,
                user: Optional[str], data: bytes, now: float, repeat: Optional[str] = "unknown") -> None:
        """Buffer a notification record (received at ``now``); repeats in one flush batch become one
        record with a count, received when the first of them was."""
        key = (device, source, kind, repeat) if repeat is not None else None
        if key is not None:
            rec = self._repeats.get(key)
            if rec is not None:
                rec["count"] += 1
                return
        rec = {"source": source, "kind": kind, "device": device, "accepted": accepted, "reason": reason,
               "commit_user": user, "detail": data[:2000].decode("utf-8", "replace"), "count": 1, "at": now}
        self._records.append(rec)
        if key is not None:
            self._repeats[key] = rec
        if len(self._records) >= self.flush_every:
            self.flush()

    # -- scheduling ------------------------------------------------------------------------
    def poll_jobs(self, now: float) -> list[Decision]:
        """Feed the damper the lifecycle of the jobs it follows (``_jobs.py``); flushes."""
        return self.follower.poll(now)

    @property
    def jobs(self) -> dict[str, str]:
        """Job id -> device of the jobs it follows."""
        return self.follower.jobs

    def tick(self, now: float) -> list[dict[str, Any]]:
        """Timeouts, postponements and due jobs; one resync event for all devices due now.

        With ``batch_window``, due jobs wait until the first of them has been due that long;
        then every job due by now goes out in the same event (R11). While the jobs of the
        previous event have not all started (the runner has not taken them yet; for at most
        ``batch_hold`` seconds), due jobs wait too and go out together afterwards.
        """
        if not self.leading:
            self.flush()
            return []
        self._maybe_refresh(now)
        first = self._first_due()
        if first is not None and (now < first + self.batch_window or self._in_flight(now)):
            decisions = damper.check_timeouts(self.states, now)
        else:
            decisions = damper.tick(self.states, now)
        self._log(decisions)
        for decision in decisions:
            self._dirty.add(decision.device)
            if decision.action in (damper.TIMEOUT, damper.FAIL):
                self._status_dirty[decision.device] = decision.reason
            if decision.action in (damper.TIMEOUT, damper.REDISPATCH):  # later reports are ignored (R8)
                self.follower.forget_device(decision.device)
            if decision.action == damper.DISPATCH:
                job_id = "auto-%s" % uuid.uuid4().hex[:16]
                run = self.states[decision.device].running
                if run is not None:
                    run.dispatch_id = job_id
                self.follower.jobs[job_id] = decision.device
        self._drop_unknown_dispatches()
        self.flush()  # the dispatches are persisted before their event goes out
        return self._outbox() + self._check_events(now)

    def _check_events(self, now: float) -> list[dict[str, Any]]:
        """The consistency check of the devices due for one (never one with a pending or running job)."""
        busy = {n for n, s in self.states.items() if s.pending is not None or s.running is not None}
        devices = self.checks.due(now, self.platforms, busy)
        if not devices:
            return []
        self.counters["consistency-checks"] += len(devices)
        return [{"netsync": {"type": "check", "devices": devices, "limit": ",".join(devices)},
                 "meta": {"hosts": devices}}]

    def _drop_unknown_dispatches(self) -> None:
        """Never dispatch for a device the store does not hold (removed since the last refresh)."""
        names = sorted(n for n, s in self.states.items()
                       if s.running is not None and s.running.started_at is None and not s.running.emitted)
        if names:
            self._drop_removed(sorted(set(names) - self.store.devices.existing(names)))

    def _outbox(self) -> list[dict[str, Any]]:
        """One event for every dispatched job not yet emitted (this pass's, or an earlier one's)."""
        job_ids: dict[str, str] = {}
        for name, state in self.states.items():
            run = state.running
            if run is not None and run.started_at is None and run.dispatch_id and not run.emitted:
                job_ids[name] = run.dispatch_id
                self.follower.jobs.setdefault(run.dispatch_id, name)
        if not job_ids:
            return []
        devices = sorted(job_ids)
        self.counters["events"] += 1
        self.counters["dispatched"] += len(devices)
        return [{"netsync": {"type": "resync", "devices": devices, "job_ids": job_ids,
                             "limit": ",".join(devices)},
                 "meta": {"hosts": devices}}]  # ansible-rulebook limits run_playbook to meta.hosts

    def emitted(self, event: dict[str, Any]) -> None:
        """The event is in the rulebook's queue: not to be emitted again (persisted by the next flush)."""
        for name, job_id in event.get("netsync", {}).get("job_ids", {}).items():
            state = self.states.get(name)
            run = state.running if state is not None else None
            if run is not None and run.dispatch_id == job_id and not run.emitted:
                run.emitted = True
                self._dirty.add(name)

    def next_wakeup(self) -> Optional[float]:
        wake = self._damper_wakeup()
        check = self.checks.next_due()
        return check if wake is None else wake if check is None else min(wake, check)

    def _damper_wakeup(self) -> Optional[float]:
        wake = damper.next_wakeup(self.states)
        first = self._first_due()
        if wake is not None and first is not None and wake >= first:
            return first + self.batch_window
        return wake

    def _in_flight(self, now: float) -> bool:
        """A dispatched job has not started yet, and not for longer than ``batch_hold``."""
        for state in self.states.values():
            run = state.running
            if run is not None and run.job_id is None and run.dispatched_at is not None \
                    and now - run.dispatched_at < self.batch_hold:
                return True
        return False

    def _first_due(self) -> Optional[float]:
        return min((s.pending.due for s in self.states.values() if s.pending is not None), default=None)

    def _log(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            self.counters["decision:" + decision.action] += 1

    # -- persistence -----------------------------------------------------------------------
    def has_unflushed(self) -> bool:
        return bool(self._dirty or self._records or self._status_dirty or self.alarm_signals or self._forget
                    or self.forwarder or self.counters != self._saved_counters)

    def flush(self) -> None:
        """Persist buffered damper states, notification records and status changes.

        All or nothing: when the write fails, everything stays buffered (and the exception
        propagates); the next flush writes it. A leader renews its lease in the same
        transaction; when another listener holds it, this one steps down (``_step_down``) and
        writes only what a standby writes.
        """
        if not self.has_unflushed():
            return
        signals, commits = self.alarm_signals.take(), Counter[str]()
        records, dirty, statuses, forget = self._records, set(self._dirty), dict(self._status_dirty), set(self._forget)
        store = self.store
        written: dict[str, str] = {}
        forwarded: list[str] = []
        counters: dict[str, int] = {}
        try:
            with store.transaction():
                if self.leading and self.lease is not None and not self.lease.hold():
                    raise LeaseLost()
                forwarded = self.forwarder.write(store.jobs)
                for rec in records:
                    if rec["accepted"]:  # the commits_notified metric: counted here, not on the ingest path
                        commits[rec["device"]] += rec["count"]
                    more = rec["count"] - 1
                    reason = rec["reason"] + (" (and %d more like it)" % more if more else "")
                    store.jobs.record_notification(rec["source"], rec["kind"], rec["device"], rec["accepted"],
                                                   reason, None, rec["commit_user"], rec["detail"],
                                                   received_at=rec["at"])
                record_listener(store.alarms, store.metrics, signals, commits)
                counters = dict(self.counters)
                store.jobs.save_listener_counters(counters, store.clock(),
                                                  role="leader" if self.leading else "standby")
                store.jobs.save_damper_states({n: self.states[n].to_dict() for n in dirty if n in self.states})
                if forget:
                    store.jobs.forget_damper_states(sorted(forget))
                for name, reason in statuses.items():
                    state = self.states.get(name)
                    row = store.devices.get(name)
                    if state is None or row is None or row["managed_status"] == state.status:
                        continue
                    store.devices.set_status(name, state.status, "auto-resync: %s" % reason)
                    written[name] = state.status
        except LeaseLost:
            self.alarm_signals.put_back(signals)
            self._step_down()
            self.flush()
            return
        except BaseException:
            self.alarm_signals.put_back(signals)
            self.counters["store-write-failures"] += 1
            raise
        self.forwarder.written(forwarded)
        self._saved_counters = counters
        self.store_status.update(written)
        del self._records[:len(records)]
        if not self._records:
            self._repeats = {}
        self._dirty -= dirty
        self._forget -= forget
        for name in statuses:
            if self._status_dirty.get(name) == statuses[name]:
                del self._status_dirty[name]


def _inbox_user(detail: Any) -> Optional[str]:
    try:
        doc = json.loads(detail)
    except (TypeError, ValueError):
        return None
    user = doc.get("user") if isinstance(doc, dict) else None
    return user if isinstance(user, str) else None
