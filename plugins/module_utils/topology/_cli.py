# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interfaces of a CLI configuration (IOS/IOS-XE, NX-OS, IOS-XR, EOS) for the topology.

Private to the topology package. The configuration text is parsed by ``hier_config`` (the
maintained parser of these four platforms' configuration hierarchies; see docs/platforms.md
for why), with the platform's own driver: it knows each platform's indentation, section
ends (``!``, ``exit``, blank lines), comment and header lines. Of its tree we read the
``interface NAME`` sections and, in each, the children ``description``, ``shutdown``,
``mtu`` and the addresses (``ip address A MASK``, ``ip address A/LEN``, ``ipv4 address
A MASK``, ``ipv6 address A/LEN``; ``secondary`` too; ``link-local``, ``dhcp``,
``negotiated`` and ``unnumbered`` have no prefix of their own and are left out).
Everything else is ignored.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import TopologyError
from ansible_collections.netsync.fleet.plugins.module_utils.topology._xml import Iface, normalise_prefix

CLI_PLATFORMS = ("ios", "nxos", "iosxr", "eos")
# our platform -> the name of hier_config's Platform member
_DRIVERS = {"ios": "CISCO_IOS", "nxos": "CISCO_NXOS", "iosxr": "CISCO_XR", "eos": "ARISTA_EOS"}
_NO_PREFIX = frozenset(("link-local", "dhcp", "negotiated", "unnumbered", "autoconfig", "pool"))


def _parse(platform: str, text: str) -> Any:
    try:
        from hier_config import Platform, get_hconfig  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise TopologyError("the topology of %s devices needs the Python package hier_config on the "
                            "controller (pip install hier_config; it is in requirements.txt)" % platform) from exc
    return get_hconfig(getattr(Platform, _DRIVERS[platform]), text)


def _prefix(words: list[str]) -> tuple[str, str] | None:
    """(family, prefix) of the words after ``ip address`` / ``ipv4 address`` / ``ipv6 address``."""
    if not words or any(w.lower() in _NO_PREFIX for w in words):
        return None
    family = "inet6" if ":" in words[0] else "inet"
    text = words[0]
    if "/" not in text:
        if family == "inet6" or len(words) < 2:
            return None
        try:
            text = "%s/%d" % (text, ipaddress.IPv4Network("0.0.0.0/%s" % words[1]).prefixlen)
        except ValueError:
            return None
    prefix = normalise_prefix(text, family)
    return (family, prefix) if prefix else None


def _interface(name: str, children: Any) -> Iface:
    iface = Iface(name=name)
    for child in children:
        line = str(child.text).strip()
        words = line.split()
        if not words:
            continue
        if words[0] == "description" and len(words) > 1:
            iface.description = line[len("description"):].strip()
        elif words == ["shutdown"]:
            iface.admin_state = "down"
        elif words[0] == "mtu" and len(words) == 2 and words[1].isdigit():
            iface.mtu = int(words[1])
        elif words[:2] in (["ip", "address"], ["ipv4", "address"], ["ipv6", "address"]):
            found = _prefix(words[2:])
            if found and found not in iface.addresses:
                iface.addresses.append(found)
    return iface


def cli_interfaces(text: str, platform: str) -> list[Iface]:
    """The interfaces of a ``platform`` configuration, in configuration order."""
    if platform not in _DRIVERS:
        raise TopologyError("no CLI parser for platform %r" % platform)
    out: list[Iface] = []
    for section in _parse(platform, text).children:
        words = str(section.text).split()
        if len(words) == 2 and words[0] == "interface":
            out.append(_interface(words[1], section.children))
    return out
