# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup ``netsync.fleet.change_notice``: the change notice of one stored version (``history/notices.py``)."""
from __future__ import annotations

DOCUMENTATION = r"""
name: change_notice
short_description: The change notice of one stored snapshot version, with the masked diff
version_added: 0.3.0
description:
  - Returns the same notice the event source C(netsync.fleet.changes) emits, read again from the store
    for O(device) and O(new_version) - who committed, when, the commit comment, and the unified diff against
    O(old_version) with every device secret masked, cut after O(max_diff_lines) lines or O(max_diff_bytes) bytes.
  - Every value returned is unsafe (never templated). This is why the shipped playbook
    C(netsync.fleet.change_notice) reads the notice here instead of taking the event's text as extra
    variables, since ansible-playbook would evaluate a C({{ ... }}) that a device's configuration contains.
options:
  device:
    description: Device name.
    type: str
    required: true
  new_version:
    description: The new snapshot version.
    type: int
    required: true
  old_version:
    description: The version to compare with; unset or 0, the one before O(new_version).
    type: int
  max_diff_lines:
    description: At most this many diff lines.
    type: int
    default: 200
  max_diff_bytes:
    description: At most this many bytes of diff.
    type: int
    default: 16384
extends_documentation_fragment:
  - netsync.fleet.store.lookup
"""

EXAMPLES = r"""
- name: The notice of r1's version 5
  ansible.builtin.debug:
    msg: "{{ lookup('netsync.fleet.change_notice', device='r1', new_version=5).summary }}"
"""

RETURN = r"""
_raw:
  description: One notice.
  type: list
  elements: dict
  contains:
    device: {description: "Device name.", type: str}
    old_version: {description: "Version compared with.", type: int}
    new_version: {description: "The new version.", type: int}
    user: {description: "Who committed on the device (when the device says).", type: str}
    comment: {description: "The device's commit comment (when the store records it).", type: str}
    commit_time: {description: "The device's commit time (epoch seconds, when the device says).", type: float}
    taken_at: {description: "When the store took the snapshot (epoch seconds).", type: float}
    job_id: {description: "The resync job that stored it.", type: str}
    diff: {description: "Unified diff, secrets masked, bounded.", type: str}
    diff_truncated: {description: "The diff was cut.", type: bool}
    diff_lines: {description: "Lines of the whole diff.", type: int}
    lines_added: {description: "Lines added.", type: int}
    lines_removed: {description: "Lines removed.", type: int}
    summary: {description: "One line, for example C(r1 v4 -> v5 by ops: 2 lines added, 1 removed).", type: str}
"""

from typing import Any

from ansible.errors import AnsibleLookupError

from ansible_collections.netsync.fleet.plugins.module_utils.history.notices import NoticeError, notice_for
from ansible_collections.netsync.fleet.plugins.plugin_utils.store_lookup import StoreLookup


class LookupModule(StoreLookup):
    lookup_name = "netsync.fleet.change_notice"
    lookup_errors = (NoticeError, ValueError)

    def lookup(self, terms: list[Any]) -> list[Any]:
        if terms:
            raise AnsibleLookupError("netsync.fleet.change_notice takes no terms, only options (device=, new_version=)")
        with self.open_store() as store:
            return [notice_for(store.snapshot_feed, store.mask_key(), str(self.get_option("device")),
                               int(self.get_option("new_version")), self.get_option("old_version") or None,
                               int(self.get_option("max_diff_lines")), int(self.get_option("max_diff_bytes")))]
