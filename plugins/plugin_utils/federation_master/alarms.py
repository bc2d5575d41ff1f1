# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master side: alarms pulled from federation children on demand (logic of ``netsync.fleet.alarms``).

The federation configuration is the inventory plugin's ``*.federation.yml`` file
(:func:`.config.load_federation`): its ``children`` (and, optionally, ``store``,
``max_alarm_update_delay``, ``metric_source_reuse``, ``timeout``,
``max_system_time_difference``). ``query_alarms`` pulls a child's alarm
changes since its cursor only when the master's last pull of that child is
older than ``max_alarm_update_delay`` (default 50 s); otherwise, and for a
child that is down, it answers from the copy in the master's store, which
separate runs share. A down child's alarms come marked ``stale``; the alarms of
a child whose clock differs from the master's by more than
``max_system_time_difference`` come with ``clock_suspect``.
"""
from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import aiohttp

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.store import FedAlarmStore
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import SEVERITIES, severity_rank
from ansible_collections.netsync.fleet.plugins.module_utils.topology import clock_suspect
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.client import ChildClient, ChildError
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import ChildSpec, FederationConfig

DEFAULT_MAX_ALARM_UPDATE_DELAY = 50.0
STATES = ("active", "cleared", "all")


def number(value: Any, what: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number of seconds, got %r" % (what, value)) from None
    if out < 0:
        raise ValueError("%s must be >= 0" % what)
    return out


@dataclass
class AlarmQuery:
    """What ``netsync.fleet.alarms`` asks for (``None``: no filter)."""

    children: Optional[list[str]] = None
    severity: Optional[str] = None  # this severity or worse
    device: Optional[str] = None  # a name or a glob
    state: str = "active"
    type: Optional[str] = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError("state must be one of %s, got %r" % (", ".join(STATES), self.state))
        if self.severity is not None:
            severity_rank(self.severity)

    def severities(self) -> Optional[list[str]]:
        if self.severity is None:
            return None
        return list(SEVERITIES[:severity_rank(self.severity) + 1])


@dataclass
class PullReport:
    name: str
    ok: bool = False
    error: str = ""
    alarms: int = 0
    requests: int = 0
    clock_offset: Optional[float] = None
    suspect: bool = False
    fields: dict[str, Any] = field(default_factory=dict)


async def _pull_child(copies: FedAlarmStore, client: ChildClient, state: Mapping[str, Any], cfg: FederationConfig,
                      clock: Callable[[], float], report: PullReport) -> None:
    t0 = clock()
    doc = await client.call("GET", "/time")
    t1 = clock()
    server_time = doc.get("server_time")
    if not isinstance(server_time, (int, float)) or isinstance(server_time, bool):
        raise ChildError("malformed", "/time: no server_time")
    report.clock_offset = float(server_time) - (t0 + t1) / 2.0
    report.suspect = clock_suspect(float(server_time), (t0 + t1) / 2.0, cfg.max_system_time_difference)
    epoch, cursor = str(state.get("epoch") or ""), int(state.get("cursor") or 0)
    for attempt in range(2):
        params: dict[str, Any] = {"since": cursor if epoch else 0}  # pages of the child's --max-page
        if epoch:
            params["epoch"] = epoch
        replace = not epoch or attempt == 1
        try:
            while True:
                page = await client.call("GET", "/alarms/changes", params=params)
                alarms, new_cursor = page.get("alarms"), page.get("cursor")
                if not isinstance(alarms, list) or not isinstance(new_cursor, int) or isinstance(new_cursor, bool):
                    raise ChildError("malformed", "/alarms/changes: no alarm list or cursor")
                _check(alarms)
                epoch = str(page.get("epoch") or "")
                try:
                    report.alarms += copies.apply(report.name, alarms, replace=replace)
                except ValueError as exc:
                    raise ChildError("malformed", "/alarms/changes: %s" % exc) from exc
                replace = False
                copies.pulls.save(report.name, epoch=epoch, cursor=new_cursor)
                if not page.get("more"):
                    return
                params.update(since=new_cursor, epoch=epoch)
        except ChildError as exc:
            if exc.kind != "expired" or attempt == 1:
                raise
            epoch, cursor = "", 0  # the child's history changed or our cursor expired: pull all again


def _check(alarms: Sequence[Any]) -> None:
    for alarm in alarms:
        if not isinstance(alarm, dict) or not isinstance(alarm.get("id"), int) or \
                not isinstance(alarm.get("device"), str) or alarm.get("severity") not in SEVERITIES:
            raise ChildError("malformed", "/alarms/changes: an alarm without id, device or known severity")


async def _pull(copies: FedAlarmStore, cfg: FederationConfig, specs: Sequence[ChildSpec], clock: Callable[[], float]
                ) -> list[PullReport]:
    states = copies.pulls.all()
    reports = [PullReport(s.name) for s in specs]
    async with aiohttp.ClientSession() as session:
        async def one(spec: ChildSpec, rep: PullReport) -> None:
            client = ChildClient(spec, session, cfg.timeout)
            try:
                await _pull_child(copies, client, states.get(spec.name) or {}, cfg, clock, rep)
                rep.ok = True
            except ChildError as exc:
                rep.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - one child must not stop the others
                if is_internal_error(exc):  # a bug in our code is not the child's fault: it goes up
                    raise
                rep.error = "%s: %s" % (type(exc).__name__, exc)
            rep.requests = client.traffic.requests
        await asyncio.gather(*(one(s, r) for s, r in zip(specs, reports, strict=True)))
    return reports


def refresh_alarms(copies: FedAlarmStore, cfg: FederationConfig, delay: float, names: Optional[Sequence[str]] = None,
                   clock: Callable[[], float] = time.time) -> list[PullReport]:
    """Pull the children (all, or ``names``) whose last alarm pull is older than ``delay``."""
    for gone in set(copies.pulls.all()) - {c.name for c in cfg.children}:
        copies.forget(gone)  # left the configuration
    now = clock()
    due = [c for c in cfg.children if (names is None or c.name in names)
           and copies.pulls.claim(c.name, c.url, now, delay)]
    if not due:
        return []
    reports = asyncio.run(_pull(copies, cfg, due, clock))
    done = clock()
    for rep in reports:
        if rep.ok:
            copies.pulls.save(rep.name, stale=0, error="", last_success=done, clock_offset=rep.clock_offset,
                              suspect=int(rep.suspect))
        else:
            copies.pulls.save(rep.name, stale=1, error=rep.error[:1000])
    return reports


def query_alarms(copies: FedAlarmStore, cfg: FederationConfig, query: AlarmQuery,
                 delay: float = DEFAULT_MAX_ALARM_UPDATE_DELAY,
                 clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """``{"alarms": [...], "warnings": [...], "pulled": [children]}``, pulling only what is due."""
    known = [c.name for c in cfg.children]
    if query.children is not None:
        unknown = sorted(set(query.children) - set(known))
        if unknown:
            raise ValueError("unknown children %s (configured: %s)" % (", ".join(unknown), ", ".join(known)))
    names = [n for n in known if query.children is None or n in query.children]
    reports = refresh_alarms(copies, cfg, delay, names, clock)
    rows = copies.pulls.all()
    warnings = []
    for name in names:
        row = rows.get(name) or {}
        if row.get("stale"):
            warnings.append("federation child %s: alarm pull failed (%s); its last known alarms are returned, "
                            "marked stale" % (name, row.get("error")))
        if row.get("suspect"):
            offset_ms = float(row.get("clock_offset") or 0) * 1000
            warnings.append("federation child %s: clock differs from the master's by %.0f ms (more than %.0f): its "
                            "alarms are flagged clock_suspect" % (name, offset_ms, cfg.max_system_time_difference))
    glob = query.device is not None and any(ch in query.device for ch in "*?[")
    cleared = None if query.state == "all" else query.state == "cleared"
    out = []
    for alarm in copies.select(names, None if glob or query.device is None else query.device, cleared,
                               query.severities()):
        if glob and not fnmatch.fnmatchcase(alarm["device"], str(query.device)):
            continue
        if query.type is not None and alarm.get("type") != query.type:
            continue
        row = rows.get(alarm["child"]) or {}
        alarm["stale"], alarm["clock_suspect"] = bool(row.get("stale")), bool(row.get("suspect"))
        out.append(alarm)
    out.sort(key=lambda a: (severity_rank(a["severity"]), -float(a.get("raised_at") or 0), a["child"], a["id"]))
    return {"alarms": out, "warnings": warnings, "pulled": [r.name for r in reports]}
