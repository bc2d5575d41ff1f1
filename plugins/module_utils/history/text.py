# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readable, pasteable text of a stored snapshot, in each platform's own form, secrets masked.

- Junos (``junos-xml``): ``display set`` form, one ``set`` line per statement in document
  order, ``deactivate`` after an inactive statement; a diff is the ``delete`` and ``set`` lines
  that turn one version into the other (paste them in ``configure``).
- CLI platforms (``*-cli``): their own configuration lines as stored (``rendered``: volatile
  lines dropped, secrets already masked by the platform); a diff is a unified diff.
- Generic NETCONF devices (``netconf-xml``): an indented text, one leaf a line, list entries
  named by their key (the rule of ``device/render.py``); a diff is a unified diff.

The stored raw configuration is never changed; masking is ``device/secrets.py`` (the tree,
then every line), with the store's key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import local_name, parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import (
    children, list_key, quote, unified_diff,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import mask_line, mask_text, mask_tree

JUNOS = "junos-xml"
_MARKER = re.compile(r"^<secret:[0-9a-f]{12}>$")
# (parent, list element) whose entries Junos writes without the element's keyword
_HIDDEN = frozenset((("interfaces", "interface"), ("vlans", "vlan"), ("routing-instances", "instance"),
                     ("bridge-domains", "domain"), ("prefix-list", "prefix-list-item")))
_HIDDEN_ANYWHERE = frozenset(("contents",))  # syslog: ``file messages any notice``
# leaves that may repeat (leaf-lists): a removed value is deleted by value
_LEAF_LISTS = frozenset(("members", "next-hop", "export", "import", "community", "apply-groups", "protocol",
                         "port", "source-port", "destination-port", "destination-address", "source-address"))
# list entries keyed by several leaves with CLI keywords of their own (SRX policies)
_MULTI_KEYS = {"policy": (("from-zone-name", "from-zone"), ("to-zone-name", "to-zone"))}


def _q(value: str) -> str:
    return value if _MARKER.match(value) else quote(value)


@dataclass(frozen=True)
class Statement:
    """One ``display set`` statement: its path (one node per level: ``unit 0``), a value, a kind."""

    nodes: tuple[str, ...]
    value: Optional[str] = None
    multi: bool = False  # a leaf-list value
    kind: str = "set"  # or "deactivate", "protect"

    def path(self) -> str:
        return " ".join(self.nodes + ((self.value,) if self.value is not None else ()))

    def line(self) -> str:
        return "%s %s" % (self.kind, self.path())


def _flags(elem: Any) -> list[str]:
    if not len(elem.attrib):
        return []
    names = {local_name(k): v for k, v in elem.attrib.items()}
    return [kind for attr, kind in (("inactive", "deactivate"), ("protect", "protect")) if names.get(attr) == attr]


def _statements(parent: str, kids: list[Any], nodes: tuple[str, ...]) -> Iterator[Statement]:
    kids = [c for c in kids if not (local_name(c.tag) == "comment" and "junos" in str(c.tag))]
    counts: dict[str, int] = {}
    for child in kids:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    for child in kids:
        name = local_name(child.tag)
        grand = children(child)
        flags = _flags(child)
        if not grand:
            text = (child.text or "").strip()
            multi = counts[child.tag] > 1 or name in _LEAF_LISTS
            stmt = Statement(nodes + (name,), _q(text) if text else None, multi and bool(text))
            yield stmt
            for kind in flags:
                yield Statement(stmt.nodes, stmt.value if stmt.multi else None, stmt.multi, kind)
            continue
        keys = _MULTI_KEYS.get(name, ())
        found = {local_name(g.tag): g for g in grand if not len(g)} if keys else {}
        used: list[Any] = []
        if keys and all(k in found for k, _word in keys):
            node = " ".join("%s %s" % (word, _q((found[k].text or "").strip())) for k, word in keys)
            used = [found[k] for k, _word in keys]
        else:
            key, key_elem = list_key(child, counts[child.tag])
            hidden = (parent, name) in _HIDDEN or name in _HIDDEN_ANYWHERE
            if key_elem is not None:
                node = _q(key) if hidden else "%s %s" % (name, _q(key))
                used = [key_elem]
            else:
                node = name
        path = nodes + (node,)
        rest = [g for g in grand if not any(g is u for u in used)]
        if rest:
            yield from _statements(name, rest, path)
        else:
            yield Statement(path)
        for kind in flags:
            yield Statement(path, kind=kind)


def junos_statements(config_xml: str, key: Optional[bytes] = None) -> list[Statement]:
    """The ``display set`` statements of a Junos ``<configuration>`` (secrets masked with ``key``)."""
    root = parse_xml(config_xml)
    if key is not None:
        mask_tree(root, key)
    return list(_statements(local_name(root.tag), children(root), ()))


