# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status report: one self-contained HTML page and the same data as JSON.

``collect(store)`` reads the store into plain data (JSON-ready); ``render_html``
and ``render_json`` turn it into text; ``run_report`` writes the files only when
their content changes (check mode and diff supported). Everything but
``collect``/``run_report`` is pure.

Notifications covered by a job: the rule is ``history.coverage.covered_notifications`` (also
used by the git export's commit messages), re-exported here.

No wall-clock time goes into the report: ``as_of`` is the newest time found in the
data, so running the report twice on an unchanged store changes nothing.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.report import _store as rs
from ansible_collections.netsync.fleet.plugins.module_utils.report import _listener as rl
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.history.coverage import covered_notifications, num as _num
from ansible_collections.netsync.fleet.plugins.module_utils.report._history import collect_history
from ansible_collections.netsync.fleet.plugins.module_utils.report._html import render_html
from ansible_collections.netsync.fleet.plugins.module_utils.report._svg import topology_view

__all__ = ["FORMAT", "collect", "covered_notifications", "summary_line", "render_html", "render_json",
           "run_report", "default_json_path", "ReportError"]

FORMAT = 1
_SEVERITY_ORDER = ("critical", "major", "minor", "warning", "info")


class ReportError(Exception):
    """The report cannot be made or written."""


def summary_line(count: int, statuses: Mapping[str, int]) -> str:
    """``12 devices: 10 In Sync, 1 Out of Sync, 1 Sync Failed`` (statuses in their usual order)."""
    noun = "device" if count == 1 else "devices"
    order = list(st.STATUSES) + sorted(s for s in statuses if s not in st.STATUSES)
    parts = ["%d %s" % (statuses[s], s) for s in order if statuses.get(s)]
    return "%d %s: %s" % (count, noun, ", ".join(parts)) if parts else "%d %s" % (count, noun)


def _device_view(row: Mapping[str, Any], unsynced: int) -> dict[str, Any]:
    facts = row.get("facts") if isinstance(row.get("facts"), Mapping) else {}
    return {
        "name": str(row["name"]),
        "platform": str(row.get("platform") or ""),
        "model": str(facts.get("model") or ""),  # type: ignore[union-attr]
        "os_version": str(facts.get("version") or ""),  # type: ignore[union-attr]
        "managed_status": str(row.get("managed_status") or ""),
        "connection_state": str(row.get("connection_state") or "unknown"),
        "status_reason": str(row.get("status_reason") or ""),
        "status_changed_at": _num(row.get("status_changed_at")),
        "last_synced": _num(row.get("last_synced")),
        "unsynced_notifications": unsynced,
    }


def _job_view(row: Mapping[str, Any], covered: Mapping[str, int]) -> dict[str, Any]:
    job_id = str(row["id"])
    return {
        "id": job_id,
        "device": str(row.get("device") or ""),
        "state": str(row.get("state") or ""),
        "origin": str(row.get("origin") or ""),
        "created_at": _num(row.get("created_at")),
        "started_at": _num(row.get("started_at")),
        "read_at": _num(row.get("read_at")),
        "ended_at": _num(row.get("ended_at")),
        "notifications": covered.get(job_id, 0) if _num(row.get("read_at")) is not None else None,
        "message": str(row.get("message") or ""),
    }


def _alarm_view(row: Mapping[str, Any]) -> dict[str, Any]:
    count = row.get("count")
    return {
        "child": str(row.get("child") or ""),
        "id": str(row.get("id", "")),
        "type": str(row.get("type") or ""),
        "device": str(row.get("device") or ""),
        "subject": str(row.get("subject") or ""),
        "severity": str(row.get("severity") or ""),
        "message": str(row.get("message") or ""),
        "raised_at": _num(row.get("raised_at")),
        "updated_at": _num(row.get("updated_at")),
        "count": int(count) if isinstance(count, int) and not isinstance(count, bool) else 1,
    }


def _severity_key(alarm: Mapping[str, Any]) -> tuple[int, float, str, str]:
    sev = alarm["severity"]
    rank = _SEVERITY_ORDER.index(sev) if sev in _SEVERITY_ORDER else len(_SEVERITY_ORDER)
    return rank, -(alarm["raised_at"] or 0.0), alarm["child"], alarm["id"]


def _as_of(data: Mapping[str, Any]) -> Optional[float]:
    times: list[float] = []
    for dev in data["devices"]:
        times += [t for t in (dev["status_changed_at"], dev["last_synced"]) if t is not None]
    for job in data["jobs"]:
        times += [t for t in (job["created_at"], job["started_at"], job["read_at"], job["ended_at"]) if t is not None]
    for alarm in data["alarms"] or []:
        times += [t for t in (alarm["raised_at"], alarm["updated_at"]) if t is not None]
    fed = data.get("federation")
    if fed:
        times += [t for t in (c.get("last_success") for c in fed["children"]) if isinstance(t, float)]
    return max(times) if times else None


def build(devices: Sequence[Mapping[str, Any]], jobs: Sequence[Mapping[str, Any]],
          read_jobs: Iterable[Mapping[str, Any]], notifications: Iterable[Mapping[str, Any]],
          alarms: Optional[Iterable[Mapping[str, Any]]], federation: Optional[Mapping[str, Any]],
          title: str, store_url: str) -> dict[str, Any]:
    """The report data from what was read (pure)."""
    covered, pending = covered_notifications(read_jobs, notifications)
    device_views = [_device_view(d, pending.get(str(d["name"]), 0)) for d in devices]
    statuses: dict[str, int] = {}
    connections: dict[str, int] = {}
    for dev in device_views:
        statuses[dev["managed_status"]] = statuses.get(dev["managed_status"], 0) + 1
        connections[dev["connection_state"]] = connections.get(dev["connection_state"], 0) + 1
    alarm_views = None if alarms is None else sorted((_alarm_view(a) for a in alarms), key=_severity_key)
    severities: dict[str, int] = {}
    for alarm in alarm_views or []:
        severities[alarm["severity"]] = severities.get(alarm["severity"], 0) + 1
    data: dict[str, Any] = {
        "format": FORMAT,
        "title": title,
        "store": store_url,
        "summary": {
            "devices": len(device_views),
            "line": summary_line(len(device_views), statuses),
            "managed_status": dict(sorted(statuses.items())),
            "connection_state": dict(sorted(connections.items())),
            "jobs": len(jobs),
            "open_alarms": None if alarm_views is None else len(alarm_views),
            "alarm_severity": dict(sorted(severities.items())),
        },
        "devices": device_views,
        "jobs": [_job_view(j, covered) for j in jobs],
        "alarms": alarm_views,
        "federation": None,
    }
    if federation is not None:
        topo = topology_view(federation, device_views)
        fed_statuses: dict[str, int] = {}
        for node in topo["devices"]:
            status = node["managed_status"] or "status unknown"
            fed_statuses[status] = fed_statuses.get(status, 0) + 1
        counts = summary_line(len(topo["devices"]), fed_statuses).split(" ", 1)[1]
        topo["line"] = "%d federated %s" % (len(topo["devices"]), counts)
        data["federation"] = topo
    data["as_of"] = _as_of(data)
    return data


def collect(store: st.Store, jobs: int = 20, title: str = "netsync.fleet status", history: int = 3) -> dict[str, Any]:
    """Read the store and build the report data; ``history``: newest versions shown per device (0: none)."""
    devices = store.devices.all()
    recent = store.jobs.recent(limit=int(jobs)) if jobs > 0 else []
    names = [str(d["name"]) for d in devices]
    reads = store.jobs.reads(names) if names else []
    # Notifications received at or before a read are covered by that read or an earlier one, so
    # only those after ``floor`` can count for a recent job or be unsynced: per device, the last
    # read before its oldest recent job (devices without a recent job: their last read).
    oldest: dict[str, float] = {}
    for job in recent:
        oldest[str(job["device"])] = min(oldest.get(str(job["device"]), float("inf")), float(job["created_at"]))
    last: dict[str, float] = {}
    for row in reads:
        name, read_at = str(row["device"]), float(row["read_at"])
        if read_at < oldest.get(name, float("inf")):
            last[name] = max(last.get(name, 0.0), read_at)
    floor = min((last.get(n, 0.0) for n in names), default=0.0)
    notes = store.jobs.accepted_notifications(names, floor) if names else []
    data = build(devices, recent, reads, notes, rs.open_alarms(store.alarms, store.fed_alarms),
                 rs.federation(store.fed_topology), title, store.url)
    data["listener"] = listener_section(store)
    data["history"] = collect_history(store.snapshot_feed, store.mask_key(), names, history) if history > 0 else None
    return data


def listener_section(store: st.Store) -> dict[str, Any]:
    """What the auto-resync listener decided (jobs by device) and counted, as it persisted them."""
    return rl.listener_view(store.jobs.load_damper_states(), store.jobs.listener_counters(), store.leases.get())


def render_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def default_json_path(path: str) -> str:
    """``report.html`` -> ``report.json``; any other name gets ``.json`` appended."""
    root, ext = os.path.splitext(path)
    return root + ".json" if ext.lower() in (".html", ".htm") else path + ".json"


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError("cannot read %s: %s" % (path, exc)) from exc


def _write(path: str, text: str, mode: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise ReportError("cannot write %s: %s" % (path, exc)) from exc


def write_files(files: Sequence[tuple[str, str]], check_mode: bool, diff: bool, mode: int = 0o644
                ) -> tuple[list[str], list[dict[str, Any]]]:
    """Write each ``(path, text)`` whose content differs; returns (changed paths, diffs)."""
    changed: list[str] = []
    diffs: list[dict[str, Any]] = []
    for path, text in files:
        old = _read(path)
        if old == text:
            continue
        changed.append(path)
        if diff:
            diffs.append({"before": old or "", "after": text, "before_header": path if old is not None else "(absent)",
                          "after_header": path})
        if not check_mode:
            _write(path, text, mode)
    return changed, diffs


def run_report(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """The task: collect, render, write what changed. Raises ``ReportError``/``StoreError``."""
    path = os.path.expanduser(str(params["path"]))
    json_path = params.get("json_path")
    json_path = default_json_path(path) if not json_path else os.path.expanduser(str(json_path))
    if os.path.abspath(json_path) == os.path.abspath(path):
        raise ReportError("json_path must differ from path")
    with st.open_store(params.get("store"), create=False) as store:
        data = collect(store, jobs=int(params.get("jobs", 20)),
                       title=str(params.get("title") or "netsync.fleet status"), history=int(params.get("history", 3)))
    files = [(path, render_html(data)), (json_path, render_json(data))]
    changed, diffs = write_files(files, check_mode, diff, int(str(params.get("mode") or "0644"), 8))
    result: dict[str, Any] = {"changed": bool(changed), "path": path, "json_path": json_path,
                              "changed_files": changed, "summary": data["summary"], "as_of": data["as_of"]}
    if diff:
        result["diff"] = diffs
    return result


REPORT_SPEC: dict[str, Any] = {
    "store": {"type": "str"},
    "path": {"type": "path", "required": True},
    "json_path": {"type": "path"},
    "jobs": {"type": "int", "default": 20},
    "history": {"type": "int", "default": 3},
    "title": {"type": "str", "default": "netsync.fleet status"},
    "mode": {"type": "raw", "default": "0644"},
}
