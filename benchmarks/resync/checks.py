"""Correctness of one repetition: ours stored the new snapshots, the peer wrote the files."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import XMLError as UnsafeXMLError, parse_xml

RESYNC_TASK = "Read the committed configuration and store a snapshot if it changed"


def failed_hosts(run: Any) -> dict[str, str]:
    """Host -> message of every failed or unreachable task result of a run."""
    found: dict[str, str] = {}
    for play in run.data.get("plays", []):
        for task in play.get("tasks", []):
            for host, res in task.get("hosts", {}).items():
                if res.get("failed") or res.get("unreachable"):
                    found[host] = "%s: %s" % (task["task"]["name"], res.get("msg"))
    return found


def check_ours(run: Any, store: str, names: list[str], changed: list[str], marker: str) -> dict[str, Any]:
    """Every host resynced; exactly the changed ones got a new snapshot holding ``marker``."""
    problems: list[str] = []
    try:
        results = run.results(RESYNC_TASK)
    except AssertionError as exc:
        return {"ok": False, "new_snapshots": 0, "problems": [str(exc)[:2000]]}
    new = 0
    with st.open_store(store) as s:
        for name in names:
            res = results.get(name)
            if res is None or res.get("failed"):
                problems.append("%s: no successful result (%s)" % (name, (res or {}).get("msg")))
                continue
            want = name in changed
            if bool(res.get("changed")) != want:
                problems.append("%s: changed=%s, expected %s" % (name, res.get("changed"), want))
            latest = s.devices.latest_snapshot(name)
            if latest is None or int(latest["version"]) != res.get("snapshot_version"):
                problems.append("%s: store's latest snapshot is not the reported version" % name)
                continue
            snap = s.devices.get_snapshot(name, int(latest["version"]))
            holds = snap is not None and marker in snap["rendered"]
            if holds != want:
                problems.append("%s: latest snapshot %s the out-of-band change" % (name, "lacks" if want else "has"))
            if want and latest["job_id"] != res.get("job_id"):
                problems.append("%s: new snapshot not tied to job %s" % (name, res.get("job_id")))
            new += int(want and holds)
            row = s.devices.get(name)
            if row is None or row["managed_status"] != st.IN_SYNC:
                problems.append("%s: managed status %s" % (name, row and row["managed_status"]))
            history = s.devices.status_history(name, 1)
            if not history or res.get("job_id") not in history[-1]["reason"]:
                problems.append("%s: status history does not end with this job" % name)
    return {"ok": not problems, "new_snapshots": new, "problems": problems}


def check_peer(backups: Path, names: list[str], changed: list[str], marker: str, since: float) -> dict[str, Any]:
    """Every host's file was written in this run, is XML, and holds ``marker`` iff it changed."""
    problems: list[str] = []
    written = 0
    for name in names:
        path = backups / ("%s.xml" % name)
        if not path.exists():
            problems.append("%s: no backup file" % name)
            continue
        text = path.read_text()
        try:
            parse_xml(text)
        except UnsafeXMLError as exc:
            problems.append("%s: backup is not XML: %s" % (name, exc))
        if (marker in text) != (name in changed):
            problems.append("%s: backup %s the out-of-band change" % (name, "lacks" if name in changed else "has"))
        if path.stat().st_mtime >= since:
            written += 1
        elif name in changed:
            problems.append("%s: backup file not rewritten" % name)
    return {"ok": not problems, "files_rewritten": written, "problems": problems}
