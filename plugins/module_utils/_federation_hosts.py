# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master side: one inventory host document per device from the merged model (pure).

A host document is ``{"name", "vars", "groups"}``: the Device's merged
properties in ``netsync_device``, its interfaces (units included) with their
addresses in ``netsync_interfaces``, objects of other types in
``netsync_objects``, where the data came from in ``netsync_sources`` and the
flags ``netsync_stale`` / ``netsync_clock_suspect``. Groups: ``site_<site>``,
``child_<child>``, ``platform_<platform>``, ``federation_stale`` and
``federation_clock_skew``. Values are remote data: the inventory plugin
marks them unsafe.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils._topology_model import ADDRESS, DEVICE, INTERFACE
from ansible_collections.netsync.fleet.plugins.module_utils._topology_union import MergedObject

STALE_GROUP = "federation_stale"
SKEW_GROUP = "federation_clock_skew"
_BAD = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix: str, value: str) -> str:
    """A safe group name: ``prefix_value`` with anything but letters, digits and ``_`` as ``_``."""
    return _BAD.sub("_", "%s_%s" % (prefix, value))


def host_document(device: str, merged: Iterable[MergedObject]) -> dict[str, Any] | None:
    """The host of ``device`` built from its merged objects; ``None`` without a Device object."""
    dev: MergedObject | None = None
    ifaces: dict[str, dict[str, Any]] = {}
    addresses: list[MergedObject] = []
    others: dict[str, dict[str, Any]] = {}
    sources: set[str] = set()
    stale: set[str] = set()
    suspect: set[str] = set()
    for obj in merged:
        sources.update(obj.sources)
        stale.update(obj.stale_sources)
        suspect.update(obj.suspect_sources)
        if obj.type == DEVICE:
            dev = obj
        elif obj.type == INTERFACE:
            props = {k: v for k, v in obj.properties.items() if k != "device"}
            props["addresses"] = []
            ifaces[str(obj.properties.get("name", obj.key))] = props
        elif obj.type == ADDRESS:
            addresses.append(obj)
        else:
            others.setdefault(obj.type, {})[obj.key] = dict(obj.properties)
    if dev is None:
        return None
    for addr in addresses:
        iface = ifaces.get(str(addr.properties.get("interface")))
        if iface is not None and "prefix" in addr.properties:
            iface["addresses"].append(addr.properties["prefix"])
    for iface in ifaces.values():
        iface["addresses"].sort(key=str)
    hostvars: dict[str, Any] = {
        "netsync_device": dict(dev.properties),
        "netsync_interfaces": dict(sorted(ifaces.items())),
        "netsync_sources": sorted(sources),
        "netsync_stale": bool(stale),
        "netsync_clock_suspect": bool(suspect),
        "netsync_version": dev.version,
        "netsync_updated_at": dev.updated_at,
    }
    if others:
        hostvars["netsync_objects"] = others
    groups = [group_name("child", c) for c in sorted(sources)]
    if isinstance(dev.properties.get("site"), str):
        groups.append(group_name("site", dev.properties["site"]))
    if isinstance(dev.properties.get("platform"), str):
        groups.append(group_name("platform", dev.properties["platform"]))
    if stale:
        groups.append(STALE_GROUP)
    if suspect:
        groups.append(SKEW_GROUP)
    return {"name": device, "vars": hostvars, "groups": groups}
