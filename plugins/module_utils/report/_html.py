# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the status report as one self-contained HTML page (pure).

Inline CSS and SVG, and one fixed inline script (the device filter, ``_history.FILTER_JS``); no
external resource, and a Content Security Policy that allows exactly that script by its sha256,
so even a string that escaped escaping could not run. Every value from the store goes through
:func:`html.escape`. One table row per line, so a diff of two reports reads row by row.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.report._listener import render_listener
from ansible_collections.netsync.fleet.plugins.module_utils.report._history import (
    FILTER_CSP,
    FILTER_JS,
    anchor,
    history_html,
)
from ansible_collections.netsync.fleet.plugins.module_utils.report._svg import (
    STATUS_COLOURS,
    UNKNOWN_COLOUR,
    render_svg,
)

_STATUS_ORDER = ("Sync Failed", "Out of Sync", "Synchronizing", "In Sync")
_STATUS_CLASS = {"In Sync": "ok", "Out of Sync": "warn", "Synchronizing": "busy", "Sync Failed": "bad"}
_JOB_CLASS = {"done": "ok", "failed": "bad", "running": "busy", "pending": "warn"}
_SEV_CLASS = {"critical": "bad", "major": "bad", "minor": "warn", "warning": "warn", "info": "busy"}
_CONN_CLASS = {"up": "ok", "down": "bad"}

_CSS = """
:root{--ok:%(ok)s;--warn:%(warn)s;--busy:%(busy)s;--bad:%(bad)s;--mute:%(mute)s;--ink:#1d2330;--soft:#5b6577;
--line:#e3e7ee;--bg:#f5f7fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans","DejaVu Sans",sans-serif}
header{background:#1f2a3c;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:20px;font-weight:600}
header .meta{color:#b9c3d3;font-size:12px;margin-top:4px}
main{padding:18px 28px 40px;max-width:1240px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:0 0 18px}
h2{font-size:15px;margin:0 0 10px;font-weight:600}
h2 .count{color:var(--soft);font-weight:400}
.summary{font-size:18px;font-weight:600;margin:0 0 10px}
.summary.sub{font-size:15px;margin:0 0 6px}
.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;background:var(--line);margin:0 0 12px}
.bar span{display:block;height:100%%}
.chips{display:flex;flex-wrap:wrap;gap:8px}
.chip{border:1px solid var(--line);border-radius:16px;padding:3px 11px;font-size:13px;background:#fafbfc}
.chip b{font-weight:600}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%%;margin-right:6px;vertical-align:0}
table{border-collapse:collapse;width:100%%;font-size:13px}
th{text-align:left;color:var(--soft);font-weight:500;border-bottom:1px solid var(--line);padding:5px 8px;
white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:4px 8px;vertical-align:top}
tr:last-child td{border-bottom:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.time{white-space:nowrap;font-variant-numeric:tabular-nums;color:var(--soft)}
td.name{font-weight:600;white-space:nowrap}
td.reason{color:var(--soft);max-width:380px;overflow-wrap:anywhere}
code{font-size:12px;color:var(--soft);white-space:nowrap}
.pill{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap;
color:#fff;background:var(--mute)}
.pill.ok{background:var(--ok)}.pill.warn{background:var(--warn)}.pill.busy{background:var(--busy)}
.pill.bad{background:var(--bad)}
.state{font-size:12px;white-space:nowrap}
.state.ok::before,.state.bad::before,.state.mute::before{content:"";display:inline-block;width:8px;height:8px;
border-radius:50%%;margin-right:5px;background:var(--mute)}
.state.ok::before{background:var(--ok)}.state.bad::before{background:var(--bad)}
.empty,.note{color:var(--soft);margin:4px 0}
.topology{max-width:100%%;height:auto;display:block;margin:6px 0}
.site-box{fill:#f7f9fc;stroke:#c9d2df;stroke-width:1.2}
.site-box.stale{stroke-dasharray:6 4;stroke:#d64545}
.site-name{font-size:13px;font-weight:600;fill:#1d2330}
.site-kids{font-size:11px;fill:#5b6577;text-anchor:end}
.link{stroke:#7d8aa0;stroke-width:2;opacity:.75;fill:none}
.dev{stroke:#fff;stroke-width:2}
.dev.stale{stroke:#1d2330;stroke-dasharray:3 2}
.dev-name{font-size:11px;text-anchor:middle;fill:#1d2330}
footer{color:var(--soft);font-size:12px;padding:0 28px 24px}
.filter{margin:0 0 8px}.filter input{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;
width:280px}.filter span{color:var(--soft);margin-left:8px;font-size:12px}
td.name a{color:inherit}
.history{border-top:1px solid var(--line);padding:8px 0}
.history h3{font-size:14px;margin:0 0 6px}.history h3 a{font-size:12px;font-weight:400;margin-left:8px}
pre.diff{font-size:12px;background:#f7f9fc;border:1px solid var(--line);border-radius:6px;padding:6px 8px;
overflow-x:auto;max-width:760px;margin:4px 0}
summary{cursor:pointer;color:var(--soft)}
""" % {"ok": STATUS_COLOURS["In Sync"], "warn": STATUS_COLOURS["Out of Sync"], "busy": STATUS_COLOURS["Synchronizing"],
       "bad": STATUS_COLOURS["Sync Failed"], "mute": UNKNOWN_COLOUR}

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src %s" % FILTER_CSP


