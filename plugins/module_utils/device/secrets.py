# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device secrets inside configurations, masked in every output.

A secret value becomes ``<secret:XXXXXXXXXXXX>``: twelve hex digits of an HMAC-SHA256 of the
value under the store's own random key. The marker is stable (the same secret gives the same
marker, so a resync without a change shows no diff) and differs when the secret differs (a
changed secret is still a visible change), yet cannot be reversed or compared with markers of
another store. The store keeps the raw configuration; only outputs are masked.

One masking for every platform: renderings keep the secrets (so a changed secret changes the
hash and stores a new version), and every output goes through ``mask_text`` (or ``mask_xml``)
with the store's key. What is secret:

- Junos and generic (set-style renderings, XML): the value of a leaf whose name contains
  ``password``, ``secret``, ``passphrase``, ``pre-shared-key``, ends in ``key``
  (``authentication-key``, ``hello-authentication-key``, ``md5 … key``), and SNMP
  ``community`` names.
- CLI platforms (IOS/IOS-XE, NX-OS, IOS-XR, EOS; formats ``*-cli``): the values the patterns of
  ``CLI_SECRETS`` find (enable and user secrets, SNMP communities and user keys, TACACS+/RADIUS
  keys, key strings, routing protocol and NTP authentication keys, BGP neighbour passwords).
  A platform may add its own (``CliPlatform.secrets``).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Optional, Pattern, Sequence

_SECRET_LEAF = re.compile(r"(password|secret|passphrase|pre-shared|(^|-)key$|^community$)", re.I)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
# public keys and names that only look secret
_NOT_SECRET = re.compile(r"^(key-chain|public-key|(rsa|dsa|ecdsa[\w-]*|ed25519|ssh-[\w-]+)-key)$", re.I)
# a secret leaf whose value comes after one more keyword (Junos ``pre-shared-key ascii-text …``)
_WRAPPERS = frozenset(("ascii-text", "hexadecimal"))


# Secrets every Cisco-like CLI shares. Group "s" (and "t" when a line holds two) is the secret.
CLI_SECRETS = (
    r"^\s*enable (?:secret|password)(?: level \d+)?(?: \d+| sha512)? (?P<s>\S+)",
    r"^\s*username \S+ (?:.* )?(?:secret|password)(?: \d+| sha512)? (?P<s>\S+)",
    r"^\s*(?:secret|password)(?: \d+| sha512)? (?P<s>\S+)\s*$",
    r"^\s*snmp-server community (?P<s>\S+)",
    r"^\s*snmp-server user \S+ .*?\bauth (?:md5|sha\S*) (?P<s>\S+)(?: .*?\bpriv(?: (?:aes|des|3des)\S*)? (?P<t>\S+))?",
    r"^\s*(?:tacacs-server|radius-server)(?: host \S+.*?)? key(?: [0-7])? (?P<s>\S+)",
    r"^\s*(?:key-string|pre-shared-key|authentication-key|ntp authentication-key \d+ md5|ip ospf authentication-key"
    r"|(?:ip ospf )?message-digest-key \d+ md5)(?: [0-7])? (?P<s>\S+)",
    r"^\s*neighbor \S+ password(?: \d+)? (?P<s>\S+)",
    r"^\s*key(?: [0-7])? (?P<s>\S+)\s*$",
)
_CLI = [re.compile(p) for p in CLI_SECRETS]


def is_cli_format(fmt: str) -> bool:
    """A snapshot format of a CLI platform (``ios-cli``, ``eos-cli``, …)."""
    return fmt.endswith("-cli") or fmt == "cli-text"


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


def mask_cli_line(line: str, key: bytes, patterns: Sequence[Pattern[str]] = _CLI) -> str:
    """Mask the secret(s) of one CLI configuration line (the first pattern that finds one)."""
    for pattern in patterns:
        m = pattern.search(line)
        if not m:
            continue
        spans = [m.span(g) for g in ("s", "t") if g in pattern.groupindex and m.group(g) is not None]
        for start, end in sorted(spans, reverse=True):
            if not line[start:end].startswith("<secret"):
                line = line[:start] + marker(line[start:end], key) + line[end:]
        return line
    return line


def mask_text(text: str, key: bytes, fmt: Optional[str] = None) -> str:
    """Mask every secret of a rendered configuration (one statement a line) of format ``fmt``.

    Without ``fmt`` both rules apply (a CLI pattern first, else the leaf rule), so a caller that
    does not know the format never shows a secret.
    """
    cli = None if fmt is None else is_cli_format(fmt)
    out = []
    for line in text.splitlines():
        if cli or (cli is None and any(p.search(line) for p in _CLI)):
            out.append(mask_cli_line(line, key) + "\n")
        else:
            out.append(mask_line(line, key) + "\n")
    return "".join(out)


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
