# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site topology role of the store: the topology objects a child server serves.

Topology objects are derived lazily from the stored snapshots by
``refresh(site)``: a device whose fingerprint (row fields and latest
snapshot version) changed is derived again, and only objects whose content
version changed get a new sequence number. Vanished objects become
tombstones (``deleted = 1``) with a sequence number of their own, so a
cursor (the highest sequence a reader has seen) gives every change since.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import UnsafeXMLError
from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._meta import Meta
from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    PLATFORMS,
    TopologyError,
    TopologyObject,
    builtin_types,
    carry_forward,
    derive,
)

UPSERT_OBJECT = (
    "INSERT INTO topo_objects (key, type, device, version, updated_at, seq, deleted, body) "
    "VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (key) DO UPDATE SET type = excluded.type, "
    "device = excluded.device, version = excluded.version, updated_at = excluded.updated_at, "
    "seq = excluded.seq, deleted = 0, body = excluded.body")


def _fingerprint(row: dict[str, Any], site: str) -> str:
    doc = [site, row["platform"], row["facts"], row["managed_status"], row["last_synced"], row["snap"]]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _body(obj: TopologyObject) -> str:
    return json.dumps(obj.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class TopologyStore:
    """The site's topology objects and types, with their change sequence."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock
        self.meta = Meta(db, "topo_meta")

    def _next_seqs(self, count: int) -> int:
        """Reserve ``count`` sequence numbers (in the caller's transaction); returns the first."""
        if self.db.dialect == "postgresql":  # serialise writers so commit order is sequence order
            self.db.query("SELECT pg_advisory_xact_lock(?)", (0x746F706F,))
        return self.meta.reserve(count)

    def cursor(self) -> int:
        """The highest sequence number given so far (0 for an empty store)."""
        return self.meta.cursor()

    def horizon(self) -> int:
        """Cursors below this cannot be followed any more (tombstones were pruned)."""
        return self.meta.horizon()

    def epoch(self) -> str:
        """A random id of this store's topology history; a new one means "start over"."""
        return self.meta.epoch()

    # -- writing ---------------------------------------------------------------------------
    def _stored_objects(self, device: str) -> list[TopologyObject]:
        rows = self.db.query("SELECT body FROM topo_objects WHERE device = ? AND deleted = 0", (device,))
        return [TopologyObject.from_dict(json.loads(r["body"])) for r in rows]

    def put_device_objects(self, device: str, objects: Iterable[TopologyObject],
                           fingerprint: str | None = None) -> dict[str, int]:
        """Make ``objects`` the device's current objects; only changed versions get a new sequence.

        Objects of the device not in ``objects`` become tombstones. Returns
        ``{"changed": n, "deleted": m}``.
        """
        with self.db.transaction():
            old = {o.key: o for o in self._stored_objects(device)}
            new = {o.key: o for o in carry_forward(objects, old.values())}
            changed = [o for k, o in sorted(new.items()) if k not in old or old[k].version != o.version]
            gone = sorted(set(old) - set(new))
            if changed or gone:
                seq = self._next_seqs(len(changed) + len(gone))
                self.db.executemany(UPSERT_OBJECT, [
                    (o.key, o.type, device, o.version, o.updated_at, seq + i, _body(o))
                    for i, o in enumerate(changed)])
                seq += len(changed)
                self.db.executemany("UPDATE topo_objects SET deleted = 1, seq = ? WHERE key = ?",
                            [(seq + i, k) for i, k in enumerate(gone)])
            if fingerprint is not None:
                self.db.execute("DELETE FROM topo_sources WHERE device = ?", (device,))
                self.db.execute("INSERT INTO topo_sources (device, fingerprint) VALUES (?, ?)",
                                (device, fingerprint))
        return {"changed": len(changed), "deleted": len(gone)}

    def _forget_device(self, device: str) -> int:
        with self.db.transaction():
            gone = self.put_device_objects(device, [])["deleted"]
            self.db.execute("DELETE FROM topo_sources WHERE device = ?", (device,))
        return gone

    def _refresh_types(self, now: float) -> None:
        stored = {r["name"]: r["version"] for r in self.db.query("SELECT name, version FROM topo_types")}
        fresh = [t for t in builtin_types(now) if stored.get(t.name) != t.version]
        if not fresh:
            return
        with self.db.transaction():
            seq = self._next_seqs(len(fresh))
            for i, typ in enumerate(fresh):
                self.db.execute("DELETE FROM topo_types WHERE name = ?", (typ.name,))
                self.db.execute("INSERT INTO topo_types (name, version, updated_at, seq, body) "
                                "VALUES (?, ?, ?, ?, ?)", (typ.name, typ.version, now, seq + i,
                                                           json.dumps(typ.to_dict(), sort_keys=True)))

    def refresh(self, site: str) -> dict[str, Any]:
        """Bring the topology objects up to date with the devices and their latest snapshots.

        Returns counts (``devices`` derived again, ``changed`` objects,
        ``deleted`` objects) and ``errors`` ``{device: message}`` for devices
        whose configuration could not be derived (their objects stay as they were).
        """
        start = time.monotonic()
        self._refresh_types(self.clock())
        rows = self.db.query(
            "SELECT d.name, d.platform, d.facts, d.managed_status, d.last_synced, "
            "(SELECT MAX(s.version) FROM snapshots s WHERE s.device = d.name) AS snap FROM devices d")
        sources = {r["device"]: r["fingerprint"] for r in self.db.query("SELECT device, fingerprint FROM topo_sources")}
        result: dict[str, Any] = {"devices": 0, "changed": 0, "deleted": 0, "errors": {}}
        names = set()
        for row in rows:
            names.add(row["name"])
            fp = _fingerprint(row, site)
            if sources.get(row["name"]) == fp:
                continue
            try:
                objects = self._derive_device(row, site)
            except (TopologyError, UnsafeXMLError) as exc:
                result["errors"][row["name"]] = str(exc)
                continue
            counts = self.put_device_objects(row["name"], objects, fp)
            result["devices"] += 1
            result["changed"] += counts["changed"]
            result["deleted"] += counts["deleted"]
        for device in sorted(set(sources) - names):
            result["deleted"] += self._forget_device(device)
            result["devices"] += 1
        result["seconds"] = time.monotonic() - start
        return result

    def _derive_device(self, row: dict[str, Any], site: str) -> list[TopologyObject]:
        if row["platform"] not in PLATFORMS:
            raise TopologyError("unknown platform %r" % row["platform"])
        config = None
        if row["snap"] is not None:
            snap = self.db.query("SELECT config FROM snapshots WHERE device = ? AND version = ?",
                                 (row["name"], row["snap"]))
            config = snap[0]["config"] if snap else None
        device = dict(row)
        device["facts"] = json.loads(row["facts"] or "{}")
        at = device.get("last_synced") or self.clock()
        return derive(device, row["platform"], config, site, updated_at=float(at))

    def prune_tombstones(self, up_to_seq: int) -> int:
        """Drop tombstones with a sequence up to ``up_to_seq``; older cursors then get "expired"."""
        with self.db.transaction():
            count = self.db.execute("DELETE FROM topo_objects WHERE deleted = 1 AND seq <= ?", (int(up_to_seq),))
            self.meta.raise_horizon(int(up_to_seq))
        return count

    # -- reading (what the child server serves) ----------------------------------------------
    def types(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.db.query("SELECT body FROM topo_types ORDER BY name")]

    def changes(self, since: int, limit: int, types: Sequence[str] = ()) -> dict[str, Any]:
        """Objects (and tombstones when ``since`` > 0) with a sequence above ``since``, oldest first.

        Returns ``{"objects": [body text], "deleted": [(type, key)], "cursor": n, "more": bool}``;
        object bodies are JSON text as stored (served without re-encoding).
        """
        top = self.cursor()
        where = "seq > ? AND seq <= ?"
        params: list[Any] = [int(since), top]
        if since <= 0:
            where += " AND deleted = 0"
        if types:
            where += " AND type IN (%s)" % ", ".join("?" * len(types))
            params.extend(types)
        rows = self.db.query("SELECT type, key, seq, deleted, body FROM topo_objects WHERE %s ORDER BY seq LIMIT ?"
                             % where, params + [int(limit) + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = int(rows[-1]["seq"]) if more else top
        return {"objects": [r["body"] for r in rows if not r["deleted"]],
                "deleted": [(r["type"], r["key"]) for r in rows if r["deleted"]],
                "cursor": cursor, "more": more}

    def index(self, after: str, limit: int, types: Sequence[str] = ()) -> list[tuple[str, str, str]]:
        """``(type, key, version)`` of live objects with a key above ``after``, by key."""
        where = "deleted = 0 AND key > ?"
        params: list[Any] = [after]
        if types:
            where += " AND type IN (%s)" % ", ".join("?" * len(types))
            params.extend(types)
        rows = self.db.query("SELECT type, key, version FROM topo_objects WHERE %s ORDER BY key LIMIT ?" % where,
                             params + [int(limit)])
        return [(r["type"], r["key"], r["version"]) for r in rows]

    def objects(self, keys: Sequence[str]) -> list[str]:
        """JSON bodies of the live objects among ``keys`` (unknown keys are left out)."""
        out: list[str] = []
        for i in range(0, len(keys), 500):
            chunk = list(keys[i:i + 500])
            out.extend(r["body"] for r in self.db.query(
                "SELECT body FROM topo_objects WHERE deleted = 0 AND key IN (%s) ORDER BY key"
                % ", ".join("?" * len(chunk)), chunk))
        return out
