# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The federation master's merged model: host documents kept up to date from the children's copies.

The merged model is one host document per device (:mod:`.hosts`), updated
only for the devices a cycle touched: a device that only had objects upserted
gets just those objects merged again from every child's copies
(:func:`topology.union`) and patched into its stored document; any other (a
deletion, a child's stale or suspect flag changed, no document yet) is merged
again in full. The store only persists the copies and documents given to it;
reads and writes go in batches (never a query per host).
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store import FedTopologyStore
from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    MergedType,
    TopologyObject,
    TopologyType,
    union,
    union_types,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import object_device
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.hosts import (
    host_document,
    patch_host_document,
)

_BATCH = 500
_MAX_KEYS = 2000  # changed keys per patch query


Touched = dict[str, Optional[set[str]]]  # device -> keys upserted, None: an object was deleted (merge in full)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stored(d: Mapping[str, Any]) -> TopologyObject:
    """An object of a child's copy as stored (validated when it was received: not again)."""
    return TopologyObject(d["type"], d["key"], d["properties"], tuple(d["contains"]), d["version"],
                          float(d["updated_at"]))


def _objects(per: Mapping[str, Mapping[str, list[dict[str, Any]]]]) -> dict[str, dict[str, list[TopologyObject]]]:
    return {d: {c: [_stored(o) for o in objs] for c, objs in children.items()} for d, children in per.items()}


def apply_objects(copies: FedTopologyStore, child: str, objects: Iterable[TopologyObject],
                  deleted: Iterable[str]) -> Touched:
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
        rows.append((obj.key, obj.type, device, obj.version, _json(obj.to_dict())))
    touched.update(dict.fromkeys(copies.apply(child, rows, list(deleted))))
    return touched


def set_type_copies(copies: FedTopologyStore, child: str, types: Iterable[TopologyType]) -> None:
    """Replace the child's copy of its types."""
    copies.set_types(child, [(t.name, t.version, _json(t.to_dict())) for t in types])


def merged_types(copies: FedTopologyStore, stale: Collection[str] = (),
                 suspect: Collection[str] = ()) -> list[MergedType]:
    """The union of every child's types."""
    return union_types({c: [TopologyType.from_dict(t) for t in types] for c, types in copies.type_copies().items()},
                       stale=stale, suspect=suspect)


def merge_hosts(copies: FedTopologyStore, devices: Iterable[str], stale: Collection[str] = (),
                suspect: Collection[str] = (), changed: Mapping[str, Collection[str]] | None = None) -> dict[str, int]:
    """Bring the host documents up to date: ``devices`` in full, ``changed`` (``{device: keys}``) by patch.

    A device of ``changed`` whose stored document cannot be patched (none yet,
    another format, a new interface, ...) is merged in full too.
    """
    counts = {"hosts": 0, "removed": 0, "objects": 0, "patched": 0}
    full = set(devices)
    patch = {d: keys for d, keys in (changed or {}).items() if d not in full}
    if patch:
        full |= _patch(copies, patch, stale, suspect, counts)
    names = sorted(full)
    for i in range(0, len(names), _BATCH):
        chunk = names[i:i + _BATCH]
        per = _objects(copies.copies(chunk))
        upserts, removed = [], []
        for device in chunk:
            merged = union(per[device], stale=stale, suspect=suspect)
            counts["objects"] += len(merged)
            doc = host_document(device, merged) if merged else None
            if doc is None:
                removed.append(device)
            else:
                upserts.append((device, _json(doc)))
        copies.replace_hosts(chunk, upserts)
        counts["hosts"] += len(upserts)
        counts["removed"] += len(removed)
    return counts


def _patch(copies: FedTopologyStore, patch: Mapping[str, Collection[str]], stale: Collection[str],
           suspect: Collection[str], counts: dict[str, int]) -> set[str]:
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
        docs = copies.host_texts(chunk)
        fallback.update(d for d in chunk if d not in docs)
        chunk = [d for d in chunk if d in docs]
        keys = sorted({k for d in chunk for k in patch[d]})
        if not keys:
            continue
        per = _objects(copies.copies(chunk, keys))
        updates = []
        for device in chunk:
            merged = union(per[device], stale=stale, suspect=suspect)
            doc = patch_host_document(json.loads(docs[device]), device, merged)
            if doc is None:
                fallback.add(device)
                continue
            counts["objects"] += len(merged)
            updates.append((device, _json(doc)))
        copies.update_hosts(updates)
        counts["hosts"] += len(updates)
        counts["patched"] += len(updates)
    return fallback