def _mask(lines: list[str], key: Optional[bytes]) -> list[str]:
    """Every line through ``secrets.mask_line`` (its indentation kept)."""
    if key is None:
        return lines
    out = []
    for line in lines:
        body = line.lstrip(" ")
        out.append(line[:len(line) - len(body)] + mask_line(body, key))
    return out


def junos_set(config_xml: str, key: Optional[bytes] = None) -> str:
    """The configuration in ``display set`` form."""
    return "".join(line + "\n" for line in _mask([s.line() for s in junos_statements(config_xml, key)], key))


def _prefixes(statements: list[Statement]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for stmt in statements:
        if stmt.kind == "set":
            for i in range(1, len(stmt.nodes) + 1):
                out.add(stmt.nodes[:i])
            if stmt.value is not None and not stmt.multi:
                out.add(stmt.nodes + ("\0leaf",))
    return out


def set_diff(before: list[Statement], after: list[Statement]) -> list[str]:
    """``delete`` then ``set``/``deactivate``/``activate`` lines turning ``before`` into ``after``."""
    old, new = set(before), set(after)
    alive = _prefixes(after)
    deletes: list[str] = []
    cuts: set[tuple[str, ...]] = set()
    for stmt in before:
        if stmt in new:
            continue
        if stmt.kind != "set":
            if stmt.nodes in alive:
                deletes.append("%s %s" % ("activate" if stmt.kind == "deactivate" else "unprotect", stmt.path()))
            continue
        if stmt.value is not None and not stmt.multi and stmt.nodes + ("\0leaf",) in alive:
            continue  # the new value's set line replaces it
        cut = next((stmt.nodes[:i] for i in range(1, len(stmt.nodes) + 1) if stmt.nodes[:i] not in alive), None)
        if cut is not None and any(cut[:i] in cuts for i in range(1, len(cut) + 1)):
            continue
        if cut is None:  # one value of a leaf-list that stays
            line = "delete " + stmt.path()
        else:
            cuts.add(cut)
            line = "delete " + " ".join(cut)
        if line not in deletes:
            deletes.append(line)
    adds = [s.line() for s in after if s not in old]
    return deletes + adds


# -- generic NETCONF: indented text ---------------------------------------------------------------
def _indented(kids: list[Any], depth: int) -> Iterator[str]:
    counts: dict[str, int] = {}
    for child in kids:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    pad = "  " * depth
    for child in kids:
        name = local_name(child.tag)
        grand = children(child)
        if not grand:
            text = (child.text or "").strip()
            yield pad + name + (" " + _q(text) if text else "")
            continue
        key, key_elem = list_key(child, counts[child.tag])
        yield pad + name + (" " + _q(key) if key_elem is not None else "")
        yield from _indented([g for g in grand if g is not key_elem], depth + 1)


def indented(config_xml: str, key: Optional[bytes] = None) -> str:
    """A generic NETCONF ``<data>`` as indented text, one leaf a line, document order."""
    root = parse_xml(config_xml)
    if key is not None:
        mask_tree(root, key)
    return "".join(line + "\n" for line in _mask(list(_indented(children(root), 0)), key))


# -- what the rest of the collection calls ----------------------------------------------------------
def snapshot_text(snapshot: dict[str, Any], key: Optional[bytes]) -> str:
    """The readable text of a stored snapshot (``format``, ``config``, ``rendered``); ``key`` masks
    secrets (None: the text as stored, for tests and ``show_secrets``)."""
    fmt = str(snapshot.get("format") or "")
    if fmt == JUNOS:
        return junos_set(str(snapshot["config"]), key)
    if fmt.endswith("-cli"):  # the platform's own lines, volatile ones dropped; the secrets kept: mask them
        rendered = str(snapshot.get("rendered") or "")
        return rendered if key is None else mask_text(rendered, key, fmt)
    return indented(str(snapshot["config"]), key)


def snapshot_diff(before: Optional[dict[str, Any]], after: dict[str, Any], key: Optional[bytes],
                  before_name: str = "before", after_name: str = "after") -> str:
    """What changed between two snapshots of one device: Junos ``delete``/``set`` lines, else a
    unified diff of the readable texts. ``before`` None: everything is new."""
    if str(after.get("format")) == JUNOS and (before is None or str(before.get("format")) == JUNOS):
        old = junos_statements(str(before["config"]), key) if before is not None else []
        lines = set_diff(old, junos_statements(str(after["config"]), key))
        return "".join(line + "\n" for line in _mask(lines, key))
    old_text = snapshot_text(before, key) if before is not None else ""
    return unified_diff(old_text, snapshot_text(after, key), before_name, after_name)
