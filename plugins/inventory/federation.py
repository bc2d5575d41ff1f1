# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin ``netsync.fleet.federation``: the merged topology of federation children."""
from __future__ import annotations

DOCUMENTATION = r"""
name: federation
short_description: Hosts from the merged topology of netsync.fleet federation children
description:
  - Pulls topology objects from netsync.fleet child servers (one per site), concurrently and with
    timeouts, merges them (same identity on several children = one object, the union of their
    contained objects, newest copy wins a conflicting property) and returns one host per Device.
  - The first cycle pulls everything in scope; later cycles pull only what changed since the
    child's cursor, and drop what the child deleted. Between refreshes the plugin answers from
    the master's own store without contacting children.
  - A child that is down, slow or answers garbage keeps its last known objects, marked stale
    (group C(federation_stale)); a child whose clock differs from the master's by more than
    O(max_system_time_difference) has its devices in group C(federation_clock_skew).
  - Host variables C(netsync_device) (the Device's merged properties), C(netsync_interfaces)
    (interface name to its other properties and C(addresses), its prefixes), C(netsync_sources),
    C(netsync_stale), C(netsync_clock_suspect), C(netsync_version), C(netsync_updated_at), and
    C(netsync_objects) (objects of other types) when there are any.
    Groups C(site_<site>), C(child_<child>), C(platform_<platform>). All remote data is unsafe
    (never templated).
  - The configuration file name must end with C(.federation.yml) or C(.federation.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [netsync.fleet.federation]
  children:
    description: The child servers.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Child name (groups C(child_<name>)).
        type: str
        required: true
      url:
        description: Base URL, for example C(https://site-a.example:8443).
        type: str
        required: true
      token:
        description: Bearer token; prefer O(children[].token_file).
        type: str
      token_file:
        description: File whose first line is the token (relative to the configuration file).
        type: path
      validate_certs:
        description: Verify the child's TLS certificate.
        type: bool
        default: true
      ca_path:
        description: CA bundle to verify the child's certificate with.
        type: path
  topology_queries:
    description:
      - The topology in scope, as a list of queries; an object is in scope when one query matches.
        A query has C(types) (object types, empty = all) and C(where) (property name to a glob
        that must match). Default everything.
      - Changing the queries re-pulls each child once on the next cycle (objects that came into
        scope are fetched, those that left it are dropped from the master's copy); later cycles are
        incremental again.
      - "Lean mode: C([{types: [Device]}]) keeps only the devices. Each host then has C(netsync_device)
        and the flags but an empty C(netsync_interfaces), so loading the inventory (what every playbook
        pays before its first task) takes about half of the full model's memory: at 10,000 hosts 1.5 s of CPU
        and 88 MiB against 1.8 s and 184 MiB (C(docs/federation-inventory.md) has the figures). Use it when
        playbooks need the hosts, groups and device properties but not the interfaces and addresses."
    type: list
    elements: dict
    default: []
  refresh_interval:
    description: Seconds between two pulls from the children.
    type: float
    default: 300
  max_system_time_difference:
    description: Largest accepted difference between a child's clock and the master's, in milliseconds.
    type: float
    default: 60000
  store:
    description: The master's own store (SQLite path or postgresql:// URL) for the merged model and cursors.
    type: str
    default: ~/.netsync/federation.db
    env:
      - name: NETSYNC_FEDERATION_STORE
  timeout:
    description: Seconds one request to a child may take.
    type: float
    default: 30
  page_size:
    description: Objects per page asked from a child (at most the child's C(--max-page)).
    type: int
    default: 5000
  sync_wait:
    description:
      - One sync cycle runs at a time per master store. A run that finds another run's cycle under way
        (two AWX/AAP jobs at once, a job and a scheduled inventory update, another master machine on the
        same PostgreSQL store) waits for it up to this many seconds, then answers from what that cycle
        stored; it pulls itself only if a cycle is still due (the other run was killed part-way, or
        O(refresh_interval) is 0).
      - If the other cycle is still running after C(sync_wait) seconds, the run answers from the store as
        it is, with a warning.
      - The lock is a C(flock) on the file C(<store>.federation-topology.lock) beside a SQLite store and a
        session advisory lock on PostgreSQL; either ends with the process that holds it, killed or not.
    type: float
    default: 600
"""

EXAMPLES = r"""
# sites.federation.yml
plugin: netsync.fleet.federation
store: /var/lib/netsync/federation.db
children:
  - {name: paris, url: "https://paris.example:8443", token_file: /etc/netsync/paris.token, ca_path: ca.pem}
  - {name: lyon, url: "https://lyon.example:8443", token_file: /etc/netsync/lyon.token, ca_path: ca.pem}
topology_queries:
  - {types: [Device, Interface, Address]}
keyed_groups:
  - {key: netsync_device.model, prefix: model}
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/netsync-federation
"""

import os
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import (
    inventory_data,
    populate,
    usable,
)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "netsync.fleet.federation"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith((".federation.yml", ".federation.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                update_cache = True
            if data is not None and not usable(data):  # written by an older version of this plugin
                data, update_cache = None, True
        if data is None:
            data = self._pull(path)
        for warning in data.get("warnings") or []:
            self.display.warning(str(warning))
        if update_cache:
            self._cache[cache_key] = data
        populate(self, data, strict=self.get_option("strict"))

    def _pull(self, path: str) -> dict[str, Any]:
        # imported here: answering from the inventory cache needs no store, no HTTP client
        from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError, open_store
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import load_federation

        try:
            cfg = load_federation(path, self.loader).config  # the lookups' loader too: vaulted tokens work
            with open_store(os.path.expanduser(str(self.get_option("store")))) as store:
                return inventory_data(store.fed_topology, cfg)
        except (OSError, ValueError, StoreError) as exc:
            raise AnsibleParserError("netsync.fleet.federation (%s): %s" % (path, exc)) from exc
