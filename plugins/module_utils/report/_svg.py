# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the federated topology of the status report, as data and as an inline SVG picture (pure).

``topology_view`` turns the master's children and merged host documents into
sites (a box per site, with the children it came from), devices (coloured by
managed status) and links. A link is *known* when two devices have distinct
addresses in the same IP subnet (not a /32 or /128 host route): the usual
point-to-point /30, /31 or /127 gives one link, a shared LAN segment gives a
link between every pair on it. Every string is remote data and is escaped.
"""
from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

MAX_DEVICES = 400  # drawn; the rest are counted
MAX_LINKS = 2000
STATUS_COLOURS = {
    "In Sync": "#2e9e5b",
    "Out of Sync": "#e0a100",
    "Synchronizing": "#2f7fd1",
    "Sync Failed": "#d64545",
}
UNKNOWN_COLOUR = "#8a94a6"
_NODE_W, _NODE_H, _PAD, _HEAD, _MAX_WIDTH = 120, 74, 18, 34, 1160


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _links(hosts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_net: dict[str, dict[str, tuple[str, str]]] = {}
    for host in hosts:
        name = _str(host.get("name"))
        ifaces = (host.get("vars") or {}).get("netsync_interfaces") or {}
        if not isinstance(ifaces, Mapping):
            continue
        for iface_name, iface in sorted(ifaces.items(), key=lambda kv: str(kv[0])):
            addresses = iface.get("addresses") if isinstance(iface, Mapping) else None
            for prefix in addresses if isinstance(addresses, list) else []:
                try:
                    addr = ipaddress.ip_interface(str(prefix))
                except ValueError:
                    continue
                if addr.network.prefixlen >= addr.max_prefixlen:
                    continue
                by_net.setdefault(str(addr.network), {}).setdefault(name, (str(iface_name), str(addr.ip)))
    links: list[dict[str, Any]] = []
    for net, ends in sorted(by_net.items()):
        names = sorted(ends)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if ends[a][1] == ends[b][1]:
                    continue  # the same address twice is a duplicate, not a link
                links.append({"a": a, "a_interface": ends[a][0], "b": b, "b_interface": ends[b][0], "subnet": net})
    return links[:MAX_LINKS]


def topology_view(fed: Mapping[str, Any], devices: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Sites, devices and links of the merged model; ``devices`` are the store's own (for status)."""
    local = {d["name"]: d for d in devices}
    children = {str(c.get("name")): c for c in fed.get("children", [])}
    nodes: list[dict[str, Any]] = []
    sites: dict[str, set[str]] = {}
    for host in fed.get("hosts", []):
        hv: Mapping[str, Any] = host.get("vars") or {}
        dev: Mapping[str, Any] = hv["netsync_device"] if isinstance(hv.get("netsync_device"), Mapping) else {}
        sources = [s for s in hv.get("netsync_sources") or [] if isinstance(s, str)]
        name = _str(host.get("name"))
        site = _str(dev.get("site")) or (sources[0] if sources else "unknown")
        status = _str(dev.get("managed_status")) or _str(local.get(name, {}).get("managed_status"))
        sites.setdefault(site, set()).update(sources)
        nodes.append({"name": name, "site": site, "managed_status": status, "platform": _str(dev.get("platform")),
                      "model": _str(dev.get("model")), "sources": sorted(sources),
                      "stale": bool(hv.get("netsync_stale")), "clock_suspect": bool(hv.get("netsync_clock_suspect"))})
    site_views = []
    for site, kids in sorted(sites.items()):
        site_views.append({"name": site, "children": [
            {"name": c, "stale": bool(children.get(c, {}).get("stale")),
             "suspect": bool(children.get(c, {}).get("suspect")),
             "error": _str(children.get(c, {}).get("error"))} for c in sorted(kids)]})
    child_views = [{"name": n, "url": _str(c.get("url")), "stale": bool(c.get("stale")),
                    "suspect": bool(c.get("suspect")), "error": _str(c.get("error")),
                    "last_success": c.get("last_success") if isinstance(c.get("last_success"), float) else None}
                   for n, c in sorted(children.items())]
    return {"children": child_views, "sites": site_views,
            "devices": sorted(nodes, key=lambda n: (n["site"], n["name"])),
            "links": _links(fed.get("hosts", []))}


def _short(text: str, size: int = 16) -> str:
    return text if len(text) <= size else text[:size - 1] + "\u2026"


