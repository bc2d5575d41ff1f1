# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Derivation of topology objects from one stored device snapshot."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import (
    ADDRESS,
    DEVICE,
    INTERFACE,
    TopologyError,
    TopologyObject,
    make_key,
    make_object,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology._cli import CLI_PLATFORMS, cli_interfaces
from ansible_collections.netsync.fleet.plugins.module_utils.topology._xml import (
    Iface,
    ietf_interfaces,
    junos_interfaces,
    parse_xml,
)

PLATFORMS = ("junos", "netconf") + CLI_PLATFORMS
_FACTS = ("hostname", "model", "version", "serial")


def device_key(device: str) -> str:
    return make_key(DEVICE, device)


def interface_key(device: str, interface: str) -> str:
    return make_key(INTERFACE, device, interface)


def address_key(device: str, interface: str, prefix: str) -> str:
    return make_key(ADDRESS, device, interface, prefix)


def _facts(device: Mapping[str, Any]) -> Mapping[str, Any]:
    facts = device.get("facts") or {}
    if isinstance(facts, str):  # a store row may keep facts as JSON text
        try:
            facts = json.loads(facts)
        except ValueError:
            facts = {}
    return facts if isinstance(facts, Mapping) else {}


def _epoch(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _device_properties(device: Mapping[str, Any], platform: str, site: str) -> dict[str, Any]:
    name = str(device["name"])
    props: dict[str, Any] = {"name": name, "platform": platform, "site": site}
    facts = _facts(device)
    for fact in _FACTS:
        value = facts.get(fact)
        if value is not None and value != "":
            props[fact] = str(value)
    if device.get("managed_status"):
        props["managed_status"] = str(device["managed_status"])
    last = _epoch(device.get("last_synced"))
    if last is not None:
        props["last_synced"] = last
    return props


def _interface_objects(dev: str, iface: Iface, at: float, out: dict[str, TopologyObject]) -> str:
    """Add ``iface`` (and its units and addresses) to ``out``; return its key."""
    key = interface_key(dev, iface.name)
    if key in out:  # duplicate name in a (broken) configuration: first one wins
        return key
    props: dict[str, Any] = {"device": dev, "name": iface.name, "admin_state": iface.admin_state}
    for prop, value in (("description", iface.description), ("mtu", iface.mtu), ("type", iface.if_type),
                        ("parent", iface.parent), ("unit", iface.unit)):
        if value is not None:
            props[prop] = value
    contains: list[str] = []
    for family, prefix in iface.addresses:
        akey = address_key(dev, iface.name, prefix)
        out.setdefault(akey, make_object(ADDRESS, akey, {"device": dev, "interface": iface.name,
                                                         "family": family, "prefix": prefix}, (), at))
        contains.append(akey)
    contains.extend(_interface_objects(dev, unit, at, out) for unit in iface.units)
    out[key] = make_object(INTERFACE, key, props, contains, at)
    return key


def derive(device: Mapping[str, Any], platform: str, config_xml: str | bytes | None, site: str,
           *, updated_at: float | None = None) -> list[TopologyObject]:
    """Objects of one device snapshot, sorted by key.

    ``updated_at`` defaults to the row's ``last_synced`` (0.0 when absent);
    an empty or missing ``config_xml`` yields the Device object only. Raises
    :class:`TopologyError` on bad input, :class:`UnsafeXMLError` on DTDs.
    """
    if platform not in PLATFORMS:
        raise TopologyError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")
    if not device.get("name"):
        raise TopologyError("device row has no name")
    dev = str(device["name"])
    if updated_at is None:
        updated_at = _epoch(device.get("last_synced")) or 0.0
    ifaces: list[Iface] = []
    if platform in CLI_PLATFORMS and config_xml:  # CLI text as read (only interfaces are used)
        ifaces = cli_interfaces(config_xml.decode() if isinstance(config_xml, bytes) else config_xml, platform)
    elif config_xml and config_xml.strip():
        root = parse_xml(config_xml)
        ifaces = junos_interfaces(root) if platform == "junos" else ietf_interfaces(root)
    out: dict[str, TopologyObject] = {}
    top = [_interface_objects(dev, iface, updated_at, out) for iface in ifaces]
    dkey = device_key(dev)
    out[dkey] = make_object(DEVICE, dkey, _device_properties(device, platform, site), top, updated_at)
    return [out[k] for k in sorted(out)]


def carry_forward(new: Iterable[TopologyObject], previous: Iterable[TopologyObject]) -> list[TopologyObject]:
    """Keep the previous ``updated_at`` of objects whose version did not change.

    Call with a fresh :func:`derive` result and the stored objects so that
    ``updated_at`` means "content last changed" (what the union compares and
    what a child's changes-since-cursor uses).
    """
    old = {o.key: o for o in previous}
    out: list[TopologyObject] = []
    for obj in new:
        prev = old.get(obj.key)
        if prev is not None and prev.type == obj.type and prev.version == obj.version:
            obj = TopologyObject(obj.type, obj.key, obj.properties, obj.contains, obj.version, prev.updated_at)
        out.append(obj)
    return out
