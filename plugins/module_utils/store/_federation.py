# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the master side of federation in the store (a mixin of ``Store``).

Per child: its state (epoch, cursor, last pull, clock offset, stale and
suspect flags) and its copy of the objects in scope. The merged model is one
host document per device (``fed_hosts``), updated only for the devices a
cycle touched: a device that only had objects upserted gets just those
objects merged again from every child's copies (:func:`topology.union`) and
patched into its stored document; any other (a deletion, a child's stale or
suspect flag changed, no document yet) is merged again in full.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.topology.hosts import host_document, patch_host_document
from ansible_collections.netsync.fleet.plugins.module_utils.store._db import Database
from ansible_collections.netsync.fleet.plugins.module_utils.store._topology import executemany, object_device
from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    MergedType,
    TopologyObject,
    TopologyType,
    union,
    union_types,
)

_CHILD_FIELDS = ("url", "epoch", "cursor", "last_pull", "last_success", "clock_offset", "stale", "suspect",
                 "error")
_UPSERT = ("INSERT INTO fed_objects (child, key, type, device, version, body) VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (child, key) DO UPDATE SET type = excluded.type, device = excluded.device, "
           "version = excluded.version, body = excluded.body")
_BATCH = 500
_MAX_KEYS = 2000  # changed keys per patch query

Touched = dict[str, Optional[set[str]]]  # device -> keys upserted, None: an object was deleted (merge in full)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stored(body: str) -> TopologyObject:
    """An object of a child's copy as stored (validated when it was received: not again)."""
    d = json.loads(body)
    return TopologyObject(d["type"], d["key"], d["properties"], tuple(d["contains"]), d["version"],
                          float(d["updated_at"]))


