# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master side: one topology sync cycle over every child, into the master's store.

Per child, concurrently: server time (clock check), types, then objects —
``changes`` since the stored cursor (everything the first time), or, when the
child says the cursor or its history expired, its full index diffed against
the master's copy and only the differing objects fetched. Pages are applied
to the master's copy as they arrive. A child that fails keeps its last copy,
marked stale. Then the host documents of the touched devices are brought
up to date (:func:`.merge.merge_hosts`): only the changed objects of a device that
had upserts only, the whole device otherwise.

A cycle stopped part-way (killed, or an exception) loses no host: the store
marks each device whose objects it changes as pending, in the transaction of
the change, and clears the mark in the transaction that writes its host
document. The next cycle merges the pending devices in full, besides what it
pulls, so it leaves exactly the documents an uninterrupted cycle would. The
cursors still advance page by page: the next cycle stays incremental.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.store import FedTopologyStore

from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    TopologyError,
    TopologyObject,
    TopologyType,
    clock_suspect,
    diff,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import FederationConfig
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.merge import (
    apply_objects,
    merge_hosts,
    set_type_copies,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.client import (
    ChildClient,
    ChildError,
    Traffic,
)

PATCH_MAX_KEYS = 8  # changed objects of one device up to which the cycle patches its host document


@dataclass
class ChildReport:
    name: str
    ok: bool = False
    mode: str = ""  # "changes", "full" or "rescope" (topology_queries changed)
    error: str = ""
    kind: str = ""
    fetched: int = 0
    deleted: int = 0
    clock_offset: Optional[float] = None
    suspect: bool = False
    traffic: Traffic = field(default_factory=Traffic)
    touched: dict[str, Optional[set[str]]] = field(default_factory=dict)  # device -> keys; None: in full


@dataclass
class CycleReport:
    children: dict[str, ChildReport]
    merged: dict[str, int]
    seconds: float
    warnings: list[str]

    @property
    def bytes(self) -> int:
        return sum(r.traffic.bytes for r in self.children.values())


def refresh_due(copies: FedTopologyStore, config: FederationConfig, now: float) -> bool:
    """True when a child is new or its last pull is older than ``refresh_interval``.

    A cycle stopped part-way saves no ``last_pull``: the next run is due as the stopped one was.
    (Pending devices alone do not make a cycle due: a cycle under way in another process has some.)
    """
    state = copies.pulls.all()
    for spec in config.children:
        row = state.get(spec.name)
        if row is None or row["last_pull"] is None or now - float(row["last_pull"]) >= config.refresh_interval:
            return True
    return set(state) - {c.name for c in config.children} != set()


def _add_touched(into: dict[str, Optional[set[str]]], new: Mapping[str, Optional[set[str]]]) -> None:
    """Accumulate ``{device: upserted keys or None (merge in full)}``.

    A device with more than ``PATCH_MAX_KEYS`` changed objects is merged in full:
    patching most of a device costs as much, and the first cycle keeps no key sets.
    """
    for device, keys in new.items():
        current = into.get(device, set()) if keys is not None else None
        if current is not None:
            current.update(keys or ())
            if len(current) > PATCH_MAX_KEYS:
                current = None
        into[device] = current


def _objects(doc: Mapping[str, Any], what: str) -> list[TopologyObject]:
    raw = doc.get("objects")
    if not isinstance(raw, list):
        raise ChildError("malformed", "%s: no list of objects" % what)
    try:
        return [TopologyObject.from_dict(o) for o in raw]
    except TopologyError as exc:
        raise ChildError("malformed", "%s: %s" % (what, exc)) from exc


class _Puller:
    """Pulls one child into the master's copy (store calls serialised by ``lock``)."""

    def __init__(self, copies: FedTopologyStore, config: FederationConfig, client: ChildClient, lock: asyncio.Lock,
                 clock: Callable[[], float]) -> None:
        self.copies, self.config, self.client, self.lock, self.clock = copies, config, client, lock, clock
        self.name = client.spec.name
        self.report = ChildReport(self.name, traffic=client.traffic)
        self.scope = config.scope_key()
        self._kept: set[str] = set()  # keys upserted in this pull (rescope: the rest leaves the copy)

    def _stamp(self, epoch: str) -> str:
        """The epoch as saved: the child's epoch and the scope it was pulled with (``epoch#scope``)."""
        return "%s#%s" % (epoch, self.scope)

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        async with self.lock:
            return fn(*args, **kwargs)

    async def _apply(self, objects: list[TopologyObject], deleted: list[str]) -> None:
        keep = [o for o in objects if self.config.in_scope(o)]
        drop = deleted + [o.key for o in objects if not self.config.in_scope(o)]
        self.report.fetched += len(keep)
        self._kept.update(o.key for o in keep)
        self.report.deleted += len(deleted)
        self.client.traffic.objects += len(objects)
        self.client.traffic.deleted += len(deleted)
        _add_touched(self.report.touched, await self._db(apply_objects, self.copies, self.name, keep, drop))

    async def run(self, state: Optional[Mapping[str, Any]]) -> None:
        t0 = self.clock()
        doc = await self.client.call("GET", "/time")
        t1 = self.clock()
        server_time = doc.get("server_time")
        if not isinstance(server_time, (int, float)) or isinstance(server_time, bool):
            raise ChildError("malformed", "/time: no server_time")
        master = (t0 + t1) / 2.0
        self.report.clock_offset = float(server_time) - master
        self.report.suspect = clock_suspect(float(server_time), master, self.config.max_system_time_difference)
        types = await self.client.call("GET", "/topology/types")
        try:
            parsed = [TopologyType.from_dict(t) for t in types.get("types") or []]
        except TopologyError as exc:
            raise ChildError("malformed", "/topology/types: %s" % exc) from exc
        await self._db(set_type_copies, self.copies, self.name, parsed)
        epoch = str(types.get("epoch", ""))
        known, _sep, known_scope = (str(state["epoch"] or "") if state else "").partition("#")
        try:
            if known and known != epoch:  # the child's history restarted: diff by version
                raise ChildError("expired", "new epoch")
            if known and known_scope != self.scope:  # topology_queries changed since the last pull
                await self._rescope(epoch, str(state["epoch"]) if state else "")
            else:
                await self._changes(epoch, int(state["cursor"]) if state and known else 0)
        except ChildError as exc:
            if exc.kind != "expired":
                raise
            await self._full()

    async def _changes(self, epoch: str, cursor: int, stamp: Optional[str] = None) -> None:
        """Follow the cursor, page by page (everything when the cursor is 0); each page's cursor is
        saved with ``stamp`` (default: this epoch and scope)."""
        self.report.mode = "changes"
        params: dict[str, Any] = {"since": cursor, "limit": self.config.page_size, "epoch": epoch}
        if self.config.server_types():
            params["types"] = ",".join(self.config.server_types())
        while True:
            page = await self.client.call("GET", "/topology/changes", params=params)
            deleted = page.get("deleted") or []
            if not isinstance(deleted, list) or not all(isinstance(d, dict) and isinstance(d.get("key"), str)
                                                        for d in deleted):
                raise ChildError("malformed", "/topology/changes: bad deleted list")
            await self._apply(_objects(page, "/topology/changes"), [d["key"] for d in deleted])
            new_cursor = page.get("cursor")
            if not isinstance(new_cursor, int) or isinstance(new_cursor, bool):
                raise ChildError("malformed", "/topology/changes: no cursor")
            await self._db(self.copies.pulls.save, self.name, epoch=stamp or self._stamp(epoch), cursor=new_cursor)
            if not page.get("more"):
                return
            params["since"] = new_cursor

    async def _full(self) -> None:
        """Full index, diffed by version against the master's copy; fetch only what differs."""
        self.report.mode = "full"
        params: dict[str, Any] = {"limit": self.config.page_size * 10}
        if self.config.server_types():
            params["types"] = ",".join(self.config.server_types())
        child_index: dict[str, str] = {}
        epoch, cursor = "", 0
        while True:
            page = await self.client.call("GET", "/topology/index", params=params)
            rows = page.get("objects")
            if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 3 and
                                                     all(isinstance(x, str) for x in r) for r in rows):
                raise ChildError("malformed", "/topology/index: bad object list")
            if not epoch:
                epoch, cursor = str(page.get("epoch", "")), int(page.get("cursor") or 0)
            child_index.update((key, version) for _type, key, version in rows)
            if not page.get("more"):
                break
            params["after"] = str(page.get("next"))
        plan = diff(await self._db(self.copies.index, self.name), child_index)
        await self._apply([], list(plan.delete))
        for i in range(0, len(plan.fetch), self.config.page_size):
            doc = await self.client.call("POST", "/topology/objects",
                                         body={"keys": list(plan.fetch[i:i + self.config.page_size])})
            await self._apply(_objects(doc, "/topology/objects"), [])
        await self._db(self.copies.pulls.save, self.name, epoch=self._stamp(epoch), cursor=cursor)

    async def _rescope(self, epoch: str, old_stamp: str) -> None:
        """``topology_queries`` changed: pull everything now in scope (changes since 0; objects that
        came into scope are fetched although they did not change), then drop from the copy what is
        no longer in scope. Until the pull ends, the old stamp stays: a failed pull is retried."""
        before = set(await self._db(self.copies.index, self.name))
        self._kept = set()
        await self._changes(epoch, 0, stamp=old_stamp)
        self.report.mode = "rescope"
        gone = sorted(before - self._kept)
        if gone:
            await self._apply([], gone)
        await self._db(self.copies.pulls.save, self.name, epoch=self._stamp(epoch))


