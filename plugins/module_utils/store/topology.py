# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site topology role of the store: the topology objects a child server serves.

Objects are stored as given (JSON text) by :mod:`topology.refresh`, which derives
them from the snapshots. Every write of an object takes the next sequence
number of ``topo_meta``; vanished objects become tombstones (``deleted = 1``)
with a sequence number of their own, so a cursor (the highest sequence a
reader has seen) gives every change since. ``topo_sources`` keeps the
fingerprint each device's objects were derived from.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._meta import Meta

UPSERT_OBJECT = (
    "INSERT INTO topo_objects (key, type, device, version, updated_at, seq, deleted, body) "
    "VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (key) DO UPDATE SET type = excluded.type, "
    "device = excluded.device, version = excluded.version, updated_at = excluded.updated_at, "
    "seq = excluded.seq, deleted = 0, body = excluded.body")

ObjectRow = tuple[str, str, str, float, str]  # key, type, version, updated_at, body (JSON text)


class TopologyStore:
    """The site's topology objects and types, with their change sequence."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock
        self.meta = Meta(db, "topo_meta")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several calls as one write transaction (a device's read-compare-write)."""
        with self.db.transaction():
            yield

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
    def device_objects(self, device: str) -> list[dict[str, Any]]:
        """The device's live objects as stored (decoded JSON)."""
        rows = self.db.query("SELECT body FROM topo_objects WHERE device = ? AND deleted = 0", (device,))
        return [json.loads(r["body"]) for r in rows]

    def write_objects(self, device: str, changed: Sequence[ObjectRow], gone: Sequence[str]) -> None:
        """Store ``changed`` objects of ``device`` and make ``gone`` keys tombstones, each with a new sequence."""
        if not changed and not gone:
            return
        with self.db.transaction():
            seq = self._next_seqs(len(changed) + len(gone))
            self.db.executemany(UPSERT_OBJECT, [(key, typ, device, version, at, seq + i, body)
                                                for i, (key, typ, version, at, body) in enumerate(changed)])
            seq += len(changed)
            self.db.executemany("UPDATE topo_objects SET deleted = 1, seq = ? WHERE key = ?",
                                [(seq + i, k) for i, k in enumerate(gone)])

    def sources(self) -> dict[str, str]:
        """``{device: fingerprint}`` of what each device's objects were derived from."""
        return {r["device"]: r["fingerprint"] for r in self.db.query("SELECT device, fingerprint FROM topo_sources")}

    def set_source(self, device: str, fingerprint: str | None) -> None:
        """Record (``None``: forget) the fingerprint the device's objects were derived from."""
        with self.db.transaction():
            self.db.execute("DELETE FROM topo_sources WHERE device = ?", (device,))
            if fingerprint is not None:
                self.db.execute("INSERT INTO topo_sources (device, fingerprint) VALUES (?, ?)", (device, fingerprint))

    def type_versions(self) -> dict[str, str]:
        return {r["name"]: r["version"] for r in self.db.query("SELECT name, version FROM topo_types")}

    def write_types(self, rows: Sequence[tuple[str, str, str]], now: float) -> None:
        """Store types ``(name, version, body)``, each with a new sequence."""
        if not rows:
            return
        with self.db.transaction():
            seq = self._next_seqs(len(rows))
            for i, (name, version, body) in enumerate(rows):
                self.db.execute("DELETE FROM topo_types WHERE name = ?", (name,))
                self.db.execute("INSERT INTO topo_types (name, version, updated_at, seq, body) "
                                "VALUES (?, ?, ?, ?, ?)", (name, version, now, seq + i, body))

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