def fmt_time(value: Optional[float]) -> str:
    """UTC ``YYYY-MM-DD HH:MM:SS``, or an em dash."""
    if value is None:
        return "\u2014"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))
    except (OverflowError, ValueError, OSError):
        return "\u2014"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _pill(text: str, css: str) -> str:
    return '<span class="pill %s">%s</span>' % (css, _e(text or "unknown"))


def _time_td(value: Optional[float]) -> str:
    return '<td class="time">%s</td>' % fmt_time(value)


def _summary(data: Mapping[str, Any]) -> str:
    summary = data["summary"]
    total = summary["devices"] or 1
    statuses: Mapping[str, int] = summary["managed_status"]
    order = list(_STATUS_ORDER[::-1]) + sorted(s for s in statuses if s not in _STATUS_ORDER)
    stripe = "".join('<span style="width:%.3f%%;background:%s" title="%s"></span>'
                     % (100.0 * statuses[s] / total, STATUS_COLOURS.get(s, UNKNOWN_COLOUR),
                        _e("%d %s" % (statuses[s], s)))
                     for s in order if statuses.get(s))
    chips = ['<span class="chip"><span class="dot" style="background:%s"></span>%s <b>%d</b></span>'
             % (STATUS_COLOURS.get(s, UNKNOWN_COLOUR), _e(s), statuses[s]) for s in order if statuses.get(s)]
    conn = summary["connection_state"]
    chips.append('<span class="chip">connection %s</span>'
                 % ", ".join("%s <b>%d</b>" % (_e(k), v) for k, v in sorted(conn.items())) if conn else "")
    alarms = summary["open_alarms"]
    if alarms is not None:
        sev = ", ".join("%s %d" % (_e(k), v) for k, v in sorted(summary["alarm_severity"].items()))
        chips.append('<span class="chip">open alarms <b>%d</b>%s</span>' % (alarms, " (%s)" % sev if sev else ""))
    chips.append('<span class="chip">recent jobs <b>%d</b></span>' % summary["jobs"])
    return ('<section id="summary"><p class="summary">%s</p><div class="bar">%s</div><div class="chips">%s</div>'
            '</section>' % (_e(summary["line"]), stripe, "".join(c for c in chips if c)))


