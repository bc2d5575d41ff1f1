# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup ``netsync.fleet.metrics``: a device's metric series merged from the federation children that hold it."""
from __future__ import annotations

DOCUMENTATION = r"""
name: metrics
short_description: Metric series of a device, pulled on demand from netsync.fleet federation children
description:
  - For each metric name given as a term, returns one series of the object O(device) in the period
    O(start) to O(end), merged from every child server that holds data for it (a device seen by
    two children gives one series; points are deduplicated by time).
  - The master first finds which children hold the metric for the device (it asks all children),
    then pulls the points from those. It keeps that set of sources in its store and reuses it for
    O(metric_source_reuse) seconds, in this and in other runs, unless the federation configuration
    changes (another child, URL, token, TLS setting); then it asks all children again.
  - Metrics recorded by each site, per device - C(resync_duration) (seconds, per finished resync),
    C(config_size) (bytes, per good resync), C(commits_notified) (accepted commit notifications
    per listener write), C(jobs_run) (1 per good, 0 per failed resync job).
  - A child that cannot be pulled is left out of the series, with a warning and its name under
    C(missing). A child whose clock differs from the master's is named under C(clock_suspect);
    where its points collide in time with a trusted child's, the trusted point is kept.
  - Children come from O(federation_config), the C(*.federation.yml) file of the
    P(netsync.fleet.federation#inventory) inventory plugin (C(children), and optionally C(store),
    C(metric_source_reuse), C(timeout), C(max_system_time_difference)).
  - Every value returned is unsafe (never templated).
options:
  _terms:
    description: Metric names.
    type: list
    elements: str
    required: true
  device:
    description: The object (device name) whose series is wanted.
    type: str
    required: true
  start:
    description: Start of the period, C(now), relative (C(-1h), C(-30m), C(-7d), C(now-90s)), epoch seconds or ISO 8601.
    type: str
    default: "-1h"
  end:
    description: End of the period, same forms as O(start).
    type: str
    default: now
  metric_source_reuse:
    description:
      - Seconds a set of sources is reused before all children are asked again.
      - Unset, the value in the federation configuration, else 180 (3 minutes).
    type: float
    env:
      - name: NETSYNC_METRIC_SOURCE_REUSE
    ini:
      - section: netsync_fleet
        key: metric_source_reuse
  timeout:
    description: Seconds one request to a child may take (unset, the federation configuration's, else 30).
    type: float
extends_documentation_fragment:
  - netsync.fleet.federation_master
"""

EXAMPLES = r"""
- name: How long resyncs of r1 took in the last hour, across all sites
  ansible.builtin.debug:
    msg: "{{ lookup('netsync.fleet.metrics', 'resync_duration', device='r1', start='-1h', end='now') }}"

- name: Configuration size of r1 over a week (points as [time, value])
  ansible.builtin.set_fact:
    r1_size: "{{ lookup('netsync.fleet.metrics', 'config_size', device='r1', start='-7d').points }}"
"""

RETURN = r"""
_list:
  description: One entry per term.
  type: list
  elements: dict
  contains:
    name: {description: Metric name., type: str}
    object: {description: Device name., type: str}
    start: {description: Period start (epoch seconds)., type: float}
    end: {description: Period end (epoch seconds)., type: float}
    points: {description: "Merged points C([time, value]), by time, one per time.", type: list}
    sources: {description: Children whose points are in the series., type: list}
    missing: {description: Children that hold the metric but could not be pulled., type: list}
    clock_suspect: {description: Sources whose clock differs from the master's beyond the limit., type: list}
    sources_reused:
      description: The set of sources came from the store (determined less than O(metric_source_reuse) ago).
      type: bool
    sources_determined_at: {description: When the set of sources was determined (epoch seconds)., type: float}
"""

from typing import Any, Optional

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

display = Display()


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: Optional[dict[str, Any]] = None, **kwargs: Any) -> list[Any]:
        from ansible.utils.unsafe_proxy import wrap_var

        from ansible_collections.netsync.fleet.plugins.module_utils.alarms.metrics import check_name, parse_range
        from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError, open_store
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import alarms as fa
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
            load_federation,
            master_store,
        )
        from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.metrics import (
            DEFAULT_SOURCE_REUSE,
            metric_query,
        )

        self.set_options(var_options=variables, direct=kwargs)
        if not terms:
            raise AnsibleLookupError("netsync.fleet.metrics needs a metric name, e.g. 'resync_duration'")
        try:
            names = [check_name(str(t)) for t in terms]
            import time
            start, end = parse_range(self.get_option("start"), self.get_option("end"), time.time())
            fed = load_federation(self.get_option("federation_config"), self._loader)
            reuse = fa.number(self.get_option("metric_source_reuse"), "metric_source_reuse",
                              fa.number(fed.settings.get("metric_source_reuse"), "metric_source_reuse",
                                        DEFAULT_SOURCE_REUSE))
            if self.get_option("timeout") is not None:
                fed.config.timeout = fa.number(self.get_option("timeout"), "timeout", 30.0)
            with open_store(master_store(self.get_option("store"), fed)) as store:
                results = metric_query(store.fed_alarms, fed, names, str(self.get_option("device")), start, end, reuse)
        except (OSError, ValueError, StoreError) as exc:
            raise AnsibleLookupError("netsync.fleet.metrics: %s" % exc) from exc
        for result in results:
            for warning in result.pop("warnings"):
                display.warning(warning)
        out = []
        for result in results:
            points = result.pop("points")  # numbers only (checked when pulled): nothing to mark, fast
            wrapped = wrap_var(result)
            wrapped["points"] = points
            out.append(wrapped)
        return out
