"""Generated site data: devices with ietf-interfaces or Junos configurations, written through the Store API."""
from __future__ import annotations

import hashlib
from typing import Any, Iterable
from xml.sax.saxutils import escape


def ietf_config(device: str, ifaces: int, tag: str = "", descriptions: dict[int, str] | None = None) -> str:
    """An RFC 6241 ``<data>`` with ``ifaces`` interfaces, one IPv4 address each."""
    descriptions = descriptions or {}
    parts = ['<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">',
             '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces" '
             'xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">']
    seed = int(hashlib.sha256(device.encode()).hexdigest()[:6], 16)
    for i in range(ifaces):
        desc = descriptions.get(i, "%s eth%d %s" % (device, i, tag))
        parts.append(
            "<interface><name>eth%d</name><description>%s</description><type>ianaift:ethernetCsmacd</type>"
            "<enabled>true</enabled><ipv4 xmlns=\"urn:ietf:params:xml:ns:yang:ietf-ip\"><mtu>1500</mtu>"
            "<address><ip>10.%d.%d.%d</ip><prefix-length>24</prefix-length></address></ipv4></interface>"
            % (i, escape(desc.strip()), (seed >> 16) % 256, (seed >> 8) % 256, (i * 7 + seed) % 250 + 1))
    parts.append("</interfaces></data>")
    return "".join(parts)


def junos_config(device: str, ifaces: int, descriptions: dict[int, str] | None = None) -> str:
    """A Junos ``<configuration>`` with ``ifaces`` ge interfaces, unit 0 and an inet address each."""
    descriptions = descriptions or {}
    parts = ["<configuration><system><host-name>%s</host-name></system><interfaces>" % escape(device)]
    for i in range(ifaces):
        desc = descriptions.get(i, "%s ge-0/0/%d" % (device, i))
        parts.append("<interface><name>ge-0/0/%d</name><description>%s</description><unit><name>0</name>"
                     "<family><inet><address><name>192.0.2.%d/31</name></address></inet></family></unit>"
                     "</interface>" % (i, escape(desc), 2 * i))
    parts.append("</interfaces></configuration>")
    return "".join(parts)


def put_device(store: Any, name: str, platform: str, config: str, facts: dict[str, Any] | None = None,
               host: str = "127.0.0.1", port: int = 830) -> None:
    """Create or update a device and store its configuration as the latest snapshot, In Sync."""
    with store.transaction():
        store.devices.upsert(name, host, port, platform, facts or {"model": "gen", "version": "1.0"})
        digest = hashlib.sha256(config.encode()).hexdigest()
        _version, created = store.devices.add_snapshot(name, "xml", config, config, digest)
        if created:
            store.devices.mark_synced(name, None)
            store.devices.set_status(name, "In Sync", "generated")


def fill(store: Any, names: Iterable[str], ifaces: int, platform: str = "netconf", tag: str = "") -> int:
    """Generated devices in one transaction; returns how many."""
    count = 0
    with store.transaction():
        for name in names:
            config = ietf_config(name, ifaces, tag) if platform == "netconf" else junos_config(name, ifaces)
            put_device(store, name, platform, config)
            count += 1
    return count
