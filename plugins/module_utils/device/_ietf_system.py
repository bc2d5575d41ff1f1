# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the device package: the hostname of a generic RFC 6241 device from ietf-system.

RFC 7317 puts it at ``/system/hostname`` (configuration). We ask for that one leaf with a
subtree filter on ``running`` when the device says it implements ietf-system: in its hello
(NETCONF 1.0 lists modules there) or, with the YANG library capability (NETCONF 1.1 lists
them only in the library), by trying. A device that refuses or has no hostname leaves the
fact empty; facts are never a reason for an import to fail.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import local_name, parse_xml

SYSTEM_NS = "urn:ietf:params:xml:ns:yang:ietf-system"
FILTER = '<system xmlns="%s"><hostname/></system>' % SYSTEM_NS
MAX_HOSTNAME = 253  # RFC 7317: a domain name


def offers_ietf_system(capabilities: list[str]) -> bool:
    return any(c.startswith(SYSTEM_NS) or "module=ietf-system&" in c or c.endswith("module=ietf-system")
               or c.startswith("urn:ietf:params:netconf:capability:yang-library:") for c in capabilities)


def hostname(manager: Any, capabilities: list[str]) -> Optional[str]:
    """``/system/hostname`` of running, or None (not offered, refused, absent, not a name)."""
    if not offers_ietf_system(capabilities):
        return None
    try:
        reply = manager.get_config(source="running", filter=("subtree", FILTER))
        root = parse_xml(reply.xml)
    except Exception:  # an RPC error, a timeout or a bad reply: the fact stays empty
        return None
    for elem in root.iter():
        if local_name(elem.tag) == "hostname" and (elem.getparent() is not None
                                                   and local_name(elem.getparent().tag) == "system"):
            value = (elem.text or "").strip()
            if value and len(value) <= MAX_HOSTNAME and not any(ch.isspace() for ch in value):
                return value
    return None
