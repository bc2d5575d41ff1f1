# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup ``netsync.fleet.search``: search every stored configuration (``history/search.py``)."""
from __future__ import annotations

DOCUMENTATION = r"""
name: search
short_description: Search every stored configuration for a substring or a regular expression
version_added: 0.3.0
description:
  - Each term is a substring (or with O(regex=true) a Python regular expression) searched line by line in the
    stored configurations of all devices; returns one item per matching line with its device, snapshot version
    and line number. The same search as the module P(netsync.fleet.search#module); see there for the details.
  - By default each device's latest snapshot; with O(since)/O(until) or O(all_versions), every version the
    store took in that range.
  - "Lines are searched and returned with device secrets masked (C(<secret:XXXXXXXXXXXX>)): a secret in
    clear never matches and is never returned. A pattern that mentions C(secret) or C(<) searches fully masked
    texts (markers can be searched for; slower)."
  - Every value returned is unsafe (never templated), since configuration lines are remote data.
  - A bad regular expression is an error naming it.
options:
  _terms:
    description: Patterns; the matches of all of them, in order.
    required: true
  regex:
    description: Terms are regular expressions.
    type: bool
    default: false
  ignore_case:
    description: Match without regard to case.
    type: bool
    default: false
  all_versions:
    description: Search every version instead of each device's latest.
    type: bool
    default: false
  since:
    description: Every version taken at or after this time (epoch seconds or ISO 8601, no zone means UTC).
    type: raw
  until:
    description: Every version taken at or before this time (epoch seconds or ISO 8601).
    type: raw
  devices:
    description: Only these devices.
    type: list
    elements: str
  max_results:
    description: At most this many lines per term (a warning says when more matched).
    type: int
    default: 1000
extends_documentation_fragment:
  - netsync.fleet.store.lookup
"""

EXAMPLES = r"""
- name: Devices that still send syslog to the old server
  ansible.builtin.debug:
    msg: "{{ query('netsync.fleet.search', '192.0.2.10') | map(attribute='device') | unique }}"

- name: Every description of every device, as lines
  ansible.builtin.debug:
    msg: "{{ item.device }}:{{ item.line_number }} {{ item.line }}"
  loop: "{{ query('netsync.fleet.search', ' description ', store='/var/lib/netsync/fleet.db') }}"

- name: Lines of the last day's versions matching a regular expression
  ansible.builtin.debug:
    msg: "{{ query('netsync.fleet.search', '^system syslog host \\S+', regex=true, since='2026-11-29T00:00:00Z') }}"
"""

RETURN = r"""
_list:
  description: Matching lines, per term by device, version and line number.
  type: list
  elements: dict
  contains:
    pattern: {description: "The term that matched.", type: str}
    device: {description: "Device name.", type: str}
    version: {description: "Snapshot version.", type: int}
    taken_at: {description: "When the store took that snapshot (epoch seconds).", type: float}
    line_number: {description: "Line number in the rendering (from 1).", type: int}
    line: {description: "The line, secrets masked.", type: str}
"""

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.utils.display import Display

from ansible_collections.netsync.fleet.plugins.module_utils.history.search import SearchError, search
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.search import QUERY_OPTIONS, query_from_options
from ansible_collections.netsync.fleet.plugins.plugin_utils.store_lookup import StoreLookup

display = Display()


class LookupModule(StoreLookup):
    lookup_name = "netsync.fleet.search"
    lookup_errors = (SearchError,)

    def lookup(self, terms: list[Any]) -> list[Any]:
        if not terms:
            raise AnsibleLookupError("netsync.fleet.search needs a pattern as its term")
        options = {name: self.get_option(name) for name in QUERY_OPTIONS}
        queries = [(str(term), query_from_options(str(term), options)) for term in terms]
        out: list[Any] = []
        with self.open_store() as store:
            key = store.mask_key()
            for term, query in queries:
                result = search(store.snapshot_feed, key, query)
                if result["truncated"]:
                    display.warning("netsync.fleet.search: more than %d lines match %r; raise max_results to "
                                    "see them all" % (query.max_results, term))
                out.extend(dict(match, pattern=term) for match in result["matches"])
        return out