class FederationStoreMixin:
    """Master-side federation methods; ``self.db`` and ``self.clock`` come from ``Store``."""

    db: Database
    clock: Callable[[], float]

    # -- children ----------------------------------------------------------------------------
    def fed_children(self) -> dict[str, dict[str, Any]]:
        """Every known child's state row by name."""
        return {r["name"]: r for r in self.db.query("SELECT * FROM fed_children ORDER BY name")}

    def fed_save_child(self, name: str, **fields: Any) -> None:
        """Create or update a child's state (``url``, ``epoch``, ``cursor``, ``last_pull``, ...)."""
        unknown = set(fields) - set(_CHILD_FIELDS)
        if unknown:
            raise ValueError("unknown child fields: %s" % ", ".join(sorted(unknown)))
        with self.db.transaction():
            if not self.db.query("SELECT name FROM fed_children WHERE name = ?", (name,)):
                self.db.execute("INSERT INTO fed_children (name) VALUES (?)", (name,))
            for field, value in fields.items():
                self.db.execute("UPDATE fed_children SET %s = ? WHERE name = ?" % field, (value, name))

    def fed_child_devices(self, child: str) -> set[str]:
        return {r["device"] for r in self.db.query("SELECT DISTINCT device FROM fed_objects WHERE child = ?",
                                                   (child,))}

    def fed_forget_child(self, child: str) -> set[str]:
        """Drop a child's copies and state (it left the configuration); returns the devices touched."""
        with self.db.transaction():
            devices = self.fed_child_devices(child)
            self.db.execute("DELETE FROM fed_objects WHERE child = ?", (child,))
            self.db.execute("DELETE FROM fed_types WHERE child = ?", (child,))
            self.db.execute("DELETE FROM fed_children WHERE name = ?", (child,))
        return devices

    # -- a child's copy ----------------------------------------------------------------------
    def fed_child_index(self, child: str) -> dict[str, str]:
        """``{key: version}`` of the master's copy of one child."""
        return {r["key"]: r["version"] for r in self.db.query("SELECT key, version FROM fed_objects WHERE child = ?",
                                                              (child,))}

    def fed_apply(self, child: str, objects: Iterable[TopologyObject], deleted: Iterable[str]) -> Touched:
        """Upsert fetched objects and drop deleted keys in the child's copy.

        Returns the devices touched: ``{device: keys upserted}``, or ``None`` for
        a device that lost an object (it must be merged in full).
        """
        touched: Touched = {}
        rows = []
        for obj in objects:
            device = object_device(obj.type, obj.key)
            keys = touched.setdefault(device, set())
            if keys is not None:
                keys.add(obj.key)
            rows.append((child, obj.key, obj.type, device, obj.version, _json(obj.to_dict())))
        gone = list(deleted)
        with self.db.transaction():
            for i in range(0, len(gone), _BATCH):
                chunk = gone[i:i + _BATCH]
                marks = ", ".join("?" * len(chunk))
                touched.update((r["device"], None) for r in self.db.query(
                    "SELECT device FROM fed_objects WHERE child = ? AND key IN (%s)" % marks, [child] + chunk))
                self.db.execute("DELETE FROM fed_objects WHERE child = ? AND key IN (%s)" % marks, [child] + chunk)
            executemany(self.db, _UPSERT, rows)
        return touched

    def fed_set_types(self, child: str, types: Iterable[TopologyType]) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM fed_types WHERE child = ?", (child,))
            executemany(self.db, "INSERT INTO fed_types (child, name, version, body) VALUES (?, ?, ?, ?)",
                        [(child, t.name, t.version, _json(t.to_dict())) for t in types])

    def fed_types(self, stale: Collection[str] = (), suspect: Collection[str] = ()) -> list[MergedType]:
        copies: dict[str, list[TopologyType]] = {}
        for row in self.db.query("SELECT child, body FROM fed_types ORDER BY child, name"):
            copies.setdefault(row["child"], []).append(TopologyType.from_dict(json.loads(row["body"])))
        return union_types(copies, stale=stale, suspect=suspect)

    # -- merged model ------------------------------------------------------------------------
    def fed_merge(self, devices: Iterable[str], stale: Collection[str] = (), suspect: Collection[str] = (),
                  changed: Mapping[str, Collection[str]] | None = None) -> dict[str, int]:
        """Bring the host documents up to date: ``devices`` in full, ``changed`` (``{device: keys}``) by patch.

        A device of ``changed`` whose stored document cannot be patched (none yet,
        another format, a new interface, ...) is merged in full too.
        """
        counts = {"hosts": 0, "removed": 0, "objects": 0, "patched": 0}
        full = set(devices)
        patch = {d: keys for d, keys in (changed or {}).items() if d not in full}
        if patch:
            full |= self._fed_patch(patch, stale, suspect, counts)
        names = sorted(full)
        for i in range(0, len(names), _BATCH):
            chunk = names[i:i + _BATCH]
            marks = ", ".join("?" * len(chunk))
            per: dict[str, dict[str, list[TopologyObject]]] = {d: {} for d in chunk}
            for row in self.db.query("SELECT child, device, body FROM fed_objects WHERE device IN (%s)" % marks,
                                     chunk):
                per[row["device"]].setdefault(row["child"], []).append(_stored(row["body"]))
            upserts, removed = [], []
            for device in chunk:
                merged = union(per[device], stale=stale, suspect=suspect)
                counts["objects"] += len(merged)
                doc = host_document(device, merged) if merged else None
                if doc is None:
                    removed.append(device)
                else:
                    upserts.append((device, _json(doc)))
            with self.db.transaction():
                self.db.execute("DELETE FROM fed_hosts WHERE device IN (%s)" % marks, chunk)
                executemany(self.db, "INSERT INTO fed_hosts (device, body) VALUES (?, ?)", upserts)
            counts["hosts"] += len(upserts)
            counts["removed"] += len(removed)
        return counts

    def _fed_patch(self, patch: Mapping[str, Collection[str]], stale: Collection[str], suspect: Collection[str],
                   counts: dict[str, int]) -> set[str]:
        """Merge only the changed objects into the stored documents; returns the devices to merge in full."""
        fallback: set[str] = set()
        names = sorted(patch)
        start = 0
        while start < len(names):
            chunk: list[str] = []
            nkeys = 0
            while start < len(names) and (not chunk or nkeys + len(patch[names[start]]) <= _MAX_KEYS):
                chunk.append(names[start])
                nkeys += len(patch[names[start]])
                start += 1
            marks = ", ".join("?" * len(chunk))
            docs = {r["device"]: r["body"] for r in self.db.query(
                "SELECT device, body FROM fed_hosts WHERE device IN (%s)" % marks, chunk)}
            fallback.update(d for d in chunk if d not in docs)
            chunk = [d for d in chunk if d in docs]
            keys = sorted({k for d in chunk for k in patch[d]})
            if not keys:
                continue
            per: dict[str, dict[str, list[TopologyObject]]] = {d: {} for d in chunk}
            for row in self.db.query("SELECT child, device, body FROM fed_objects WHERE device IN (%s) AND key IN (%s)"
                                     % (", ".join("?" * len(chunk)), ", ".join("?" * len(keys))), chunk + keys):
                per[row["device"]].setdefault(row["child"], []).append(_stored(row["body"]))
            updates = []
            for device in chunk:
                merged = union(per[device], stale=stale, suspect=suspect)
                doc = patch_host_document(json.loads(docs[device]), device, merged)
                if doc is None:
                    fallback.add(device)
                    continue
                counts["objects"] += len(merged)
                updates.append((_json(doc), device))
            with self.db.transaction():
                executemany(self.db, "UPDATE fed_hosts SET body = ? WHERE device = ?", updates)
            counts["hosts"] += len(updates)
            counts["patched"] += len(updates)
        return fallback

    def fed_host_texts(self) -> Iterator[str]:
        """Every host document of the merged model as stored (JSON text), by device name."""
        for row in self.db.query("SELECT body FROM fed_hosts ORDER BY device"):
            yield row["body"]

    def fed_hosts(self) -> Iterator[dict[str, Any]]:
        """Every host document of the merged model, by device name."""
        for row in self.db.query("SELECT body FROM fed_hosts ORDER BY device"):
            yield json.loads(row["body"])
