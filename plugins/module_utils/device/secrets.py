# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device secrets inside configurations, masked in every output.

A secret value becomes ``<secret:XXXXXXXXXXXX>``: twelve hex digits of an HMAC-SHA256 of the
value under the store's own random key. The marker is stable (the same secret gives the same
marker, so a resync without a change shows no diff) and differs when the secret differs (a
changed secret is still a visible change), yet cannot be reversed or compared with markers of
another store. The store keeps the raw configuration; only outputs are masked.

Secret leaves, Junos and generic alike: names containing ``password``, ``secret``,
``passphrase``, ``pre-shared-key``, names ending in ``key`` (``authentication-key``,
``hello-authentication-key``, ``md5 … key``), and SNMP ``community`` names.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

_SECRET_LEAF = re.compile(r"(password|secret|passphrase|pre-shared|(^|-)key$|^community$)", re.I)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
# public keys and names that only look secret
_NOT_SECRET = re.compile(r"^(key-chain|public-key|(rsa|dsa|ecdsa[\w-]*|ed25519|ssh-[\w-]+)-key)$", re.I)
# a secret leaf whose value comes after one more keyword (Junos ``pre-shared-key ascii-text …``)
_WRAPPERS = frozenset(("ascii-text", "hexadecimal"))


def is_secret_leaf(name: str) -> bool:
    return not name.startswith("<secret") and not _NOT_SECRET.match(name) and bool(_SECRET_LEAF.search(name))


def marker(value: str, key: bytes) -> str:
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
    return "<secret:%s>" % digest


def mask_line(line: str, key: bytes) -> str:
    """Mask the value after each secret leaf of one rendered (set-style) line."""
    tokens = _TOKEN.findall(line)
    if len(tokens) < 2 or not any(is_secret_leaf(t) for t in tokens[:-1]):
        return line
    out = list(tokens)
    for i, token in enumerate(tokens[:-1]):
        at = i + 1
        if tokens[at] in _WRAPPERS and at + 1 < len(tokens):
            at += 1
        value = tokens[at]
        if is_secret_leaf(token) and not value.startswith("[") and not value.startswith("<secret"):
            out[at] = marker(value.strip('"'), key)
    return " ".join(out)


def mask_text(text: str, key: bytes) -> str:
    """Mask every secret of a rendered configuration (one statement a line)."""
    return "".join(mask_line(line, key) + "\n" for line in text.splitlines())


def mask_tree(root: Any, key: bytes) -> Any:
    """Mask the text of secret leaves in an lxml tree, in place; returns the root."""
    for elem in root.iter():
        if not isinstance(elem.tag, str) or len(elem):
            continue
        name = elem.tag.rsplit("}", 1)[-1]
        parent = elem.getparent()
        keyed = parent is not None and name == "name" and isinstance(parent.tag, str) \
            and is_secret_leaf(parent.tag.rsplit("}", 1)[-1])  # a list keyed by its secret: snmp community
        if (is_secret_leaf(name) or keyed) and (elem.text or "").strip():
            elem.text = marker(elem.text.strip(), key)
    return root


def mask_xml(text: str, key: bytes) -> str:
    """The XML text of a stored configuration with its secret leaves masked."""
    from lxml import etree  # type: ignore[import-untyped,unused-ignore]

    from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import parse_xml
    return str(etree.tostring(mask_tree(parse_xml(text), key), encoding="unicode"))
