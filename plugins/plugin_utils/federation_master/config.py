# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The federation configuration file (``*.federation.yml``): the one loader of the inventory plugin and the lookups.

``load_federation(path, loader)`` reads the file with Ansible's ``DataLoader``
(the plugin's own, which holds the run's vault secrets), so a vaulted value
(``token: !vault |``) or a vault-encrypted file works in the inventory plugin
and both lookups alike. ``config_from_options`` validates the children and
the sync options into a :class:`FederationConfig`.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.parsing import parse_flag
from ansible_collections.netsync.fleet.plugins.module_utils.topology import (
    DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS,
    TopologyObject,
)


@dataclass(frozen=True)
class ChildSpec:
    """A child as configured: name, base URL, bearer token, TLS verification."""

    name: str
    url: str
    token: str = field(repr=False)
    validate_certs: bool = True
    ca_path: Optional[str] = None


_EXTRA = ("store", "max_alarm_update_delay", "metric_source_reuse")
DEFAULT_REFRESH_INTERVAL = 300.0
DEFAULT_SYNC_WAIT = 600.0  # seconds a run waits for another run's cycle on the same master store


@dataclass(frozen=True)
class Query:
    """One topology query: object types (empty: all) and property globs that must all match."""

    types: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()

    def matches(self, obj: TopologyObject) -> bool:
        if self.types and obj.type not in self.types:
            return False
        return all(fnmatch.fnmatchcase(str(obj.properties.get(p, "")), pat) for p, pat in self.where)


@dataclass
class FederationConfig:
    children: list[ChildSpec]
    queries: list[Query] = field(default_factory=list)
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    max_system_time_difference: float = DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS
    timeout: float = 30.0
    page_size: int = 5000
    sync_wait: float = DEFAULT_SYNC_WAIT

    def in_scope(self, obj: TopologyObject) -> bool:
        return not self.queries or any(q.matches(obj) for q in self.queries)

    def scope_key(self) -> str:
        """A short stable digest of ``topology_queries`` (what is in scope): when it differs from
        the one a child's copy was pulled with, the cycle re-pulls that child (``sync.py``)."""
        if not self.queries:
            return "all"
        text = json.dumps(sorted([list(q.types), [list(w) for w in q.where]] for q in self.queries))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def server_types(self) -> list[str]:
        """Types to ask children for, when every query names its types; else all."""
        if not self.queries or any(not q.types for q in self.queries):
            return []
        return sorted({t for q in self.queries for t in q.types})


def parse_queries(raw: Sequence[Mapping[str, Any]] | None) -> list[Query]:
    """``[{"types": [...], "where": {prop: glob}}]`` to queries; raises ValueError on a bad entry."""
    out: list[Query] = []
    for item in raw or []:
        if not isinstance(item, Mapping) or set(item) - {"types", "where"}:
            raise ValueError("a topology query has only 'types' (list) and 'where' (property: glob)")
        types = item.get("types") or []
        where = item.get("where") or {}
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list) or not isinstance(where, Mapping):
            raise ValueError("topology query: 'types' must be a list and 'where' a mapping")
        out.append(Query(tuple(str(t) for t in types), tuple(sorted((str(k), str(v)) for k, v in where.items()))))
    return out


DEFAULT_MASTER_STORE = "~/.netsync/federation.db"
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _child(raw: Any, base_dir: str) -> ChildSpec:
    if not isinstance(raw, Mapping):
        raise ValueError("each entry of children must be a mapping with name, url and token")
    name, url = str(raw.get("name") or ""), str(raw.get("url") or "")
    if not name or not set(name) <= _NAME_OK:
        raise ValueError("child name %r: use letters, digits, '_', '-' and '.'" % name)
    if not url.startswith(("http://", "https://")):
        raise ValueError("child %s: url must start with https:// (or http://)" % name)
    token = raw.get("token")
    if raw.get("token_file"):
        path = os.path.join(base_dir, os.path.expanduser(str(raw["token_file"])))
        with open(path, encoding="utf-8") as handle:
            token = handle.readline().strip()
    if not token:
        raise ValueError("child %s: token or token_file is required" % name)
    ca = raw.get("ca_path")
    return ChildSpec(name, url, str(token), parse_flag(raw.get("validate_certs", True)),
                     os.path.join(base_dir, os.path.expanduser(str(ca))) if ca else None)


def config_from_options(options: Mapping[str, Any], base_dir: str = ".") -> FederationConfig:
    """A :class:`FederationConfig` from the plugin's options; raises ValueError on bad input."""
    children = [_child(c, base_dir) for c in options.get("children") or []]
    names = [c.name for c in children]
    if len(set(names)) != len(names):
        raise ValueError("child names must be unique")
    cfg = FederationConfig(children, parse_queries(options.get("topology_queries")))
    pairs = (("refresh_interval", "refresh_interval"),
             ("max_system_time_difference", "max_system_time_difference"), ("timeout", "timeout"),
             ("sync_wait", "sync_wait"))
    for opt, attr in pairs:
        if options.get(opt) is not None:
            value = float(options[opt])
            if value < 0:
                raise ValueError("%s must be >= 0" % opt)
            setattr(cfg, attr, value)
    if options.get("page_size") is not None:
        cfg.page_size = int(options["page_size"])
        if cfg.page_size < 1:
            raise ValueError("page_size must be >= 1")
    return cfg


@dataclass
class Federation:
    """A loaded federation configuration: children and settings, and its fingerprint."""

    config: FederationConfig
    settings: dict[str, Any]
    fingerprint: str


def fingerprint(cfg: FederationConfig) -> str:
    """A digest of what defines the federation (children, URLs, token digests, TLS, time limit)."""
    doc = [[c.name, c.url, hashlib.sha256(c.token.encode()).hexdigest(), c.validate_certs, c.ca_path]
           for c in cfg.children] + [cfg.max_system_time_difference]
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def load_federation(path: str, loader: Any = None) -> Federation:
    """Read a ``*.federation.yml`` file with ``loader`` (an Ansible ``DataLoader``); ValueError on bad input.

    Pass the plugin's loader: it holds the vault secrets that decrypt vaulted values.
    """
    if loader is None:
        from ansible.parsing.dataloader import DataLoader
        loader = DataLoader()
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise ValueError("%s: no such federation configuration file" % path)
    try:
        doc = loader.load_from_file(path, cache="none")
    except Exception as exc:  # AnsibleParserError, vault errors: one message for the plugins
        raise ValueError("%s: %s" % (path, exc)) from exc
    if not isinstance(doc, Mapping) or not doc.get("children"):
        raise ValueError("%s: a federation configuration needs a list of children" % path)
    cfg = config_from_options(doc, os.path.dirname(os.path.abspath(path)))
    settings = {k: doc[k] for k in _EXTRA if doc.get(k) is not None}
    return Federation(cfg, settings, fingerprint(cfg))


def master_store(option: Optional[str], fed: Federation) -> str:
    """The master store: the option, else the configuration's ``store``, else the default."""
    return os.path.expanduser(str(option or fed.settings.get("store") or DEFAULT_MASTER_STORE))
