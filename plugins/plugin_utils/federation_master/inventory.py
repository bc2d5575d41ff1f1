# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logic of the ``netsync.fleet.federation`` inventory plugin (the plugin file stays thin).

The configuration file is read by :func:`.config.load_federation`;
``inventory_data`` runs a sync cycle when one is due (else answers from the
master's store) and returns ``{"format": 2, "hosts": [JSON text of each host
document], "warnings": [...]}`` — the form kept in the inventory cache: the
cache plugin stores and loads a list of strings, and each host is parsed only
when it is added. ``populate`` adds the hosts to an inventory and applies
Constructable options.

Unsafe: every value ``populate`` sets comes out of ``json.loads`` of that
text, so no string carries ansible-core's ``TrustedAsTemplate`` tag and none
is ever templated (ansible-core >= 2.19 trusts only tagged strings), whatever
cache plugin held the text. ``wrap_var`` over every nested value is not needed.

Cost: ``populate`` sets each host's variables with ``Host.set_variable`` on
the host object ``inventory.get_host`` returns (ansible-core's own
``generator`` inventory plugin sets its group variables the same way), not
through ``InventoryData.set_variable`` of the proxy ansible-core 2.19 hands to
plugins. That proxy runs a visitor over every value: a deep copy that checks
types, applies trust when the plugin asks for it, and tags every value with
an ``Origin``. Here that work has nothing left to do: the values are fresh
objects of the JSON types only (dict, list, str, int, float, bool, None),
made for this host and referenced nowhere else, and no trust is wanted. Not
paying it cuts the load of 5,000 hosts from 6.1 to 1.9 s of CPU and its peak
memory from 251 to 136 MiB (docs/benchmarks.md "Federation"). What the values
lose is the ``Origin`` tag, which only names the inventory source in an error
about a value; these values are never templated.
"""
from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # imported when a pull is due only: answering from the cache needs neither (nor aiohttp)
    from ansible_collections.netsync.fleet.plugins.module_utils.store import FedTopologyStore
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import FederationConfig

CACHE_FORMAT = 2


SYNC_LOCK = "federation-topology"  # one sync cycle at a time per master store


def inventory_data(copies: FedTopologyStore, cfg: FederationConfig, clock: Callable[[], float] = time.time,
                   force: bool = False) -> dict[str, Any]:
    """Sync when due (or forced), then the merged hosts from the master's store.

    One cycle at a time per master store (``SYNC_LOCK``, held across processes and machines of a
    PostgreSQL store): a run that finds another run's cycle under way waits for it (up to
    ``cfg.sync_wait`` seconds), then pulls only if a cycle is still due (the other one was killed, or
    ``refresh_interval`` is 0), else answers from what that cycle stored. Two cycles interleaved would
    each store pages and cursors: an older page stored after a newer one, under the newer cursor, would
    stay in the master's copy until the object changes again.
    """
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import refresh_due, run_cycle

    warnings: list[str] = []
    ran = False
    if force or refresh_due(copies, cfg, clock()):
        with copies.db.exclusive(SYNC_LOCK, cfg.sync_wait) as lock:
            if not lock.held:
                warnings.append("federation: another run's sync cycle of this master store is still under way "
                                "after %.0f s (sync_wait); answering from the store as it is" % cfg.sync_wait)
            elif (force and not lock.contended) or refresh_due(copies, cfg, clock()):
                warnings += run_cycle(copies, cfg, clock).warnings
                ran = True
    if not ran:
        warnings += stored_warnings(copies)
    return {"format": CACHE_FORMAT, "hosts": list(copies.all_host_texts()), "warnings": warnings}


def stored_warnings(copies: FedTopologyStore) -> list[str]:
    """The stale and suspect children, as the last cycle left them."""
    warnings = []
    for name, row in copies.pulls.all().items():
        if row["stale"]:
            warnings.append("federation child %s: last pull failed (%s); its objects are stale" % (name, row["error"]))
        if row["suspect"]:
            warnings.append("federation child %s: clock differs from the master's; its data is suspect" % name)
    return warnings


def usable(data: Any) -> bool:
    """True when ``data`` (e.g. from the inventory cache) has the form :func:`inventory_data` returns."""
    return isinstance(data, Mapping) and data.get("format") == CACHE_FORMAT and isinstance(data.get("hosts"), list)


def populate(plugin: Any, data: Mapping[str, Any], strict: bool = False) -> int:
    """Add hosts, groups and (never trusted) variables to ``plugin.inventory``; returns the host count."""
    inventory = plugin.inventory
    compose = plugin.get_option("compose")
    groups = plugin.get_option("groups")
    keyed = plugin.get_option("keyed_groups")
    constructed = bool(compose or groups or keyed)
    known: set[str] = set()
    hosts: Sequence[str] = data.get("hosts") or []
    for text in hosts:
        doc = json.loads(str(text))  # fresh, untagged values (see the module docstring)
        name = str(doc["name"])
        inventory.add_host(name)
        for group in doc.get("groups") or []:
            if group not in known:
                inventory.add_group(group)
                known.add(group)
            inventory.add_child(group, name)
        hostvars = doc.get("vars") or {}
        host = inventory.get_host(name)  # the Host itself: no copy and tag of every value (module docstring)
        for key, value in hostvars.items():
            host.set_variable(key, value)
        if constructed:
            plugin._set_composite_vars(compose, hostvars, name, strict=strict)
            plugin._add_host_to_composed_groups(groups, hostvars, name, strict=strict)
            plugin._add_host_to_keyed_groups(keyed, hostvars, name, strict=strict)
    return len(hosts)