def _layout(topo: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, tuple[float, float]], int, int]:
    """Site boxes placed left to right (wrapping), devices on a grid inside; returns boxes, centres, size."""
    per_site: dict[str, list[Mapping[str, Any]]] = {}
    for node in topo["devices"][:MAX_DEVICES]:
        per_site.setdefault(node["site"], []).append(node)
    boxes: list[dict[str, Any]] = []
    centres: dict[str, tuple[float, float]] = {}
    x = y = row_h = width = 0
    for site in topo["sites"]:
        nodes = per_site.get(site["name"], [])
        if not nodes:
            continue
        cols = max(1, min(len(nodes), math.ceil(math.sqrt(len(nodes) * 1.6)), (_MAX_WIDTH - 2 * _PAD) // _NODE_W))
        rows = math.ceil(len(nodes) / cols)
        w, h = max(cols * _NODE_W + 2 * _PAD, 200), rows * _NODE_H + _HEAD + _PAD
        if x and x + w > _MAX_WIDTH:
            x, y, row_h = 0, y + row_h + _PAD, 0
        boxes.append({"site": site, "x": x, "y": y, "w": w, "h": h, "count": len(nodes)})
        for i, node in enumerate(nodes):
            centres[node["name"]] = (x + _PAD + (i % cols) * _NODE_W + _NODE_W / 2,
                                     y + _HEAD + (i // cols) * _NODE_H + 22)
        x += w + _PAD
        row_h = max(row_h, h)
        width = max(width, x - _PAD)
    return boxes, centres, int(width), int(y + row_h)


def _arc(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A link as a curve bowing to the left of a->b (by a quarter of its length, at most 90 px),
    so a link between two distant devices does not run through the devices between them."""
    (x1, y1), (x2, y2) = sorted((a, b))
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    bow = min(length / 4, 90.0)
    cx, cy = (x1 + x2) / 2 + dy / length * bow, (y1 + y2) / 2 - dx / length * bow
    return "M%.1f %.1fQ%.1f %.1f %.1f %.1f" % (x1, y1, cx, cy, x2, y2)


def render_svg(topo: Mapping[str, Any]) -> str:
    """The topology as an inline ``<svg>`` element (text only from escaped strings)."""
    boxes, centres, width, height = _layout(topo)
    if not boxes:
        return '<p class="empty">The merged model holds no device.</p>'
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="topology" role="img" viewBox="-2 -2 %d %d" '
           'width="%d" height="%d" aria-label="Federated topology">' % (width + 4, height + 4, width + 4, height + 4)]
    for box in boxes:
        site = box["site"]
        stale = any(c["stale"] for c in site["children"])
        kids = "from " + (", ".join(c["name"] for c in site["children"]) or "no child")
        out.append('<g class="site"><title>site %s: %d device(s) from %s</title>'
                   '<rect x="%d" y="%d" width="%d" height="%d" rx="10" class="site-box%s"/>'
                   '<text x="%d" y="%d" class="site-name">%s</text>'
                   '<text x="%d" y="%d" class="site-kids">%s</text></g>'
                   % (escape(site["name"]), box["count"], escape(kids), box["x"], box["y"], box["w"], box["h"],
                      " stale" if stale else "", box["x"] + 12, box["y"] + 20, escape(_short(site["name"], 24)),
                      box["x"] + box["w"] - 10, box["y"] + box["h"] - 8, escape(_short(kids, 28))))
    for link in topo["links"]:
        if link["a"] in centres and link["b"] in centres:
            out.append('<path d="%s" class="link"><title>%s %s \u2194 %s %s (%s)</title></path>'
                       % (_arc(centres[link["a"]], centres[link["b"]]), escape(link["a"]),
                          escape(link["a_interface"]), escape(link["b"]), escape(link["b_interface"]),
                          escape(link["subnet"])))
    for node in topo["devices"][:MAX_DEVICES]:
        cx, cy = centres[node["name"]]
        colour = STATUS_COLOURS.get(node["managed_status"], UNKNOWN_COLOUR)
        tip = "%s \u2014 %s%s%s" % (node["name"], node["managed_status"] or "status unknown",
                                    (", " + node["model"]) if node["model"] else "",
                                    " (stale copy)" if node["stale"] else "")
        out.append('<g class="node"><title>%s</title><circle cx="%.1f" cy="%.1f" r="13" fill="%s" class="dev%s"/>'
                   '<text x="%.1f" y="%.1f" class="dev-name">%s</text></g>'
                   % (escape(tip), cx, cy, colour, " stale" if node["stale"] else "", cx, cy + 30,
                      escape(_short(node["name"]))))
    out.append("</svg>")
    hidden = len(topo["devices"]) - MAX_DEVICES
    if hidden > 0:
        out.append('<p class="note">%d more devices are not drawn.</p>' % hidden)
    return "".join(out)
