# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master side: metric pull on demand (logic of the ``netsync.fleet.metrics`` lookup).

For a metric and an object (a device), the master first determines its
*sources*: it asks every child which series it holds for the object
(``/metrics/index``) and keeps, in its store, the children that hold the
metric with the time span of their data. That set is reused for
``metric_source_reuse`` seconds (default 180) by every run, unless the
federation configuration changes (its fingerprint differs); after that the
children are asked again. Then it pulls the points in the period from the
sources whose data begins before the period ends (``/metrics/series``, paged),
and merges them: one series, points deduplicated by time (a child with a
trusted clock wins a tie over a clock-suspect one, then configuration order).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import aiohttp

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.metrics import check_name, merge_columns
from ansible_collections.netsync.fleet.plugins.module_utils.store import FedAlarmStore
from ansible_collections.netsync.fleet.plugins.module_utils.topology import clock_suspect
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import Federation
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.client import (
    ChildClient, ChildError, ChildSpec,
)

DEFAULT_SOURCE_REUSE = 180.0


_NUMBERS = {int, float}


def _numbers(values: Any) -> bool:
    """A list of JSON numbers only (``bool`` is its own type: refused); one C-level pass."""
    return isinstance(values, list) and set(map(type, values)) <= _NUMBERS


@dataclass
class SeriesPull:
    name: str
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    error: str = ""
    suspect: bool = False
    requests: int = 0


def _bad(value: Any) -> bool:
    return not isinstance(value, (int, float)) or isinstance(value, bool)


async def _probe(client: ChildClient, name: str, obj: str, max_diff: float,
                 clock: Callable[[], float]) -> dict[str, Any]:
    t0 = clock()
    doc = await client.call("GET", "/metrics/index", params={"object": obj, "name": name})
    t1 = clock()
    series = doc.get("series")
    if not isinstance(series, list):
        raise ChildError("malformed", "/metrics/index: no series list")
    out: dict[str, Any] = {"holds": False}
    server_time: Any = doc.get("server_time")
    if not _bad(server_time):
        out["suspect"] = clock_suspect(float(server_time), (t0 + t1) / 2.0, max_diff)
    for item in series:
        if isinstance(item, dict) and item.get("name") == name and not _bad(item.get("first")) \
                and not _bad(item.get("last")):
            out.update(holds=True, first=float(item["first"]), last=float(item["last"]))
    return out


async def _series(client: ChildClient, name: str, obj: str, start: float, end: float, pull: SeriesPull) -> None:
    params: dict[str, Any] = {"name": name, "object": obj, "start": repr(start), "end": repr(end)}
    while True:
        doc = await client.call("GET", "/metrics/series", params=params)
        times: Any = doc.get("times")
        values: Any = doc.get("values")
        if not _numbers(times) or not _numbers(values) or len(times) != len(values):
            raise ChildError("malformed", "/metrics/series: times and values must be lists of numbers of one length")
        pull.times += times
        pull.values += values
        nxt: Any = doc.get("next")
        if not doc.get("more") or _bad(nxt):
            return
        params["after"] = repr(float(nxt))


async def _run(specs: Sequence[ChildSpec], timeout: float, work: Callable[[ChildClient], Any]) -> list[Any]:
    async with aiohttp.ClientSession() as session:
        async def one(spec: ChildSpec) -> Any:
            client = ChildClient(spec, session, timeout)
            try:
                return await work(client)
            except ChildError as exc:
                return exc
            except Exception as exc:  # noqa: BLE001 - one child must not stop the others
                if is_internal_error(exc):  # a bug in our code is not the child's fault: it goes up
                    raise
                return ChildError("internal", "%s: %s" % (type(exc).__name__, exc))
        return list(await asyncio.gather(*(one(s) for s in specs)))


def sources(copies: FedAlarmStore, fed: Federation, name: str, obj: str, reuse: float = DEFAULT_SOURCE_REUSE,
            clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """The children holding ``name`` for ``obj``: reused from the store, else determined now."""
    now = clock()
    cached = copies.metric_sources(name, obj)
    if cached is not None and cached["config"] == fed.fingerprint and 0 <= now - cached["determined_at"] < reuse:
        return dict(cached["sources"], reused=True, determined_at=cached["determined_at"])
    cfg = fed.config
    found = asyncio.run(_run(cfg.children, cfg.timeout,
                             lambda c: _probe(c, name, obj, cfg.max_system_time_difference, clock)))
    held: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for spec, res in zip(cfg.children, found, strict=True):
        if isinstance(res, ChildError):
            failed[spec.name] = str(res)
        elif res["holds"]:
            held[spec.name] = {"first": res["first"], "last": res["last"], "suspect": bool(res.get("suspect"))}
    doc = {"children": held, "failed": failed}
    copies.save_metric_sources(name, obj, fed.fingerprint, now, doc)
    return dict(doc, reused=False, determined_at=now)


def query_metric(copies: FedAlarmStore, fed: Federation, name: str, obj: str, start: float, end: float,
                 reuse: float = DEFAULT_SOURCE_REUSE, clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """One merged series of ``name`` for ``obj`` in ``[start, end]`` from the children that hold it."""
    check_name(name)
    src = sources(copies, fed, name, obj, reuse, clock)
    warnings = ["federation child %s: cannot tell whether it holds %s of %s (%s)" % (c, name, obj, err)
                for c, err in sorted(src["failed"].items())]
    chosen = [c for c in fed.config.children if c.name in src["children"]
              and float(src["children"][c.name]["first"]) <= end]
    pulls = {c.name: SeriesPull(c.name, suspect=bool(src["children"][c.name].get("suspect"))) for c in chosen}

    async def work(client: ChildClient) -> None:
        pull = pulls[client.spec.name]
        try:
            await _series(client, name, obj, start, end, pull)
        finally:
            pull.requests = client.traffic.requests

    results = asyncio.run(_run(chosen, fed.config.timeout, work)) if chosen else []
    for spec, res in zip(chosen, results, strict=True):
        if isinstance(res, ChildError):
            pulls[spec.name].error = str(res)
            warnings.append("federation child %s: %s of %s not pulled (%s); the series lacks its points"
                            % (spec.name, name, obj, res))
    suspect = sorted(n for n, p in pulls.items() if p.suspect)
    for child in suspect:
        warnings.append("federation child %s: clock differs from the master's; its points are suspect" % child)
    good = {n: (p.times, p.values) for n, p in pulls.items() if not p.error}
    prefer = [n for n in good if n not in suspect] + [n for n in good if n in suspect]
    merged = merge_columns(good, prefer)
    return {"name": name, "object": obj, "start": start, "end": end,
            "points": [[t, v] for t, v in merged], "sources": sorted(good), "missing": sorted(set(pulls) - set(good)),
            "clock_suspect": suspect, "sources_reused": src["reused"], "sources_determined_at": src["determined_at"],
            "warnings": warnings}


def metric_query(copies: FedAlarmStore, fed: Federation, names: Sequence[str], obj: str, start: float, end: float,
                 reuse: Optional[float] = None, clock: Callable[[], float] = time.time) -> list[dict[str, Any]]:
    """``query_metric`` for each name (the lookup's terms)."""
    value = DEFAULT_SOURCE_REUSE if reuse is None else reuse
    return [query_metric(copies, fed, n, obj, start, end, value, clock) for n in names]