def _device_order(devices: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Problems first (Sync Failed, Out of Sync, Synchronizing, In Sync), then by name."""
    rank = {s: i for i, s in enumerate(_STATUS_ORDER)}
    return sorted(devices, key=lambda d: (rank.get(d["managed_status"], -1), d["name"]))


def _devices(devices: Sequence[Mapping[str, Any]]) -> str:
    if not devices:
        return '<section id="devices"><h2>Devices</h2><p class="empty">No device in the store.</p></section>'
    rows = []
    for dev in _device_order(devices):
        model = " ".join(p for p in (dev["platform"], dev["model"], dev["os_version"]) if p)
        conn = dev["connection_state"]
        rows.append('<tr class="device" data-status="%s" data-history="%s"><td class="name"><a href="#%s">%s</a></td>'
                    '<td>%s</td><td><span class="state %s">%s</span></td>%s%s<td class="num">%s</td><td>%s</td>'
                    '<td class="reason">%s</td></tr>'
                    % (_e(dev["managed_status"]), anchor(dev["name"]), anchor(dev["name"]), _e(dev["name"]),
                       _pill(dev["managed_status"], _STATUS_CLASS.get(dev["managed_status"], "")),
                       _CONN_CLASS.get(conn, "mute"), _e(conn), _time_td(dev["last_synced"]),
                       _time_td(dev["status_changed_at"]), dev["unsynced_notifications"] or "",
                       _e(model), _e(dev["status_reason"])))
    return ('<section id="devices"><h2>Devices <span class="count">(%d)</span></h2>'
            '<p class="filter"><input id="filter" type="search" placeholder="Filter devices (name, status, platform, '
            'reason)" aria-label="Filter devices"><span id="filter-count"></span></p><table><thead><tr><th>Device</th>'
            '<th>Managed status</th><th>Connection</th><th>Last sync</th><th>Status since</th>'
            '<th title="accepted notifications no resync has read yet">Unsynced</th><th>Platform</th><th>Reason</th>'
            '</tr></thead><tbody>\n%s\n</tbody></table></section>' % (len(devices), "\n".join(rows)))


def _jobs(jobs: Sequence[Mapping[str, Any]]) -> str:
    if not jobs:
        return '<section id="jobs"><h2>Recent jobs</h2><p class="empty">No job yet.</p></section>'
    rows = []
    for job in jobs:
        covered = "\u2014" if job["notifications"] is None else str(job["notifications"])
        rows.append('<tr class="job"><td><code>%s</code></td><td class="name">%s</td><td>%s</td><td>%s</td>%s%s%s'
                    '<td class="num">%s</td><td class="reason">%s</td></tr>'
                    % (_e(job["id"][:12]), _e(job["device"]), _pill(job["state"], _JOB_CLASS.get(job["state"], "")),
                       _e(job["origin"]), _time_td(job["started_at"]), _time_td(job["read_at"]),
                       _time_td(job["ended_at"]), covered, _e(job["message"])))
    return ('<section id="jobs"><h2>Recent jobs <span class="count">(%d, newest first)</span></h2><table><thead><tr>'
            '<th>Job</th><th>Device</th><th>State</th><th>Origin</th><th>Started</th><th>Read</th><th>Ended</th>'
            '<th title="accepted notifications whose commits this job\'s read included">Notifications covered</th>'
            '<th>Message</th></tr></thead><tbody>\n%s\n</tbody></table></section>' % (len(jobs), "\n".join(rows)))


def _alarms(alarms: Optional[Sequence[Mapping[str, Any]]]) -> str:
    if alarms is None:
        return ('<section id="alarms"><h2>Open alarms</h2><p class="empty">This store has no alarm service.</p>'
                '</section>')
    if not alarms:
        return '<section id="alarms"><h2>Open alarms</h2><p class="empty">No open alarm.</p></section>'
    federated = any(a["child"] for a in alarms)
    rows = []
    for alarm in alarms:
        rows.append('<tr class="alarm"><td>%s</td><td>%s</td><td class="name">%s</td><td>%s</td>'
                    '<td class="reason">%s</td>%s<td class="num">%d</td>%s</tr>'
                    % (_pill(alarm["severity"], _SEV_CLASS.get(alarm["severity"], "")), _e(alarm["type"]),
                       _e(alarm["device"]), _e(alarm["subject"]), _e(alarm["message"]), _time_td(alarm["raised_at"]),
                       alarm["count"], "<td>%s</td>" % _e(alarm["child"] or "this site") if federated else ""))
    return ('<section id="alarms"><h2>Open alarms <span class="count">(%d)</span></h2><table><thead><tr>'
            '<th>Severity</th><th>Type</th><th>Device</th><th>Subject</th><th>Message</th><th>Raised</th>'
            '<th>Count</th>%s</tr></thead><tbody>\n%s\n</tbody></table></section>'
            % (len(alarms), "<th>Child</th>" if federated else "", "\n".join(rows)))


def _federation(topo: Optional[Mapping[str, Any]]) -> str:
    if topo is None:
        return ""
    rows = []
    for child in topo["children"]:
        flags = [f for f, on in (("stale", child["stale"]), ("clock suspect", child["suspect"])) if on]
        rows.append('<tr class="child"><td class="name">%s</td><td>%s</td>%s<td class="reason">%s</td></tr>'
                    % (_e(child["name"]), _pill(", ".join(flags) or "current", "bad" if flags else "ok"),
                       _time_td(child["last_success"]), _e(child["error"])))
    children = ('<table><thead><tr><th>Child</th><th>Copy</th><th>Last pull</th><th>Error</th></tr></thead><tbody>\n'
                '%s\n</tbody></table>' % "\n".join(rows)) if rows else ""
    legend = "".join('<span class="chip"><span class="dot" style="background:%s"></span>%s</span>' % (c, _e(s))
                     for s, c in STATUS_COLOURS.items())
    return ('<section id="topology"><h2>Federated topology <span class="count">(%d sites, %d devices, %d links)</span>'
            '</h2><p class="summary sub">%s</p>%s<div class="chips">%s<span class="chip">line: shared subnet</span>'
            '<span class="chip">dashed: stale copy</span></div>%s</section>'
            % (len(topo["sites"]), len(topo["devices"]), len(topo["links"]), _e(topo["line"]), render_svg(topo), legend,
               children))


def render_html(data: Mapping[str, Any]) -> str:
    """The whole page."""
    title = _e(data["title"])
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _CSP,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        "<title>%s</title>" % title,
        "<style>%s</style></head><body>" % _CSS,
        '<header><h1>%s</h1><div class="meta">data as of %s UTC \u00b7 store %s</div></header><main>'
        % (title, fmt_time(data["as_of"]), _e(data["store"])),
        _summary(data),
        _alarms(data["alarms"]) if data["alarms"] else "",
        _devices(data["devices"]),
        _jobs(data["jobs"]),
        render_listener(data.get("listener")),
        "" if data["alarms"] else _alarms(data["alarms"]),
        _federation(data["federation"]),
        history_html(_device_order(data["devices"]), data.get("history"), fmt_time),
        "</main><footer>netsync.fleet report format %d \u00b7 times in UTC \u00b7 the same data is in the JSON file"
        "</footer><script>%s</script></body></html>" % (data["format"], FILTER_JS),
        "",
    ])
