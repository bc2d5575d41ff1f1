# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stable, line-based rendering of configurations (parsed by :mod:`common.xml`).

The rendering is what diffs and the snapshot sha256 are computed from: one line
per leaf, ``set``-style (``interfaces ge-0/0/0 description "uplink"``), in
document order, without volatile attributes (``junos:commit-seconds`` and the
like), so a commit that changes nothing yields the same text.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from typing import Any, Iterator

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import local_name

JUNOS_NS_PREFIX = "{http://xml.juniper.net/junos/"
_BARE = re.compile(r"^[A-Za-z0-9_./:@+,-]+$")


def quote(value: str) -> str:
    """A value as one token: bare when safe, else double-quoted with escapes."""
    if value and _BARE.match(value):
        return value
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _attrs(elem: Any) -> str:
    parts = []
    for key, value in sorted(elem.attrib.items()):
        if key.startswith(JUNOS_NS_PREFIX) or key.startswith("{urn:ietf:params:xml:ns:netconf:base"):
            continue
        parts.append("%s=%s" % (local_name(key), quote(value)))
    return "[%s]" % " ".join(parts) if parts else ""


def children(elem: Any) -> list[Any]:
    return [c for c in elem if isinstance(c.tag, str)]


def list_key(elem: Any, siblings_with_tag: int) -> tuple[str, Any]:
    """The list key of an element: its ``name`` leaf, else its first leaf if it repeats."""
    kids = children(elem)
    for child in kids:
        if local_name(child.tag) == "name" and not children(child):
            return (child.text or "").strip(), child
    if siblings_with_tag > 1 and kids and not children(kids[0]):
        return (kids[0].text or "").strip(), kids[0]
    return "", None


def _lines(kids: list[Any], path: str) -> Iterator[str]:
    counts: dict[str, int] = {}
    for child in kids:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    for child in kids:
        name = local_name(child.tag)
        grandkids = children(child)
        attrs = _attrs(child)
        if not grandkids:
            text = (child.text or "").strip()
            line = "%s%s" % (path, name)
            if text:
                line += " " + quote(text)
            yield line + (" " + attrs if attrs else "")
            continue
        key, key_elem = list_key(child, counts[child.tag])
        token = name + (" " + quote(key) if key_elem is not None else "")
        if attrs:
            yield "%s%s %s" % (path, token, attrs)
        sub = [g for g in grandkids if g is not key_elem]
        if not sub:
            yield path + token
            continue
        yield from _lines(sub, path + token + " ")


def render(root: Any) -> str:
    """Stable text of a configuration element (its children, recursively)."""
    return "".join(line + "\n" for line in _lines(children(root), ""))


def render_read(read: Any) -> str:
    """The stable text of a ``ConfigRead``: the CLI platform's filtered text, else the XML rendering."""
    text = getattr(read, "rendered", None)
    return text if text is not None else render(read.root)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified_diff(before: str, after: str, before_name: str, after_name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                        fromfile=before_name, tofile=after_name))
