# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interfaces of a CLI configuration (IOS/IOS-XE, NX-OS, IOS-XR, EOS) for the topology.

Reads the ``interface NAME`` blocks: ``description``, ``shutdown``, ``mtu``, and the
addresses (``ip address A MASK``, ``ip address A/LEN``, ``ipv4 address A MASK``,
``ipv6 address A/LEN``; ``secondary`` too). Everything else is ignored.
"""
from __future__ import annotations

import ipaddress

from ansible_collections.netsync.fleet.plugins.module_utils.topology._xml import Iface, normalise_prefix

CLI_PLATFORMS = ("ios", "nxos", "iosxr", "eos")


def _prefix(words: list[str]) -> tuple[str, str] | None:
    """(family, prefix) of ``ip address ...`` words after the keyword, or None."""
    if not words:
        return None
    family = "inet6" if ":" in words[0] else "inet"
    text = words[0]
    if "/" not in text and len(words) > 1 and family == "inet":
        try:
            text = "%s/%d" % (text, ipaddress.IPv4Network("0.0.0.0/%s" % words[1]).prefixlen)
        except ValueError:
            return None
    prefix = normalise_prefix(text, family)
    return (family, prefix) if prefix else None


def cli_interfaces(text: str) -> list[Iface]:
    out: list[Iface] = []
    current: Iface | None = None
    for raw in text.splitlines():
        if raw and not raw[0].isspace():
            current = None
            if raw.startswith("interface "):
                current = Iface(name=raw.split(None, 1)[1].strip())
                out.append(current)
            continue
        if current is None:
            continue
        words = raw.split()
        if not words:
            continue
        if words[0] == "description" and len(words) > 1:
            current.description = raw.strip()[len("description "):]
        elif words == ["shutdown"]:
            current.admin_state = "down"
        elif words[0] == "mtu" and len(words) > 1 and words[1].isdigit():
            current.mtu = int(words[1])
        elif words[:2] in (["ip", "address"], ["ipv4", "address"], ["ipv6", "address"]):
            found = _prefix(words[2:])
            if found and found not in current.addresses:
                current.addresses.append(found)
    return out
