# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: each device's recent history in the report (versions, who, when, comment, diff) and the
device filter's script.

``collect_history`` reads the newest ``versions`` snapshots of each device and the diff of each against
the one before it, in the platform's own text with secrets masked (``history/text.py``: Junos
``delete``/``set`` lines, other platforms a unified diff). Each diff is cut after ``max_lines`` lines
(``bound_diff``).

The filter is the page's only script: a fixed text whose sha256 is the one script the page's Content
Security Policy allows, so no other script (one that escaped escaping) could run.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.history.notices import bound_diff
from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_diff
from ansible_collections.netsync.fleet.plugins.module_utils.store import SnapshotFeed

DIFF_LINES = 60
DIFF_BYTES = 8192

FILTER_JS = (
    "(function(){var box=document.getElementById('filter'),count=document.getElementById('filter-count');"
    "function apply(){var q=box.value.trim().toLowerCase(),shown=0;"
    "document.querySelectorAll('tr.device').forEach(function(tr){"
    "var hit=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!hit;if(hit){shown++;}"
    "var h=document.getElementById(tr.dataset.history);if(h){h.hidden=!hit;}});"
    "count.textContent=q?shown+' shown':'';}"
    "box.addEventListener('input',apply);apply();})();")
FILTER_CSP = "'sha256-%s'" % base64.b64encode(hashlib.sha256(FILTER_JS.encode("utf-8")).digest()).decode("ascii")


def anchor(name: str) -> str:
    """The id of a device's history section: stable, and safe whatever the name holds."""
    return "h-" + name.encode("utf-8").hex()


def collect_history(feed: SnapshotFeed, key: bytes, devices: Sequence[str], versions: int) -> dict[str, Any]:
    """``{device: {"total": n, "versions": [newest first: version, taken_at, commit_time, user, comment,
    job_id, diff, diff_truncated]}}`` for the newest ``versions`` of each device."""
    heads = feed.heads()
    out: dict[str, Any] = {}
    for name in devices:
        total = heads.get(name, 0)
        if versions <= 0 or total == 0:
            out[name] = {"total": total, "versions": []}
            continue
        rows = feed.versions(name, max(0, total - versions), limit=versions)
        wanted = [int(r["version"]) for r in rows]
        snaps = feed.snapshots(name, sorted(set(wanted + [v - 1 for v in wanted if v > 1])))
        items = []
        for row in reversed(rows):
            version = int(row["version"])
            diff, cut = "", False
            if version > 1 and version - 1 in snaps and version in snaps:
                full = snapshot_diff(snaps[version - 1], snaps[version], key, "%s v%d" % (name, version - 1),
                                     "%s v%d" % (name, version))
                diff, cut, _total = bound_diff(full, DIFF_LINES, DIFF_BYTES)
            items.append({"version": version, "taken_at": row.get("taken_at"), "commit_time": row.get("commit_time"),
                          "user": row.get("commit_user"), "comment": row.get("commit_comment"),
                          "job_id": row.get("job_id"), "diff": diff, "diff_truncated": cut})
        out[name] = {"total": total, "versions": items}
    return out


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def history_html(devices: Sequence[Mapping[str, Any]], history: Optional[Mapping[str, Any]], fmt_time: Any) -> str:
    """The History section: one block per device, in the order of the device table."""
    if history is None:
        return ""
    blocks = []
    for dev in devices:
        name = dev["name"]
        info = history.get(name) or {"total": 0, "versions": []}
        rows = []
        for item in info["versions"]:
            diff = ('<details><summary>diff v%d &rarr; v%d%s</summary><pre class="diff">%s</pre></details>'
                    % (item["version"] - 1, item["version"], " (cut)" if item["diff_truncated"] else "",
                       _e(item["diff"])) if item["diff"] else '<span class="empty">first version</span>')
            rows.append('<tr class="version"><td class="num">%d</td><td class="time">%s</td><td class="time">%s</td>'
                        '<td>%s</td><td class="reason">%s</td><td>%s</td></tr>'
                        % (item["version"], fmt_time(item["taken_at"]), fmt_time(item["commit_time"]),
                           _e(item["user"] or ""), _e(item["comment"] or ""), diff))
        shown = len(info["versions"])
        more = " (newest %d of %d)" % (shown, info["total"]) if shown < info["total"] else ""
        body = ('<table><thead><tr><th>Version</th><th>Stored</th><th>Committed</th><th>By</th><th>Comment</th>'
                '<th>Change</th></tr></thead><tbody>\n%s\n</tbody></table>' % "\n".join(rows)) if rows else \
            '<p class="empty">No snapshot stored.</p>'
        blocks.append('<div class="history" id="%s"><h3>%s <span class="count">%d version%s%s</span> '
                      '<a href="#devices">&uarr; devices</a></h3>%s</div>'
                      % (anchor(name), _e(name), info["total"], "" if info["total"] == 1 else "s", more, body))
    return '<section id="history"><h2>History</h2>\n%s\n</section>' % "\n".join(blocks)