async def _pull_all(copies: FedTopologyStore, config: FederationConfig, clock: Callable[[], float]
                    ) -> dict[str, ChildReport]:
    state = copies.pulls.all()
    lock = asyncio.Lock()
    async with aiohttp.ClientSession() as session:
        pullers = [_Puller(copies, config, ChildClient(spec, session, config.timeout), lock, clock)
                   for spec in config.children]

        async def one(p: _Puller) -> None:
            try:
                await p.run(state.get(p.name))
                p.report.ok = True
            except ChildError as exc:
                p.report.error, p.report.kind = str(exc), exc.kind
            except Exception as exc:  # noqa: BLE001 - one child must not stop the others
                if is_internal_error(exc):  # a bug in our code is not the child's fault: it goes up
                    raise
                p.report.error, p.report.kind = "%s: %s" % (type(exc).__name__, exc), "internal"
        await asyncio.gather(*(one(p) for p in pullers))
    return {p.name: p.report for p in pullers}


def run_cycle(copies: FedTopologyStore, config: FederationConfig,
              clock: Callable[[], float] = time.time) -> CycleReport:
    """Pull every child concurrently, then merge the touched devices; returns what happened."""
    start = time.monotonic()
    before = copies.pulls.all()
    pending = copies.pending()  # left unmerged by a cycle stopped part-way: merged in full
    reports = asyncio.run(_pull_all(copies, config, clock))
    now = clock()
    warnings: list[str] = []
    touched: dict[str, Optional[set[str]]] = {}
    for name, rep in reports.items():
        old = before.get(name) or {}
        fields: dict[str, Any] = {"url": next(c.url for c in config.children if c.name == name), "last_pull": now,
                                  "stale": 0 if rep.ok else 1, "error": rep.error[:1000]}
        if rep.ok:
            fields.update(last_success=now, clock_offset=rep.clock_offset, suspect=int(rep.suspect))
            if rep.suspect:
                warnings.append("federation child %s: clock differs from the master's by %.0f ms (more than %.0f): "
                                "its data is marked suspect" % (name, (rep.clock_offset or 0) * 1000,
                                                                config.max_system_time_difference))
        else:
            warnings.append("federation child %s: %s; keeping its last known objects, marked stale"
                            % (name, rep.error))
        _add_touched(touched, rep.touched)
        flipped = int(old.get("stale", 0)) != fields["stale"] or \
            ("suspect" in fields and int(old.get("suspect", 0)) != fields["suspect"]) or not old
        if flipped:  # every device of the child gets its flags again: in full (pending before the flags move)
            devices = copies.child_devices(name)
            copies.mark_pending(devices)
            touched.update(dict.fromkeys(devices))
        copies.pulls.save(name, **fields)
    for gone in set(before) - set(reports):
        touched.update(dict.fromkeys(copies.forget(gone)))
    touched.update(dict.fromkeys(pending))
    after = copies.pulls.all()
    stale = {n for n, r in after.items() if r["stale"]}
    suspect = {n for n, r in after.items() if r["suspect"]}
    merged = merge_hosts(copies, {d for d, keys in touched.items() if keys is None}, stale=stale, suspect=suspect,
                         changed={d: keys for d, keys in touched.items() if keys is not None})
    return CycleReport(reports, merged, time.monotonic() - start, warnings)
