# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: what the status report reads from a store (read-only; both back ends).

Everything goes through the ``Store`` API. Optional parts (alarms, federation) are read only when
the store in this tree has them, so the report works on older stores too.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store import Store


def _optional(store: Store, name: str) -> Optional[Callable[..., Any]]:
    method = getattr(store, name, None)
    return method if callable(method) else None


def open_alarms(store: Store) -> Optional[list[dict[str, Any]]]:
    """Active alarms: the site's own (``Store.alarms``) and the master's copies (``fed_alarm_list``).

    ``None`` when the store has no alarm service (a collection without it).
    """
    own, copies = _optional(store, "alarms"), _optional(store, "fed_alarm_list")
    if own is None and copies is None:
        return None
    out: list[dict[str, Any]] = []
    if own is not None:
        out.extend(dict(a, child="") for a in own(state="active"))
    if copies is not None:
        out.extend(dict(a) for a in copies(cleared=False))
    return out


def federation(store: Store) -> Optional[dict[str, Any]]:
    """The master's children and merged host documents; ``None`` on a store that holds no copies."""
    children_fn, hosts_fn = _optional(store, "fed_children"), _optional(store, "fed_hosts")
    if children_fn is None or hosts_fn is None:
        return None
    children = list(children_fn().values())
    hosts = list(hosts_fn())
    if not children and not hosts:
        return None
    return {"children": children, "hosts": hosts}
