#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Write a status report of the store as one self-contained HTML page and as JSON
version_added: 0.2.0
description:
  - Reads the store and writes one HTML page (inline CSS and SVG, one fixed inline script for the device filter,
    no external resource) and the same data as JSON. Does not contact any device.
  - "The page shows: a summary line (for example C(12 devices: 10 In Sync, 1 Out of Sync, 1 Sync Failed)),
    every device with its managed status, connection state, last sync and status reason; the recent jobs with
    how many notifications each covered; the auto-resync listener's jobs (pending with due time and why,
    dispatched, running) and counters (dropped unknown sources, rejected lines, kernel drops, ...); the open
    alarms (when the store has the alarm service); and, on a
    federation master (a store holding children's copies), the federated topology drawn as a picture: sites
    with the children they came from, devices coloured by status, and links between devices where known."
  - "Each device name links to its history: its newest O(history) snapshot versions with when the store took
    each, the device's commit time, who committed, the commit comment (when the store records it) and the diff
    against the version before (secrets masked, cut after 60 lines). The JSON has the same under C(history)."
  - "A search box above the device table filters the devices (and their history) by any text of their row:
    name, status, platform, reason. It is the page's only script; the page's Content Security Policy allows
    that exact script (by its sha256) and nothing else, so a device string that escaped escaping could not run."
  - A job covers the accepted notifications of its device that its configuration read included, each counted
    once, by the first job that read after the notification arrived (or whose read already included the
    notified commit, when the device reported commit times). A job that did not read covers none; its
    notifications go to the next job that reads. See C(docs/report.md).
  - A link is drawn between two devices that have distinct addresses in the same IP subnet (not a host route).
  - Every string from the store is escaped, since device data is remote and untrusted.
  - The report holds no wall-clock time, only the newest time found in the data (RV(as_of)), so the files
    change, and the task reports C(changed), only when the data changes.
  - Runs on the controller (an action plugin); O(path) and O(json_path) are controller paths.
author: Netsync Fleet Team (@netsync-fleet)
options:
  path:
    description: The HTML file to write. Missing directories are created.
    type: path
    required: true
  json_path:
    description: The JSON file to write. Defaults to O(path) with C(.json) for C(.html) (or C(.json) appended).
    type: path
  jobs:
    description: How many of the most recent jobs to show (0 for none).
    type: int
    default: 20
  history:
    description:
      - How many of each device's newest snapshot versions the history view shows (0 for no history view).
      - Each shown version reads two stored configurations, so a large fleet with a large value makes a slower
        report and a larger page.
    type: int
    default: 3
  title:
    description: Title of the page.
    type: str
    default: netsync.fleet status
  mode:
    description:
      - Permissions of the files written, as an octal string such as C('0644'). Quote it; an unquoted YAML
        C(0644) is read as the number of those permission bits.
    type: raw
    default: '0644'
extends_documentation_fragment:
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reports whether the files would change (and the diff), writes nothing.
  diff_mode:
    support: full
    description: The before and after text of each file that changes.
  idempotent:
    support: full
    description: The content depends only on the store's data, never on the time the report runs.
seealso:
  - module: netsync.fleet.device_info
"""

EXAMPLES = r"""
- name: Status report of the fleet
  netsync.fleet.report:
    path: /var/www/html/netsync/index.html
  run_once: true
  delegate_to: localhost

- name: Report of the last 50 jobs, JSON next to it under another name
  netsync.fleet.report:
    path: reports/fleet.html
    json_path: reports/fleet-data.json
    jobs: 50
    title: Paris site
  run_once: true
"""

RETURN = r"""
path:
  description: The HTML file.
  returned: always
  type: str
json_path:
  description: The JSON file.
  returned: always
  type: str
changed_files:
  description: The files whose content changed (or would change in check mode).
  returned: always
  type: list
  elements: str
as_of:
  description: Epoch seconds of the newest time in the data (null for an empty store).
  returned: always
  type: float
summary:
  description: Counts shown at the top of the page.
  returned: always
  type: dict
  contains:
    devices: {description: Number of devices., type: int, returned: always}
    line:
      description: "The summary line, for example C(3 devices: 2 In Sync, 1 Sync Failed)."
      type: str
      returned: always
    managed_status: {description: Devices per managed status., type: dict, returned: always}
    connection_state: {description: Devices per connection state., type: dict, returned: always}
    jobs: {description: Number of recent jobs shown., type: int, returned: always}
    open_alarms:
      description: Number of open alarms (null when the store has no alarm service).
      type: int
      returned: always
    alarm_severity: {description: Open alarms per severity., type: dict, returned: always}
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.report import REPORT_SPEC, run_report_task
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main


def main() -> None:
    module_main(REPORT_SPEC, run_report_task)


if __name__ == "__main__":
    main()
