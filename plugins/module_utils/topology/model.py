# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Topology objects and types: identity keys, content versions, (de)serialisation.

Pure data; see ``topology.py`` for the model description.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEVICE = "Device"
INTERFACE = "Interface"
ADDRESS = "Address"

VERSION_CHARS = 32  # hex digits of sha256 kept in a version (128 bits)


class TopologyError(ValueError):
    """Invalid topology input (bad XML, malformed serialised object, ...)."""


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace(":", "%3A")


def unescape(part: str) -> str:
    """A key part as it was before ``make_key`` escaped it."""
    return part.replace("%3A", ":").replace("%25", "%")


def make_key(type_name: str, *parts: str) -> str:
    """``Type:part1:...:partN``; every part but the last has ``%`` and ``:`` escaped.

    The last part stays raw (IPv6 prefixes, channelised ``xe-0/0/0:1``) and
    the key still splits back unambiguously with :func:`split_key`.
    """
    if not parts:
        raise TopologyError("a key needs at least one part")
    return ":".join([type_name] + [_escape(p) for p in parts[:-1]] + [parts[-1]])


def split_key(key: str, nparts: int) -> tuple[str, list[str]]:
    """Inverse of :func:`make_key` for a key of ``nparts`` parts."""
    pieces = key.split(":", nparts)
    if len(pieces) != nparts + 1:
        raise TopologyError(f"key {key!r} does not have {nparts} parts")
    return pieces[0], [unescape(p) for p in pieces[1:-1]] + [pieces[-1]]


def object_device(type_name: str, key: str) -> str:
    """The device an object belongs to: the first key part (``Device:<name>`` is the name itself)."""
    rest = key[len(type_name) + 1:]
    if type_name == DEVICE:
        return rest
    return unescape(rest.split(":", 1)[0])


def canonical_json(value: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces, no NaN/Infinity)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TopologyError(f"value is not JSON-serialisable: {exc}") from None


def content_version(type_name: str, key: str, properties: Mapping[str, Any], contains: Iterable[str]) -> str:
    """Hash of an object's own content: type, key, properties and the *set* of contained keys."""
    doc = {"type": type_name, "key": key, "properties": dict(properties), "contains": sorted(set(contains))}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()[:VERSION_CHARS]


def type_version(name: str, properties: Mapping[str, Mapping[str, str]]) -> str:
    """Hash of a type's name and property definitions."""
    doc = {"type": "TopologyType", "name": name, "properties": {k: dict(v) for k, v in properties.items()}}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()[:VERSION_CHARS]


# ---------------------------------------------------------------- validation of untrusted dicts

