# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup ``netsync.fleet.alarms``: the merged alarms of federation children, pulled on demand."""
from __future__ import annotations

DOCUMENTATION = r"""
name: alarms
short_description: Alarms of netsync.fleet federation children, pulled on demand
description:
  - Returns the alarms of every child server (or of O(children)), merged, each with the C(child)
    it came from. Alarms are raised and cleared by each site's store (failed resyncs, devices
    down or Out of Sync too long, notifications from unknown sources, device syslog at severity
    error or worse) and queued with sequence numbers.
  - On demand only. The master pulls a child's alarm changes since its cursor only when its last
    pull of that child is older than O(max_alarm_update_delay); otherwise it answers from its copy
    in the master's store (O(store)), which separate ansible runs share.
  - A child that cannot be reached (or refuses the token, or answers garbage) gives its last known
    alarms with C(stale=true), and a warning. A child whose clock differs from the master's by more
    than C(max_system_time_difference) (of the federation configuration) gives its alarms with
    C(clock_suspect=true), and a warning.
  - Children come from O(federation_config), the C(*.federation.yml) file of the
    P(netsync.fleet.federation#inventory) inventory plugin (its C(children), and optionally
    C(store), C(max_alarm_update_delay), C(timeout), C(max_system_time_difference)).
  - Every value returned is unsafe (never templated).
  - Use C(query()) or C(wantlist=true) to always get a list.
options:
  max_alarm_update_delay:
    description:
      - Seconds a copy of a child's alarms is used without asking the child again.
      - Unset, the value in the federation configuration, else 50.
    type: float
    env:
      - name: NETSYNC_MAX_ALARM_UPDATE_DELAY
    ini:
      - section: netsync_fleet
        key: max_alarm_update_delay
  timeout:
    description: Seconds one request to a child may take (unset, the federation configuration's, else 30).
    type: float
  children:
    description: Only the alarms of these children (names of the federation configuration); default all.
    type: list
    elements: str
  severity:
    description: Only alarms of this severity or worse.
    type: str
    choices: [critical, major, minor, warning, info]
  device:
    description: Only alarms of this device (a name, or a glob such as C(r*)).
    type: str
  type:
    description: Only alarms of this type.
    type: str
    choices: [sync_failed, connection_down, out_of_sync, unknown_source, device_syslog]
  state:
    description: C(active) alarms (not cleared), C(cleared) ones, or C(all).
    type: str
    choices: [active, cleared, all]
    default: active
extends_documentation_fragment:
  - netsync.fleet.federation_master
"""

EXAMPLES = r"""
- name: Everything alarming, anywhere
  ansible.builtin.debug:
    msg: "{{ query('netsync.fleet.alarms', federation_config='sites.federation.yml') }}"

- name: Critical and major alarms of the paris site's routers
  ansible.builtin.debug:
    msg: "{{ item.child }} {{ item.device }} {{ item.type }}: {{ item.message }}"
  loop: "{{ query('netsync.fleet.alarms', children=['paris'], severity='major', device='r*') }}"

# ansible.cfg:
#   [netsync_fleet]
#   federation_config = /etc/netsync/sites.federation.yml
#   max_alarm_update_delay = 50
"""

RETURN = r"""
_list:
  description: Alarms, most severe first, then most recent.
  type: list
  elements: dict
  contains:
    child: {description: Child server the alarm came from., type: str}
    id: {description: Alarm id on that child., type: int}
    type:
      description: C(sync_failed), C(connection_down), C(out_of_sync), C(unknown_source) or C(device_syslog).
      type: str
    severity: {description: "C(critical), C(major), C(minor), C(warning) or C(info).", type: str}
    device: {description: "Device name (for C(unknown_source), the source address).", type: str}
    subject: {description: What tells apart alarms of one type on one device (syslog tag)., type: str}
    message: {description: What happened., type: str}
    raised_at: {description: "When it was raised (epoch seconds, child clock).", type: float}
    cleared_at: {description: "When it was cleared, or null.", type: float}
    updated_at: {description: Last change (a repeat or the clear)., type: float}
    count: {description: Occurrences while active., type: int}
    state: {description: C(active) or C(cleared)., type: str}
    seq: {description: Sequence number of its last change on the child., type: int}
    stale: {description: The child could not be pulled; this is its last known state., type: bool}
    clock_suspect: {description: The child's clock differs from the master's beyond the limit., type: bool}
"""

from typing import Any, Optional

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

display = Display()


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: Optional[dict[str, Any]] = None, **kwargs: Any) -> list[Any]:
        from ansible.utils.unsafe_proxy import wrap_var

        from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError, open_store
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import alarms as fa
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
            load_federation,
            master_store,
        )

        self.set_options(var_options=variables, direct=kwargs)
        if terms:
            raise AnsibleLookupError("netsync.fleet.alarms takes no terms, only options (children=, severity=, ...)")
        try:
            fed = load_federation(self.get_option("federation_config"), self._loader)
            delay = fa.number(self.get_option("max_alarm_update_delay"), "max_alarm_update_delay",
                              fa.number(fed.settings.get("max_alarm_update_delay"), "max_alarm_update_delay",
                                        fa.DEFAULT_MAX_ALARM_UPDATE_DELAY))
            if self.get_option("timeout") is not None:
                fed.config.timeout = fa.number(self.get_option("timeout"), "timeout", 30.0)
            query = fa.AlarmQuery(children=self.get_option("children"), severity=self.get_option("severity"),
                                  device=self.get_option("device"), state=self.get_option("state"),
                                  type=self.get_option("type"))
            with open_store(master_store(self.get_option("store"), fed)) as store:
                result = fa.query_alarms(store.fed_alarms, fed.config, query, delay)
        except (OSError, ValueError, StoreError) as exc:
            raise AnsibleLookupError("netsync.fleet.alarms: %s" % exc) from exc
        for warning in result["warnings"]:
            display.warning(warning)
        return [wrap_var(alarm) for alarm in result["alarms"]]
