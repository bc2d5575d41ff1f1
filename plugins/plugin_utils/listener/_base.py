# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the listener package: the ``Listener``'s state, its device index and settings.

``ListenerBase`` holds what every part of the listener works on (damper states, the device
index, buffers, the job follower, the lease) and maps a message to its device (``resolve``).
``_persist.py`` (lease, records, ``flush``), ``_schedule.py`` (jobs, ``tick``, batching) and
``core.py`` (ingest) build on it, in that order; ``core.Listener`` is the public class.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import damper
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._forward import Forwarder
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._jobs import JobFollower
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaderLease
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.checks import ConsistencySchedule
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import SignalBuffer
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import Decision, DeviceState, Settings
from ansible_collections.netsync.fleet.plugins.module_utils.store import Store

_DAMPER_KEYS = ("auto_resync", "resync_delay", "damping_window", "damper_interval")


class ListenerBase:
    """The listener's state and device index (see ``core.Listener`` for the whole API)."""

    def __init__(self, store: Store, job_timeout: Optional[float] = None,
                 reindex_every: float = 30.0, flush_every: int = 1000, match_hostname: bool = False,
                 batch_window: float = 0.0, batch_hold: float = 0.0, start_timeout: Optional[float] = None,
                 batch_span: float = 0.0,
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
        self.batch_span = batch_span
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
        self._settings_version: Optional[int] = None  # the store's settings version of that read
        self._settings_made: dict[tuple[Any, ...], Settings] = {}
        self._settings_global: Optional[tuple[dict[str, Any], Settings]] = None
        if self.leading:
            self._load_states()

    def flush(self) -> None:
        """Persist what is buffered (``ListenerStore.flush`` in ``_persist.py``)."""
        raise NotImplementedError

    def _load_states(self) -> None:
        for name, doc in self.store.jobs.load_damper_states().items():
            try:
                self.states[name] = DeviceState.from_dict(doc)
            except ValueError:
                self.counters["bad-persisted-state"] += 1

    # -- devices and settings --------------------------------------------------------------
    def refresh(self, now: float) -> None:
        """Rebuild the device index and apply settings changes from the store."""
        by_address: dict[str, list[str]] = {}
        by_hostname: dict[str, str] = {}
        status: dict[str, str] = {}
        platforms: dict[str, str] = {}
        version = self.store.devices.settings_version()  # before the read: a change after it is seen
        self._settings_values = self.store.devices.settings_by_device()
        self._settings_version = version
        self._settings_made = {}
        for name, host, platform, managed_status, hostname in self.store.devices.index_rows():
            platforms[name] = platform
            by_address.setdefault(host.lower(), []).append(name)
            for key in (name, hostname):
                if key:
                    by_hostname.setdefault(key.lower(), name)
            status[name] = managed_status
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
        values = per_device.get(name)
        if values is None:  # most devices: the global values, whose Settings is kept with the very dict read
            kept = self._settings_global
            if kept is not None and kept[0] is global_values:
                return kept[1]
            made = self._settings_for(global_values)
            self._settings_global = (global_values, made)
            return made
        return self._settings_for(values)

    def _settings_for(self, values: dict[str, Any]) -> Settings:
        key = tuple(values.get(k) for k in _DAMPER_KEYS)
        made = self._settings_made.get(key)
        if made is None:
            made = self._settings_made[key] = self._make_settings(values)
        return made

    def _current_settings(self, name: str) -> Settings:
        """A new state's settings as the store has them now (a device's first notification follows the
        settings module at once): the last read of every device's settings while the store's settings
        version is the one read with it (one lookup), else read again; the last read's when the store
        cannot be read. One query per new device, not a read of its settings: a burst of first commits
        from a large fleet reads the settings once."""
        try:
            version = self.store.devices.settings_version()
            if version != self._settings_version or self._settings_values is None:
                self._settings_values = self.store.devices.settings_by_device()
                self._settings_version = version
        except Exception:  # the store is down: the message is still mapped and damped
            self.counters["settings-read-errors"] += 1
        return self._settings(name)

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

    def _log(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            self.counters["decision:" + decision.action] += 1
