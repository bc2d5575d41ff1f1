# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the report's listener section: what the auto-resync listener decided and counted.

Read from what the listener persists at each flush: its damper states (a device's pending job
with its due time and why, the job it dispatched or that runs), its counters (dropped unknown
sources, rejected lines, kernel drops …; the standby's beside the leader's) and the leader lease.
"""
from __future__ import annotations

import time
from html import escape
from typing import Any, Mapping, Optional

# pending.kind -> why the job is pending
WHY = {
    "scheduled": "commit notified",
    "follow-up": "commit after the running job's read",
    "retry": "retry after a failed job",
}
# counter -> what it counts, in the order shown; "tcp:rejected" sums every tcp:rejected:<reason>
COUNTERS = (
    ("received", "messages received"),
    ("accepted", "commit notifications accepted"),
    ("dropped:unknown-source", "dropped: unknown source"),
    ("dropped:unknown-device", "dropped: unknown device"),
    ("malformed", "rejected lines (malformed)"),
    ("tcp:rejected", "rejected TCP frames"),
    ("udp:kernel-drops", "UDP datagrams dropped by the kernel"),
    ("dropped:backlog-full", "dropped: backlog full (store down)"),
    ("store-errors", "store write errors (retried)"),
    ("forwarded", "forwarded to the leader (standby)"),
    ("lease:acquired", "leader lease taken"),
    ("lease:lost", "leader lease lost"),
)


def _counters(doc: Optional[Mapping[str, Any]]) -> Optional[dict[str, Any]]:
    if not doc or not isinstance(doc.get("counters"), Mapping):
        return None
    raw: Mapping[str, Any] = doc["counters"]
    values = {key: int(raw.get(key, 0) or 0) for key, _label in COUNTERS if key != "tcp:rejected"}
    values["tcp:rejected"] = sum(int(v or 0) for k, v in raw.items() if str(k).startswith("tcp:rejected:"))
    return {"at": doc.get("at"), "role": doc.get("role", "leader"), "values": values}


def listener_view(states: Mapping[str, Mapping[str, Any]], counters: Optional[Mapping[str, Any]],
                  lease: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """The section's data (pure): jobs (pending, dispatched, running) by device, counters, the leader."""
    jobs: list[dict[str, Any]] = []
    for device in sorted(states):
        state = states[device] or {}
        running, pending = state.get("running"), state.get("pending")
        if running:
            started = running.get("started_at")
            jobs.append({"device": device, "state": "running" if started is not None else "dispatched",
                         "job_id": running.get("job_id") or running.get("dispatch_id"),
                         "since": started if started is not None else running.get("dispatched_at"),
                         "due": None, "why": None})
        if pending:
            kind = str(pending.get("kind", "scheduled"))
            why = WHY.get(kind, kind)
            if pending.get("postponed"):
                why += "; postponed %d time(s) while a job runs" % int(pending["postponed"])
            jobs.append({"device": device, "state": "pending", "job_id": None, "since": pending.get("created_at"),
                         "due": pending.get("due"), "why": why})
    view: dict[str, Any] = {"jobs": jobs, "counters": _counters(counters),
                            "standby": _counters((counters or {}).get("standby")), "leader": None}
    if lease and lease.get("holder"):  # not whether it is still held: the report holds no wall-clock time
        view["leader"] = {"holder": lease.get("holder"), "since": lease.get("since")}
    return view


def _t(value: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(value)))
    except (TypeError, ValueError, OverflowError, OSError):
        return "\u2014"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _counter_table(counters: Mapping[str, Any], css: str) -> str:
    rows = "".join('<tr class="%s" data-counter="%s"><td>%s</td><td class="num">%d</td></tr>'
                   % (css, _e(key), _e(label), counters["values"][key]) for key, label in COUNTERS)
    return ('<p class="meta">%s counters as of %s UTC</p><table><tbody>%s</tbody></table>'
            % (_e(counters["role"]), _t(counters["at"]), rows))


def render_listener(view: Optional[Mapping[str, Any]]) -> str:
    """The ``<section id="listener">`` of the page ("" when the store has no listener data at all)."""
    if not view or (not view["jobs"] and view["counters"] is None and view["standby"] is None):
        return ""
    parts = ['<section id="listener"><h2>Auto-resync listener</h2>']
    leader = view.get("leader")
    if leader:
        parts.append('<p class="meta">leader lease last taken by %s at %s UTC</p>'
                     % (_e(leader["holder"]), _t(leader["since"])))
    if view["jobs"]:
        rows = "".join('<tr class="listener-job" data-state="%s"><td class="name">%s</td><td>%s</td><td>%s</td>'
                       '<td class="time">%s</td><td class="time">%s</td><td>%s</td></tr>'
                       % (_e(j["state"]), _e(j["device"]), _e(j["state"]), _e(j["job_id"] or "\u2014"),
                          _t(j["since"]), _t(j["due"]), _e(j["why"] or "\u2014")) for j in view["jobs"])
        parts.append('<table><thead><tr><th>Device</th><th>Job</th><th>Job id</th><th>Since</th><th>Due</th>'
                     '<th>Why</th></tr></thead><tbody>%s</tbody></table>' % rows)
    else:
        parts.append('<p class="empty">No job pending, dispatched or running.</p>')
    for counters, css in ((view["counters"], "listener-counter"), (view["standby"], "standby-counter")):
        if counters is not None:
            parts.append(_counter_table(counters, css))
    parts.append("</section>")
    return "".join(parts)
