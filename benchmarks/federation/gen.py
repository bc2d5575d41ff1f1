"""Generated child stores for the federation benchmark (ietf-interfaces devices, one IPv4 address per interface)."""
from __future__ import annotations

import hashlib
import random
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.topology.refresh import refresh_topology


def config(device: str, ifaces: int, changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    n = int(hashlib.sha256(device.encode()).hexdigest()[:6], 16)
    out = ['<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><interfaces '
           'xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces" '
           'xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">']
    for i in range(ifaces):
        out.append("<interface><name>eth%d</name><description>%s</description><type>ianaift:ethernetCsmacd</type>"
                   "<enabled>true</enabled><ipv4 xmlns=\"urn:ietf:params:xml:ns:yang:ietf-ip\"><mtu>1500</mtu>"
                   "<address><ip>10.%d.%d.%d</ip><prefix-length>24</prefix-length></address></ipv4></interface>"
                   % (i, changed.get(i, "%s port %d to rack %d" % (device, i, n % 97)), (n >> 16) % 256,
                      (n >> 8) % 256, i + 1))
    out.append("</interfaces></data>")
    return "".join(out)


def _put(store: Any, name: str, text: str) -> None:
    store.devices.upsert(name, "127.0.0.1", 830, "netconf", {"model": "gen-%d" % (len(name) % 3), "version": "1.0"})
    digest = hashlib.sha256(text.encode()).hexdigest()
    _v, created = store.devices.add_snapshot(name, "xml", text, text, digest)
    if created:
        store.devices.mark_synced(name, None)
        store.devices.set_status(name, st.IN_SYNC, "generated")


def fill(url: str, child: str, devices: int, ifaces: int) -> dict[str, Any]:
    """Devices ``<child>-d<n>`` and their derived topology in a new store."""
    with st.open_store(url) as store:
        with store.transaction():
            for i in range(devices):
                name = "%s-d%05d" % (child, i)
                _put(store, name, config(name, ifaces))
        res = refresh_topology(store.devices, store.topology, child)
        return {"derived_devices": res["devices"], "objects": res["changed"], "seconds": res["seconds"]}


def change(url: str, child: str, devices: int, ifaces: int, fraction: float, seed: int) -> dict[str, Any]:
    """Change one interface description on enough devices that ``fraction`` of the objects change.

    Each touched device changes 2 objects (the Interface, and the Device, whose ``last_synced``
    moves with the resync), so ``fraction * objects / 2`` devices are touched.
    """
    rng = random.Random(seed)
    objects = devices * (1 + 2 * ifaces)
    touched = rng.sample(range(devices), max(1, round(fraction * objects / 2)))
    with st.open_store(url) as store:
        with store.transaction():
            for i in touched:
                name = "%s-d%05d" % (child, i)
                _put(store, name, config(name, ifaces, {rng.randrange(ifaces): "changed %d" % seed}))
        res = refresh_topology(store.devices, store.topology, child)
    return {"devices": len(touched), "objects": res["changed"], "seconds": res["seconds"]}
