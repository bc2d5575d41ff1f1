# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's topology objects kept up to date with its devices and snapshots (the child server's refresh).

Objects are derived lazily: a device whose fingerprint (row fields and latest
snapshot version) changed is derived again (:func:`.derive`), and only objects
whose content version changed are written (they get a new sequence number in
the store); objects that vanished become tombstones. Reads the devices role,
writes the topology role of the store.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import UnsafeXMLError
from ansible_collections.netsync.fleet.plugins.module_utils.store import DeviceStore, TopologyStore
from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    PLATFORMS,
    TopologyError,
    TopologyObject,
    builtin_types,
    carry_forward,
    derive,
)


def _fingerprint(row: dict[str, Any], site: str) -> str:
    doc = [site, row["platform"], row["facts"], row["managed_status"], row["last_synced"], row["snap"]]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _body(obj: TopologyObject) -> str:
    return json.dumps(obj.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def put_device_objects(topology: TopologyStore, device: str, objects: Iterable[TopologyObject],
                       fingerprint: str | None = None, forget: bool = False) -> dict[str, int]:
    """Make ``objects`` the device's current objects; only changed versions get a new sequence.

    Objects of the device not in ``objects`` become tombstones; ``fingerprint`` is
    recorded (``forget``: the device's fingerprint is dropped). Returns
    ``{"changed": n, "deleted": m}``.
    """
    with topology.transaction():
        old = {o.key: o for o in (TopologyObject.from_dict(d) for d in topology.device_objects(device))}
        new = {o.key: o for o in carry_forward(objects, old.values())}
        changed = [o for k, o in sorted(new.items()) if k not in old or old[k].version != o.version]
        gone = sorted(set(old) - set(new))
        topology.write_objects(device, [(o.key, o.type, o.version, o.updated_at, _body(o)) for o in changed], gone)
        if fingerprint is not None or forget:
            topology.set_source(device, fingerprint)
    return {"changed": len(changed), "deleted": len(gone)}


def _refresh_types(topology: TopologyStore, now: float) -> None:
    stored = topology.type_versions()
    fresh = [t for t in builtin_types(now) if stored.get(t.name) != t.version]
    topology.write_types([(t.name, t.version, json.dumps(t.to_dict(), sort_keys=True)) for t in fresh], now)


def _derive_device(devices: DeviceStore, row: dict[str, Any], site: str,
                   clock: Callable[[], float]) -> list[TopologyObject]:
    if row["platform"] not in PLATFORMS:
        raise TopologyError("unknown platform %r" % row["platform"])
    config = None if row["snap"] is None else devices.snapshot_config(row["name"], int(row["snap"]))
    device = dict(row)
    device["facts"] = json.loads(row["facts"] or "{}")
    at = device.get("last_synced") or clock()
    return derive(device, row["platform"], config, site, updated_at=float(at))


def refresh_topology(devices: DeviceStore, topology: TopologyStore, site: str) -> dict[str, Any]:
    """Bring the topology objects up to date with the devices and their latest snapshots.

    Returns counts (``devices`` derived again, ``changed`` objects,
    ``deleted`` objects) and ``errors`` ``{device: message}`` for devices
    whose configuration could not be derived (their objects stay as they were).
    """
    start = time.monotonic()
    _refresh_types(topology, topology.clock())
    sources = topology.sources()
    result: dict[str, Any] = {"devices": 0, "changed": 0, "deleted": 0, "errors": {}}
    names = set()
    for row in devices.latest_versions():
        names.add(row["name"])
        fp = _fingerprint(row, site)
        if sources.get(row["name"]) == fp:
            continue
        try:
            objects = _derive_device(devices, row, site, topology.clock)
        except (TopologyError, UnsafeXMLError) as exc:
            result["errors"][row["name"]] = str(exc)
            continue
        counts = put_device_objects(topology, row["name"], objects, fp)
        result["devices"] += 1
        result["changed"] += counts["changed"]
        result["deleted"] += counts["deleted"]
    for device in sorted(set(sources) - names):
        result["deleted"] += put_device_objects(topology, device, [], forget=True)["deleted"]
        result["devices"] += 1
    result["seconds"] = time.monotonic() - start
    return result
