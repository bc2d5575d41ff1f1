# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the listener package: when the due jobs go out together (rule R11). Pure, no I/O.

The runner (ansible-rulebook, sequential by default) takes one run at a time, and every run pays
ansible-playbook's start-up. So the listener sends a burst to as few runs as the damping allows,
and never a job before its own due time (R1):

* **A chain of due times is one batch.** From the first due job, every pending job whose due time
  follows the previous one's within ``window`` joins; the batch leaves when the last of them falls
  due (at least ``window`` after the first), but at most ``span`` after the first fell due.
* **While a run goes, due jobs wait for its end.** While a job the listener dispatched has not
  finished (its run is queued or running), due jobs wait, then leave together the moment the last
  of those jobs ends: the next run could not have started earlier, and every job that fell due
  meanwhile shares it. A due job waits so at most ``hold`` past its due time (a runner that runs
  in parallel, a run that never ends).

``window``, ``span`` and ``hold`` 0 give the core's eager default: every job leaves when due.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import DeviceState


def chain_end(dues: list[float], window: float, span: float) -> float:
    """When the last job of the chain starting at the first due time falls due, within ``span``."""
    first = last = dues[0]
    if span <= 0:
        return first
    for due in dues[1:]:
        if due - last > window or due > first + span:
            break
        last = due
    return last


def in_flight(states: Iterable[DeviceState]) -> bool:
    """A job the listener dispatched has not ended (its run is queued or running)."""
    return any(s.running is not None and s.running.dispatched_at is not None for s in states)


def release_at(states: list[DeviceState], window: float, span: float, hold: float) -> Optional[float]:
    """When the pending jobs that are due go out (None: nothing pending). Before that, ``tick``
    only handles timeouts; at or after it, every job due by then leaves in one event."""
    dues = sorted(s.pending.due for s in states if s.pending is not None)
    if not dues:
        return None
    first = dues[0]
    ready = max(first + window, chain_end(dues, window, span))
    if hold > 0 and in_flight(states):
        return max(ready, first + hold)
    return ready
