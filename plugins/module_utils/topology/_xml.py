# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stored configurations into interface records (Junos and ietf-interfaces).

Remote XML is untrusted: it is parsed by the one safe parser, :mod:`common.xml`.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.common import xml
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import UnsafeXMLError, XMLError, local_name
from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import TopologyError

IETF_IF = "{urn:ietf:params:xml:ns:yang:ietf-interfaces}"
IETF_IP = "{urn:ietf:params:xml:ns:yang:ietf-ip}"

# Junos interface name prefix -> IANA ifType name.
_JUNOS_TYPES = {
    "ge": "ethernetCsmacd", "xe": "ethernetCsmacd", "et": "ethernetCsmacd", "fe": "ethernetCsmacd",
    "mge": "ethernetCsmacd", "fxp": "ethernetCsmacd", "em": "ethernetCsmacd", "me": "ethernetCsmacd",
    "lo": "softwareLoopback", "ae": "ieee8023adLag", "irb": "l3ipvlan", "vlan": "l3ipvlan",
    "st": "tunnel", "gr": "tunnel", "ip": "tunnel",
}


@dataclass
class Iface:
    """An interface (or Junos logical unit) read from a configuration."""

    name: str
    admin_state: str = "up"
    description: str | None = None
    mtu: int | None = None
    if_type: str | None = None
    parent: str | None = None
    unit: int | None = None
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (family, prefix)
    units: list[Iface] = field(default_factory=list)


# ---------------------------------------------------------------- parsing

def parse_xml(data: str | bytes) -> Any:
    """A stored configuration's root element (:func:`common.xml.parse_xml`).

    ``UnsafeXMLError`` on DTDs and entities, ``TopologyError`` on anything else that is not usable XML.
    """
    try:
        return xml.parse_xml(data)
    except UnsafeXMLError:
        raise
    except XMLError as exc:
        raise TopologyError("configuration %s" % exc) from None


# ---------------------------------------------------------------- helpers

def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if local_name(c.tag) == name]


def _kid(el: Any, name: str) -> Any:
    found = _kids(el, name)
    return found[0] if found else None


def _text(el: Any) -> str | None:
    if el is None or el.text is None:
        return None
    text = el.text.strip()
    return text or None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _inactive(el: Any) -> bool:
    return any(local_name(k) == "inactive" for k in el.attrib)


def normalise_prefix(text: str | None, family: str) -> str | None:
    """``addr/len`` in canonical form, or None when invalid or of the other family."""
    if not text:
        return None
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return None
    if (family == "inet") != (iface.version == 4):
        return None
    return iface.with_prefixlen


# ---------------------------------------------------------------- Junos

def _junos_addresses(unit: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for fam_el in _kids(unit, "family"):
        for family in ("inet", "inet6"):
            for inet in _kids(fam_el, family):
                for addr in _kids(inet, "address"):
                    prefix = normalise_prefix(_text(_kid(addr, "name")), family)
                    if prefix and not _inactive(addr) and (family, prefix) not in out:
                        out.append((family, prefix))
    return out


def junos_interfaces(root: Any) -> list[Iface]:
    """Interfaces of a Junos ``<configuration>`` (root or nested in an rpc-reply)."""
    cfg = next((el for el in root.iter() if local_name(el.tag) == "configuration"), None)
    if cfg is None:
        raise TopologyError("Junos configuration XML has no <configuration> element")
    out: list[Iface] = []
    for ifs in _kids(cfg, "interfaces"):
        if _inactive(ifs):
            continue
        for el in _kids(ifs, "interface"):
            name = _text(_kid(el, "name"))
            if name is None or _inactive(el):
                continue
            phys = Iface(name, "down" if _kid(el, "disable") is not None else "up",
                         _text(_kid(el, "description")), _int(_text(_kid(el, "mtu"))),
                         _JUNOS_TYPES.get(name.split("-", 1)[0].rstrip("0123456789")))
            for unit_el in _kids(el, "unit"):
                unit = _text(_kid(unit_el, "name"))
                if unit is None or _inactive(unit_el):
                    continue
                phys.units.append(Iface(
                    f"{name}.{unit}", "down" if _kid(unit_el, "disable") is not None else "up",
                    _text(_kid(unit_el, "description")), parent=name, unit=_int(unit),
                    addresses=_junos_addresses(unit_el)))
            out.append(phys)
    return out


# ---------------------------------------------------------------- ietf-interfaces (RFC 8343 / 8344)

def _ietf_addresses(el: Any, family: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for addr in el.findall(IETF_IP + "address"):
        ip = _text(addr.find(IETF_IP + "ip"))
        length = _text(addr.find(IETF_IP + "prefix-length")) or _text(addr.find(IETF_IP + "netmask"))
        prefix = normalise_prefix(f"{ip}/{length}" if ip and length else None, family)
        if prefix and (family, prefix) not in out:
            out.append((family, prefix))
    return out


def ietf_interfaces(root: Any) -> list[Iface]:
    """Interfaces of an RFC 6241 ``<data>``/``<config>`` holding ietf-interfaces config."""
    out: list[Iface] = []
    for ifs in root.iter(IETF_IF + "interfaces"):
        for el in ifs.findall(IETF_IF + "interface"):
            name = _text(el.find(IETF_IF + "name"))
            if name is None:
                continue
            enabled = _text(el.find(IETF_IF + "enabled"))
            if_type = _text(el.find(IETF_IF + "type"))
            iface = Iface(name, "down" if enabled == "false" else "up",
                          _text(el.find(IETF_IF + "description")),
                          if_type=if_type.rsplit(":", 1)[-1] if if_type else None)
            for tag, family in (("ipv4", "inet"), ("ipv6", "inet6")):
                ip_el = el.find(IETF_IP + tag)
                if ip_el is None:
                    continue
                if iface.mtu is None:
                    iface.mtu = _int(_text(ip_el.find(IETF_IP + "mtu")))
                iface.addresses.extend(_ietf_addresses(ip_el, family))
            out.append(iface)
    return out
