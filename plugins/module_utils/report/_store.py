# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: what the status report reads of the site's alarms and the master's copies (read-only)."""
from __future__ import annotations

from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store import AlarmStore, FedAlarmStore, FedTopologyStore


def open_alarms(alarms: AlarmStore, copies: FedAlarmStore) -> Optional[list[dict[str, Any]]]:
    """Active alarms: the site's own (``child`` empty) and the master's copies of its children's.

    (``None`` stands for "no alarm service": the report then says so.)
    """
    out = [dict(a, child="") for a in alarms.select(state="active")]
    out.extend(dict(a) for a in copies.select(cleared=False))
    return out


def federation(copies: FedTopologyStore) -> Optional[dict[str, Any]]:
    """The master's children and merged host documents; ``None`` on a store that holds no copies."""
    children = list(copies.pulls.all().values())
    hosts = list(copies.hosts())
    if not children and not hosts:
        return None
    return {"children": children, "hosts": hosts}
