# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The federation master's inventory host documents: one per device from the merged model (pure).

A host document is ``{"name", "vars", "groups", "format"}``: the Device's
merged properties in ``netsync_device``, its interfaces (units included) by
name, each with its other properties and its address prefixes, in
``netsync_interfaces``, objects of other types in ``netsync_objects``, where
the data came from in ``netsync_sources`` and the flags ``netsync_stale`` /
``netsync_clock_suspect``. Groups: ``site_<site>``, ``child_<child>``,
``platform_<platform>``, ``federation_stale`` and ``federation_clock_skew``.
Values are remote data: the inventory plugin never trusts them as templates.

:func:`patch_host_document` updates a stored document with merged objects
that changed (the incremental cycle), giving the same document as
:func:`host_document` over the whole merged set, or ``None`` when it cannot
(a deletion, a new interface, a key that does not match its properties):
then the caller merges the device in full.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    ADDRESS,
    DEVICE,
    INTERFACE,
    MergedObject,
    make_key,
)

STALE_GROUP = "federation_stale"
SKEW_GROUP = "federation_clock_skew"
FORMAT = 2  # of the stored document; a document of another format is merged in full
_BAD = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix: str, value: str) -> str:
    """A safe group name: ``prefix_value`` with anything but letters, digits and ``_`` as ``_``."""
    return _BAD.sub("_", "%s_%s" % (prefix, value))


def _iface_name(obj: MergedObject) -> str:
    return str(obj.properties.get("name", obj.key))


def _iface_vars(obj: MergedObject, addresses: list[Any]) -> dict[str, Any]:
    """An interface's variables: its properties but ``device`` and ``name`` (the key), and addresses."""
    out = {k: v for k, v in obj.properties.items() if k not in ("device", "name")}
    out["addresses"] = addresses
    return out


def regular(device: str, obj: MergedObject) -> bool:
    """True when the object's key is the one its properties give (so a patch can find its place)."""
    props = obj.properties
    if obj.type == DEVICE:
        return obj.key == make_key(DEVICE, device)
    if obj.type == INTERFACE:
        return obj.key == make_key(INTERFACE, device, _iface_name(obj))
    if obj.type == ADDRESS:
        iface, prefix = props.get("interface"), props.get("prefix")
        return isinstance(iface, str) and isinstance(prefix, str) and \
            obj.key == make_key(ADDRESS, device, iface, prefix)
    return True


def _groups(sources: Iterable[str], device: dict[str, Any], stale: bool, suspect: bool) -> list[str]:
    groups = [group_name("child", c) for c in sorted(sources)]
    if isinstance(device.get("site"), str):
        groups.append(group_name("site", device["site"]))
    if isinstance(device.get("platform"), str):
        groups.append(group_name("platform", device["platform"]))
    if stale:
        groups.append(STALE_GROUP)
    if suspect:
        groups.append(SKEW_GROUP)
    return groups


def host_document(device: str, merged: Iterable[MergedObject]) -> dict[str, Any] | None:
    """The host of ``device`` built from its merged objects; ``None`` without a Device object."""
    dev: MergedObject | None = None
    ifaces: dict[str, dict[str, Any]] = {}
    addresses: list[MergedObject] = []
    others: dict[str, dict[str, Any]] = {}
    sources: set[str] = set()
    stale = suspect = False
    is_regular = True
    for obj in merged:
        sources.update(obj.sources)
        stale = stale or bool(obj.stale_sources)
        suspect = suspect or bool(obj.suspect_sources)
        is_regular = is_regular and regular(device, obj)
        if obj.type == DEVICE:
            dev = obj
        elif obj.type == INTERFACE:
            ifaces[_iface_name(obj)] = _iface_vars(obj, [])
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
        "netsync_stale": stale,
        "netsync_clock_suspect": suspect,
        "netsync_version": dev.version,
        "netsync_updated_at": dev.updated_at,
    }
    if others:
        hostvars["netsync_objects"] = others
    doc: dict[str, Any] = {"name": device, "vars": hostvars, "groups": _groups(sources, dev.properties, stale, suspect),
                           "format": FORMAT}
    if not is_regular:
        doc["irregular"] = True
    return doc


def patch_host_document(doc: dict[str, Any], device: str, changed: Iterable[MergedObject]) -> dict[str, Any] | None:
    """``doc`` (modified in place) with the merged objects that were upserted; ``None`` if it cannot be patched.

    Valid only when no object of the device was deleted and no child's stale or
    suspect flag changed since ``doc`` was made (the caller merges in full then).
    """
    if doc.get("format") != FORMAT or doc.get("irregular") or doc.get("name") != device:
        return None
    hostvars = doc["vars"]
    ifaces: dict[str, dict[str, Any]] = hostvars["netsync_interfaces"]
    sources = set(hostvars["netsync_sources"])
    stale, suspect = bool(hostvars["netsync_stale"]), bool(hostvars["netsync_clock_suspect"])
    addresses: list[MergedObject] = []
    for obj in changed:
        if not regular(device, obj):
            return None
        sources.update(obj.sources)
        stale = stale or bool(obj.stale_sources)
        suspect = suspect or bool(obj.suspect_sources)
        if obj.type == DEVICE:
            hostvars.update(netsync_device=dict(obj.properties), netsync_version=obj.version,
                            netsync_updated_at=obj.updated_at)
        elif obj.type == INTERFACE:
            old = ifaces.get(_iface_name(obj))
            if old is None:  # a new interface: addresses already stored may belong to it
                return None
            ifaces[_iface_name(obj)] = _iface_vars(obj, old["addresses"])
        elif obj.type == ADDRESS:
            addresses.append(obj)
        else:
            hostvars.setdefault("netsync_objects", {}).setdefault(obj.type, {})[obj.key] = dict(obj.properties)
    for addr in addresses:  # regular: the key holds interface and prefix, so a known prefix is this object
        iface = ifaces.get(addr.properties["interface"])
        if iface is not None and addr.properties["prefix"] not in iface["addresses"]:
            iface["addresses"].append(addr.properties["prefix"])
            iface["addresses"].sort(key=str)
    hostvars.update(netsync_sources=sorted(sources), netsync_stale=stale, netsync_clock_suspect=suspect)
    doc["groups"] = _groups(sources, hostvars["netsync_device"], stale, suspect)
    return doc
