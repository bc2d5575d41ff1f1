#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: search
short_description: Search every stored configuration for a substring or a regular expression
version_added: 0.3.0
description:
  - Searches the stored configurations of all devices (or of O(devices)) line by line and returns each
    matching line with its device, snapshot version and line number. Does not contact any device.
  - By default the latest snapshot of each device is searched. With O(since) and/or O(until), or
    O(all_versions), every version the store took in that time range is searched.
  - "What is searched is the configuration as C(netsync.fleet.device_info) shows it: the stable rendering,
    one statement a line (Junos C(interfaces interface ge-0/0/1 description uplink)), with every device
    secret masked as C(<secret:XXXXXXXXXXXX>). A secret in clear never matches and is never returned:
    the stored text is scanned first, then each line found is masked and tested again."
  - A pattern that mentions C(secret) or C(<), or that matches a marker on its own, is searched on fully
    masked texts, so markers can be searched for (the same secret has the same marker on every device of a
    store, so searching a marker finds where a secret is reused). This is slower (every line is masked).
    Another pattern that could only match through a marker (for example C(key [^\"])) does not find such lines.
  - A plain substring (O(regex=false), O(ignore_case=false)) is filtered inside the database first, so
    texts without it are never read.
  - The line numbers are those of the rendering (C(device_info) with O(netsync.fleet.device_info#module:version)
    shows the same text).
  - A bad regular expression fails the task with the error of Python's C(re) module.
  - Runs on the controller (an action plugin); use it with C(run_once) or on C(localhost).
author: Netsync Fleet Team (@netsync-fleet)
options:
  pattern:
    description: A substring, or with O(regex=true) a Python regular expression (C(re.search) on each line).
    type: str
    required: true
  regex:
    description: Treat O(pattern) as a regular expression.
    type: bool
    default: false
  ignore_case:
    description: Match without regard to case.
    type: bool
    default: false
  all_versions:
    description: Search every stored version instead of each device's latest (see O(since), O(until)).
    type: bool
    default: false
  since:
    description:
      - Search every version the store took at or after this time (epoch seconds, or ISO 8601 such as
        C(2026-11-30T10:00:00Z); no zone means UTC). The time is when the store took the snapshot.
    type: raw
  until:
    description: Search every version the store took at or before this time (same forms as O(since)).
    type: raw
  devices:
    description: Only these devices (names as in the store).
    type: list
    elements: str
  max_results:
    description: At most this many lines are returned; RV(truncated) says when more matched.
    type: int
    default: 1000
extends_documentation_fragment:
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reads only; check mode runs the same search.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  idempotent:
    support: full
    description: Never changes anything.
notes:
  - The lookup P(netsync.fleet.search#lookup) runs the same search inside a template.
seealso:
  - module: netsync.fleet.device_info
  - plugin: netsync.fleet.search
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Which devices still name the old syslog server?
  netsync.fleet.search:
    pattern: 192.0.2.10
  register: found
  run_once: true
  delegate_to: localhost

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.device }} v{{ item.version }} line {{ item.line_number }}: {{ item.line }}"
  loop: "{{ found.matches }}"
  run_once: true

- name: Every version of the last week that had a disabled interface
  netsync.fleet.search:
    pattern: '^interfaces interface \S+ disable$'
    regex: true
    since: "2026-11-23T00:00:00Z"
  run_once: true

- name: Where is this secret reused (markers are stable within a store)?
  netsync.fleet.search:
    pattern: "<secret:3f9a0c1d2e4b>"
  run_once: true
"""

RETURN = r"""
matches:
  description: Matching lines, by device, version and line number, secrets masked.
  returned: always
  type: list
  elements: dict
  contains:
    device: {description: "Device name.", type: str}
    version: {description: "Snapshot version.", type: int}
    taken_at: {description: "When the store took that snapshot (epoch seconds).", type: float}
    line_number: {description: "Line number in the rendering (from 1).", type: int}
    line: {description: "The line, secrets masked.", type: str}
truncated:
  description: More lines matched than O(max_results).
  returned: always
  type: bool
texts_searched:
  description: How many snapshots were searched (a substring filtered in the database counts only texts holding it).
  returned: always
  type: int
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.search import SEARCH_SPEC, run_search_task


def main() -> None:
    module_main(SEARCH_SPEC, run_search_task)


if __name__ == "__main__":
    main()