def _req(d: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if name not in d:
        raise TopologyError(f"{what}: missing field {name!r}")
    value = d[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise TopologyError(f"{what}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _timestamp(d: Mapping[str, Any], what: str) -> float:
    value = float(_req(d, "updated_at", (int, float), what)) if "updated_at" in d else 0.0
    if not math.isfinite(value):
        raise TopologyError(f"{what}: updated_at is not finite")
    return value


def _str_list(d: Mapping[str, Any], name: str, what: str) -> tuple[str, ...]:
    values = _req(d, name, (list, tuple), what) if name in d else []
    if not all(isinstance(v, str) for v in values):
        raise TopologyError(f"{what}: {name!r} must be a list of strings")
    return tuple(sorted(set(values)))


def _properties(d: Mapping[str, Any], what: str) -> dict[str, Any]:
    props = _req(d, "properties", dict, what) if "properties" in d else {}
    if not all(isinstance(k, str) for k in props):
        raise TopologyError(f"{what}: property names must be strings")
    canonical_json(props)  # raises on non-JSON values
    return dict(props)


def _definitions(d: Mapping[str, Any], what: str) -> dict[str, dict[str, str]]:
    defs = _req(d, "properties", dict, what) if "properties" in d else {}
    out: dict[str, dict[str, str]] = {}
    for name, spec in defs.items():
        if not isinstance(name, str) or not isinstance(spec, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in spec.items()):
            raise TopologyError(f"{what}: property definition {name!r} must map strings to strings")
        out[name] = dict(spec)
    return out


def _check_key(type_name: str, key: str, what: str) -> None:
    if not type_name or ":" in type_name or not key.startswith(type_name + ":"):
        raise TopologyError(f"{what}: key {key!r} must start with its type {type_name!r} and a colon")


# ---------------------------------------------------------------- objects and types

@dataclass(frozen=True)
class TopologyObject:
    """One versioned topology object. Build with :func:`make_object`."""

    type: str
    key: str
    properties: dict[str, Any]
    contains: tuple[str, ...]
    version: str
    updated_at: float

    @property
    def identity(self) -> tuple[str, str]:
        return (self.type, self.key)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "properties": dict(self.properties),
                "contains": list(self.contains), "version": self.version, "updated_at": self.updated_at}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TopologyObject:
        """Validate and load; keeps the given version (computes it when absent)."""
        if not isinstance(d, Mapping):
            raise TopologyError("topology object: expected a mapping")
        what = "topology object"
        type_name = _req(d, "type", str, what)
        key = _req(d, "key", str, what)
        what = f"topology object {key!r}"
        _check_key(type_name, key, what)
        props = _properties(d, what)
        contains = _str_list(d, "contains", what)
        version = _req(d, "version", str, what) if "version" in d else \
            content_version(type_name, key, props, contains)
        return cls(type_name, key, props, contains, version, _timestamp(d, what))


def make_object(type_name: str, key: str, properties: Mapping[str, Any], contains: Iterable[str],
                updated_at: float) -> TopologyObject:
    """Build an object; ``contains`` is deduplicated and sorted, the version computed."""
    _check_key(type_name, key, "topology object")
    props = dict(properties)
    kids = tuple(sorted(set(contains)))
    return TopologyObject(type_name, key, props, kids, content_version(type_name, key, props, kids),
                          float(updated_at))


@dataclass(frozen=True)
class TopologyType:
    """A topology type: name and property definitions ``{prop: {"type": ..., "description": ...}}``."""

    name: str
    properties: dict[str, dict[str, str]]
    version: str = ""
    updated_at: float = 0.0

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", type_version(self.name, self.properties))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "properties": {k: dict(v) for k, v in self.properties.items()},
                "version": self.version, "updated_at": self.updated_at}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TopologyType:
        if not isinstance(d, Mapping):
            raise TopologyError("topology type: expected a mapping")
        name = _req(d, "name", str, "topology type")
        what = f"topology type {name!r}"
        version = _req(d, "version", str, what) if "version" in d else ""
        return cls(name, _definitions(d, what), version, _timestamp(d, what))


def _p(kind: str, description: str) -> dict[str, str]:
    return {"type": kind, "description": description}


_BUILTIN: dict[str, dict[str, dict[str, str]]] = {
    DEVICE: {
        "name": _p("string", "device name in the store (identity)"),
        "platform": _p("string", "junos or netconf"),
        "hostname": _p("string", "hostname reported by the device"),
        "model": _p("string", "hardware model"),
        "version": _p("string", "software version"),
        "serial": _p("string", "chassis serial number"),
        "managed_status": _p("string", "In Sync, Out of Sync, Synchronizing or Sync Failed"),
        "site": _p("string", "site (child store) that manages the device"),
        "last_synced": _p("float", "epoch seconds of the snapshot the objects were derived from"),
    },
    INTERFACE: {
        "device": _p("string", "device name"),
        "name": _p("string", "interface name; logical units are name.unit"),
        "description": _p("string", "configured description"),
        "admin_state": _p("string", "up or down (configured, not operational)"),
        "mtu": _p("integer", "Junos media MTU, or ietf-ip IPv4 (else IPv6) MTU"),
        "type": _p("string", "IANA ifType name without prefix, e.g. ethernetCsmacd"),
        "parent": _p("string", "physical interface of a logical unit"),
        "unit": _p("integer", "unit number of a logical unit"),
    },
    ADDRESS: {
        "device": _p("string", "device name"),
        "interface": _p("string", "interface (unit) name holding the address"),
        "family": _p("string", "inet or inet6"),
        "prefix": _p("string", "normalised address/prefix-length, e.g. 10.0.0.1/24"),
    },
}


def builtin_types(updated_at: float = 0.0) -> list[TopologyType]:
    """The types :func:`derive` produces objects of, sorted by name."""
    return [TopologyType(name, {k: dict(v) for k, v in props.items()}, updated_at=updated_at)
            for name, props in sorted(_BUILTIN.items())]
