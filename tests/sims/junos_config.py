"""Junos configuration trees for the simulator: default config, merge, filter, parsing.

Configurations are lxml trees without namespaces, rooted at ``<configuration>``; list
entries are keyed by their ``<name>`` child, as in the Junos XML API.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TypeAlias

from lxml import etree

Element: TypeAlias = etree._Element

#: Leaves that may repeat (leaf-lists): merging appends instead of replacing.
LEAF_LISTS = frozenset({"members", "next-hop", "export", "import", "community", "apply-groups"})

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True, huge_tree=False
)


class ConfigError(ValueError):
    """A configuration request the simulated device rejects (Junos says "syntax error")."""

    def __init__(self, message: str, bad_element: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.bad_element = bad_element


def parse_xml(data: bytes | str) -> Element:
    """Parse untrusted XML without DTDs, entities or network access; strip namespaces."""
    raw = data.encode() if isinstance(data, str) else data
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ConfigError("DOCTYPE is not allowed")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"syntax error: {exc}") from exc
    strip_namespaces(root)
    return root


def strip_namespaces(root: Element) -> None:
    """Replace every tag and attribute name by its local name, in place."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        el.tag = etree.QName(el).localname
        for key in list(el.attrib):
            if key.startswith("{"):
                el.attrib[etree.QName(key).localname] = el.attrib.pop(key)
    etree.cleanup_namespaces(root)


def key_of(el: Element) -> str | None:
    """The ``<name>`` key of a list entry, or None for a container or leaf."""
    name = el.find("name")
    return None if name is None else (name.text or "")


def is_leaf(el: Element) -> bool:
    """True for an element without element children."""
    return not any(isinstance(c.tag, str) for c in el)


def find_entry(parent: Element, tag: str, key: str | None) -> Element | None:
    """The child of ``parent`` with this tag (and this ``<name>`` key when given)."""
    for child in parent:
        if child.tag != tag:
            continue
        if key is None or key_of(child) == key:
            return child
    return None


def canonical(root: Element) -> bytes:
    """Serialisation used to compare two configurations."""
    return bytes(etree.tostring(root, method="c14n"))


def _is_delete(el: Element) -> bool:
    return bool(el.get("delete") == "delete" or el.get("operation") in {"delete", "remove"})


def _is_replace(el: Element) -> bool:
    return bool(el.get("replace") == "replace" or el.get("operation") == "replace")


def _clean(el: Element) -> Element:
    """A copy of ``el`` without the load-operation attributes."""
    dup = copy.deepcopy(el)
    for node in dup.iter():
        for attr in ("delete", "replace", "operation", "insert", "key", "name"):
            node.attrib.pop(attr, None)
    return dup


def merge(target: Element, patch: Element, honour_replace: bool = True) -> None:
    """Merge ``patch`` children into ``target`` in place (Junos ``load merge``/``replace``).

    ``delete="delete"`` (or ``operation="delete"``) removes the matching element;
    ``replace="replace"`` replaces it when ``honour_replace`` is set.
    """
    for child in patch:
        if not isinstance(child.tag, str):
            continue
        key = key_of(child)
        if child.tag in LEAF_LISTS and is_leaf(child):
            existing = next(
                (c for c in target if c.tag == child.tag and (c.text or "") == (child.text or "")),
                None,
            )
        else:
            existing = find_entry(target, child.tag, key)
        if _is_delete(child):
            if existing is not None:
                target.remove(existing)
            continue
        if existing is None:
            target.append(_clean(child))
        elif is_leaf(child) and key is None:
            existing.text = child.text
        elif honour_replace and _is_replace(child):
            target.replace(existing, _clean(child))
        else:
            merge(existing, child, honour_replace)


def subtree_filter(config: Element, filt: Element) -> Element:
    """Apply a Junos ``<configuration>`` filter: keep only the branches it names."""
    out = etree.Element(config.tag, dict(config.attrib))
    _filter_into(config, filt, out)
    return out


def _filter_into(src: Element, filt: Element, out: Element) -> None:
    for f in filt:
        if not isinstance(f.tag, str):
            continue
        want_key = key_of(f)
        deeper = [c for c in f if isinstance(c.tag, str) and c.tag != "name"]
        for child in src:
            if child.tag != f.tag or (want_key is not None and key_of(child) != want_key):
                continue
            if not deeper:
                out.append(copy.deepcopy(child))
                continue
            part = etree.SubElement(out, child.tag, dict(child.attrib))
            name = child.find("name")
            if name is not None:
                part.append(copy.deepcopy(name))
            _filter_into(child, f, part)


def _sub(parent: Element, tag: str, text: str | None = None) -> Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _entry(parent: Element, tag: str, name: str) -> Element:
    el = _sub(parent, tag)
    _sub(el, "name", name)
    return el


def default_config(
    hostname: str,
    version: str,
    users: Iterable[str],
    interfaces: Mapping[str, tuple[str, str]] | None = None,
) -> Element:
    """A small but typical Junos configuration.

    ``interfaces`` maps an interface name to (description, inet address with prefix);
    by default three ge-0/0/N interfaces and lo0 with documentation addresses.
    """
    if interfaces is None:
        interfaces = {
            "ge-0/0/0": ("to core", "192.0.2.1/30"),
            "ge-0/0/1": ("to access", "198.51.100.1/24"),
            "ge-0/0/2": ("spare", "203.0.113.1/24"),
        }
    root = etree.Element("configuration")
    _sub(root, "version", version)
    system = _sub(root, "system")
    _sub(system, "host-name", hostname)
    _sub(_sub(system, "root-authentication"), "encrypted-password", "$6$sim$rootsecret")
    login = _sub(system, "login")
    for uid, user in enumerate(sorted(set(users)), start=2000):
        entry = _entry(login, "user", user)
        _sub(entry, "uid", str(uid))
        _sub(entry, "class", "super-user")
        _sub(_sub(entry, "authentication"), "encrypted-password", f"$6$sim${user}")
    services = _sub(system, "services")
    _sub(services, "ssh")
    _sub(_sub(services, "netconf"), "ssh")
    syslog = _sub(system, "syslog")
    messages = _entry(syslog, "file", "messages")
    _sub(_entry(messages, "contents", "any"), "notice")
    ifaces = _sub(root, "interfaces")
    for name, (description, address) in interfaces.items():
        iface = _entry(ifaces, "interface", name)
        if description:
            _sub(iface, "description", description)
        unit = _entry(iface, "unit", "0")
        _entry(_sub(_sub(unit, "family"), "inet"), "address", address)
    lo0 = _entry(ifaces, "interface", "lo0")
    lo_unit = _entry(lo0, "unit", "0")
    _entry(_sub(_sub(lo_unit, "family"), "inet"), "address", "192.0.2.255/32")
    static = _sub(_sub(root, "routing-options"), "static")
    _sub(_entry(static, "route", "0.0.0.0/0"), "next-hop", "192.0.2.2")
    return root
