"""Data types of the auto-resync damper: settings, per-device state, decisions.

Every type converts to plain JSON types with ``to_dict`` and back with
``from_dict`` (which validates its input and raises ``ValueError``), so the
listener can persist the damper's state in the store and survive restarts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

IN_SYNC = "In Sync"
OUT_OF_SYNC = "Out of Sync"
SYNCHRONIZING = "Synchronizing"
SYNC_FAILED = "Sync Failed"
STATUSES = (IN_SYNC, OUT_OF_SYNC, SYNCHRONIZING, SYNC_FAILED)

# Kinds of pending job.
SCHEDULED = "scheduled"
FOLLOW_UP = "follow-up"
RETRY = "retry"
PENDING_KINDS = (SCHEDULED, FOLLOW_UP, RETRY)

STATE_VERSION = 1
_MAX_BACKOFF_EXPONENT = 32


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if value.__class__ is dict:  # what JSON gives: the fast path of a restart's 100,000 states
        return value  # type: ignore[return-value]
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _float(value: object, what: str) -> float:
    if value.__class__ is float and math.isfinite(value):  # type: ignore[arg-type]  # the usual case, first
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return float(value)


def _opt_float(value: object, what: str) -> float | None:
    return None if value is None else _float(value, what)


def _opt_int(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: expected an integer, got {value!r}")
    return value


def _opt_str(value: object, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{what}: expected a string, got {value!r}")


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}: expected a string, got {value!r}")
    return value


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what}: expected true or false, got {value!r}")
    return value


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass instance's fields as a new dict (its fields only: no deep copy, unlike ``asdict``)."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Settings:
    """Auto-resync settings of one device (seconds)."""

    auto_resync: bool = True
    resync_delay: float = 20.0
    damping_window: float = 25.0
    damper_interval: float = 20.0
    job_timeout: float = 600.0
    max_retry_delay: float = 600.0
    start_timeout: float = 120.0

    def __post_init__(self) -> None:
        _bool(self.auto_resync, "auto_resync")
        minimum = {"resync_delay": 0.0, "damping_window": 0.0, "max_retry_delay": 0.0}
        for name in ("resync_delay", "damping_window", "damper_interval", "job_timeout", "max_retry_delay",
                     "start_timeout"):
            value = _float(getattr(self, name), name)
            if name in minimum and value < 0:
                raise ValueError(f"{name}: must be >= 0, got {value!r}")
            if name not in minimum and value <= 0:
                raise ValueError(f"{name}: must be > 0, got {value!r}")
            object.__setattr__(self, name, value)

    def retry_delay(self, failures: int) -> float:
        """Delay before the next attempt after ``failures`` consecutive failures."""
        exponent = min(max(failures, 0), _MAX_BACKOFF_EXPONENT)
        return min(self.resync_delay * 2.0**exponent, self.max_retry_delay)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """These settings with per-device ``overrides`` applied (unknown keys are errors)."""
        return Settings.from_dict({**self.to_dict(), **overrides})

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        data = _mapping(data, "settings")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"settings: unknown keys {unknown}")
        return cls(**dict(data))


@functools.lru_cache(maxsize=256)
def _settings_of(items: tuple[tuple[str, Any], ...]) -> Settings:
    return Settings.from_dict(dict(items))


def _settings_from(data: object) -> Settings:
    """``Settings.from_dict``, shared between states with the same values (a fleet has few
    distinct settings; a restart with 100,000 states builds each distinct one once)."""
    items = tuple(sorted(_mapping(data, "settings").items()))
    try:
        return _settings_of(items)
    except TypeError:  # an unhashable value: let from_dict say what is wrong with it
        return Settings.from_dict(dict(items))


@dataclass(slots=True)
class Read:
    """What a job read: when (listener clock) and, if known, the commit it saw."""

    job_id: str | None
    read_at: float
    commit_time: float | None = None
    commit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Read:
        data = _mapping(data, "read")
        return cls(
            job_id=_opt_str(data.get("job_id"), "read.job_id"),
            read_at=_float(data.get("read_at"), "read.read_at"),
            commit_time=_opt_float(data.get("commit_time"), "read.commit_time"),
            commit_seq=_opt_int(data.get("commit_seq"), "read.commit_seq"),
        )


@dataclass(slots=True)
class Backlog:
    """Notified commits not yet synced, of one kind (see ``backlog_key``)."""

    first_at: float
    last_at: float
    commit_time: float | None = None
    commit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Backlog:
        data = _mapping(data, "backlog")
        return cls(
            first_at=_float(data.get("first_at"), "backlog.first_at"),
            last_at=_float(data.get("last_at"), "backlog.last_at"),
            commit_time=_opt_float(data.get("commit_time"), "backlog.commit_time"),
            commit_seq=_opt_int(data.get("commit_seq"), "backlog.commit_seq"),
        )


def backlog_key(entry: Backlog) -> str:
    """Entries merge by which commit identifiers they carry (the damper adds ``@<job>`` for
    notifications that arrive while a job runs, so a follow-up knows when its first commit came)."""
    if entry.commit_time is not None and entry.commit_seq is not None:
        return "time+seq"
    if entry.commit_time is not None:
        return "time"
    if entry.commit_seq is not None:
        return "seq"
    return "plain"


@dataclass(slots=True)
class PendingJob:
    """A job waiting for its due time."""

    due: float
    created_at: float
    kind: str = SCHEDULED
    postponed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingJob:
        data = _mapping(data, "pending")
        kind = _str(data.get("kind", SCHEDULED), "pending.kind")
        if kind not in PENDING_KINDS:
            raise ValueError(f"pending.kind: unknown kind {kind!r}")
        postponed = _opt_int(data.get("postponed", 0), "pending.postponed")
        return cls(
            due=_float(data.get("due"), "pending.due"),
            created_at=_float(data.get("created_at"), "pending.created_at"),
            kind=kind,
            postponed=postponed or 0,
        )


@dataclass(slots=True)
class RunningJob:
    """The job holding the device: dispatched (``job_id`` None) or started.

    ``dispatch_id`` is the job id the listener gave the dispatched job's event; ``emitted``
    says the event reached the rulebook's queue (an event never emitted is emitted again,
    after a failed store write or a restart). ``alive_at``: the last time a job dispatched with
    this one (same event, same run) was seen starting; the start timeout counts from then (R12).
    """

    job_id: str | None
    deadline: float
    dispatched_at: float | None = None
    started_at: float | None = None
    read: Read | None = None
    manual: bool = False
    dispatch_id: str | None = None
    emitted: bool = False
    alive_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = _fields(self)
        out["read"] = None if self.read is None else self.read.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunningJob:
        data = _mapping(data, "running")
        read = data.get("read")
        job = cls(
            job_id=_opt_str(data.get("job_id"), "running.job_id"),
            deadline=_float(data.get("deadline"), "running.deadline"),
            dispatched_at=_opt_float(data.get("dispatched_at"), "running.dispatched_at"),
            started_at=_opt_float(data.get("started_at"), "running.started_at"),
            read=None if read is None else Read.from_dict(read),
            manual=_bool(data.get("manual", False), "running.manual"),
            dispatch_id=_opt_str(data.get("dispatch_id"), "running.dispatch_id"),
            emitted=_bool(data.get("emitted", False), "running.emitted"),
            alive_at=_opt_float(data.get("alive_at"), "running.alive_at"),
        )
        if job.started_at is None and job.dispatched_at is None:
            raise ValueError("running: needs started_at or dispatched_at")
        if job.job_id is None and job.started_at is not None:
            raise ValueError("running: a started job needs a job_id")
        return job


@dataclass(slots=True)
class DeviceState:
    """Everything the damper knows about one device."""

    name: str
    settings: Settings = field(default_factory=Settings)
    status: str = IN_SYNC
    pending: PendingJob | None = None
    running: RunningJob | None = None
    backlog: dict[str, Backlog] = field(default_factory=dict)
    synced: Read | None = None
    last_notice_at: float | None = None
    burst_start: float | None = None
    failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: asdict deep-copies every value and was half the
        # listener's ingest time at fleet size (benchmarks/listener/bench_scale.py).
        out: dict[str, Any] = {"v": STATE_VERSION, **_fields(self)}
        out["settings"] = self.settings.to_dict()
        out["pending"] = None if self.pending is None else self.pending.to_dict()
        out["running"] = None if self.running is None else self.running.to_dict()
        out["backlog"] = {key: entry.to_dict() for key, entry in self.backlog.items()}
        out["synced"] = None if self.synced is None else self.synced.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeviceState:
        data = _mapping(data, "state")
        version = data.get("v", STATE_VERSION)
        if version != STATE_VERSION:
            raise ValueError(f"state: unsupported version {version!r}")
        status = _str(data.get("status", IN_SYNC), "status")
        if status not in STATUSES:
            raise ValueError(f"status: unknown status {status!r}")
        backlog = {}
        for key, entry in _mapping(data.get("backlog", {}), "backlog").items():
            parsed = Backlog.from_dict(entry)
            if backlog_key(parsed) != key.split("@", 1)[0]:
                raise ValueError(f"backlog: entry under {key!r} is of kind {backlog_key(parsed)!r}")
            backlog[key] = parsed
        pending, running, synced = data.get("pending"), data.get("running"), data.get("synced")
        failures = _opt_int(data.get("failures", 0), "failures") or 0
        if failures < 0:
            raise ValueError("failures: must be >= 0")
        return cls(
            name=_str(data.get("name"), "name"),
            settings=_settings_from(data.get("settings", {})),
            status=status,
            pending=None if pending is None else PendingJob.from_dict(pending),
            running=None if running is None else RunningJob.from_dict(running),
            backlog=backlog,
            synced=None if synced is None else Read.from_dict(synced),
            last_notice_at=_opt_float(data.get("last_notice_at"), "last_notice_at"),
            burst_start=_opt_float(data.get("burst_start"), "burst_start"),
            failures=failures,
        )


@dataclass(frozen=True)
class Decision:
    """One thing the damper decided, for the audit log."""

    device: str
    action: str
    reason: str
    at: float
    status: str
    job_id: str | None = None
    due: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
