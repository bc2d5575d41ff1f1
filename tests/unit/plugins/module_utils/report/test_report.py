"""The status report: notifications covered by jobs, data from a real store, files, check mode, diff."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import report as rp
from ansible_collections.netsync.fleet.plugins.module_utils.report._history import FILTER_JS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.report import run_report_task
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import Signal
from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import (
    ADDRESS, DEVICE, INTERFACE, make_key, make_object,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.merge import apply_objects, merge_hosts
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import apply_signals

XSS = "<script>alert(1)</script>"


def _job(job_id: str, read_at: float, read_commit: float | None = None, device: str = "r1") -> dict[str, Any]:
    return {"id": job_id, "device": device, "read_at": read_at, "read_commit_time": read_commit}


def _note(at: float, commit: float | None = None, device: str = "r1") -> dict[str, Any]:
    return {"device": device, "received_at": at, "commit_time": commit}


def test_notifications_between_reads_belong_to_the_next_read() -> None:
    jobs = [_job("j2", 20.0), _job("j1", 10.0), _job("k1", 15.0, device="r2")]
    notes = [_note(1.0), _note(5.0), _note(10.0), _note(12.0), _note(25.0), _note(14.0, device="r2"),
             _note(30.0, device="r3")]
    covered, pending = rp.covered_notifications(jobs, notes)
    # j1 read at 10: notes at 1, 5, 10 (a notification received at the read time is included)
    assert covered == {"j1": 3, "j2": 1, "k1": 1}
    assert pending == {"r1": 1, "r3": 1}


def test_a_late_notification_of_a_commit_already_read_counts_for_that_read() -> None:
    jobs = [_job("j1", 10.0, read_commit=8.0), _job("j2", 20.0, read_commit=18.0)]
    # received after j1 read, but its commit (8) is what j1 read; the other (commit 9) is new
    notes = [_note(11.0, commit=8.0), _note(12.0, commit=9.0), _note(30.0, commit=18.0)]
    covered, pending = rp.covered_notifications(jobs, notes)
    assert covered == {"j1": 1, "j2": 2}
    assert pending == {}


def test_jobs_that_never_read_cover_nothing() -> None:
    jobs = [{"id": "j1", "device": "r1", "read_at": None, "read_commit_time": None}]
    covered, pending = rp.covered_notifications(jobs, [_note(1.0)])
    assert covered == {} and pending == {"r1": 1}


def test_summary_line_in_status_order() -> None:
    line = rp.summary_line(12, {"Sync Failed": 1, "In Sync": 10, "Out of Sync": 1})
    assert line == "12 devices: 10 In Sync, 1 Out of Sync, 1 Sync Failed"
    assert rp.summary_line(0, {}) == "0 devices"
    assert rp.summary_line(1, {"In Sync": 1}) == "1 device: 1 In Sync"


def test_default_json_path() -> None:
    assert rp.default_json_path("/x/report.html") == "/x/report.json"
    assert rp.default_json_path("/x/report") == "/x/report.json"


def _clock(start: float = 1_700_000_000.0) -> Callable[[], float]:
    now = [start]

    def tick() -> float:
        now[0] += 1.0
        return now[0]
    return tick


def _fill(url: str) -> None:
    """Three devices: r1 synced twice with notifications, r2 failed, r3 (XSS model) out of sync."""
    with st.open_store(url, clock=_clock()) as s:
        s.devices.upsert("r1", "192.0.2.1", 830, "junos", {"model": "vmx", "version": "21.4R3"})
        s.devices.upsert("r2", "192.0.2.2", 830, "junos", {"model": "vmx"})
        s.devices.upsert("r3", "192.0.2.3", 830, "netconf", {"model": XSS})
        s.jobs.started("job-1", "r1")
        s.jobs.read("job-1", None)
        s.jobs.finished("job-1", True)
        s.devices.set_status("r1", st.IN_SYNC, connection_state="up")
        s.jobs.record_notification("syslog", "commit", "r1", True)
        s.jobs.record_notification("syslog", "commit", "r1", True)
        s.jobs.record_notification("syslog", "commit", None, False, reason="unknown source")
        s.jobs.started("job-2", "r1", origin="auto")
        s.jobs.read("job-2", None)
        s.jobs.finished("job-2", True)
        s.jobs.record_notification("syslog", "commit", "r1", True)  # after the last read: unsynced
        s.jobs.started("job-3", "r2")
        s.jobs.finished("job-3", False, "timeout " + XSS)
        s.devices.set_status("r2", st.SYNC_FAILED, "timeout " + XSS, connection_state="down")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite here; tests/system/plugins/module_utils/report/test_report_postgresql.py: PostgreSQL."""
    return str(tmp_path / "fleet.db")


def test_collect_from_a_store(store_url: str) -> None:
    url = store_url
    _fill(url)
    with st.open_store(url) as s:
        data = rp.collect(s, jobs=10)
    assert data["summary"]["line"] == "3 devices: 1 In Sync, 1 Out of Sync, 1 Sync Failed"
    jobs = {j["id"]: j for j in data["jobs"]}
    assert [j["id"] for j in data["jobs"]] == ["job-3", "job-2", "job-1"]  # newest first
    assert jobs["job-1"]["notifications"] == 0 and jobs["job-2"]["notifications"] == 2
    assert jobs["job-3"]["notifications"] is None  # never read
    devices = {d["name"]: d for d in data["devices"]}
    assert devices["r1"]["unsynced_notifications"] == 1
    assert devices["r2"]["connection_state"] == "down"
    assert data["federation"] is None
    assert data["as_of"] is not None


def test_open_alarms_worst_first(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    with st.open_store(url) as s:
        apply_signals(s.alarms, [Signal("out_of_sync", "r3", True, 10.0, "out of sync"),
                                 Signal("sync_failed", "r2", True, 11.0, "resync failed: " + XSS),
                                 Signal("connection_down", "r2", True, 12.0, "down")])
        apply_signals(s.alarms, [Signal("out_of_sync", "r3", False, 13.0, "in sync")])  # cleared: not open
        data = rp.collect(s)
    assert [(a["type"], a["severity"]) for a in data["alarms"]] == [("connection_down", "critical"),
                                                                      ("sync_failed", "major")]
    assert data["summary"]["open_alarms"] == 2
    page = rp.render_html(data)
    assert page.count('<tr class="alarm">') == 2 and "resync failed: &lt;script&gt;" in page


def test_store_without_alarm_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    monkeypatch.setattr(rp.rs, "open_alarms", lambda *roles: None)  # what a tree without the alarm service reads
    with st.open_store(url) as s:
        data = rp.collect(s)
    assert data["alarms"] is None and data["summary"]["open_alarms"] is None
    assert "This store has no alarm service." in rp.render_html(data)


def test_collect_with_few_recent_jobs_still_counts_right(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    with st.open_store(url) as s:
        data = rp.collect(s, jobs=2)
    assert [(j["id"], j["notifications"]) for j in data["jobs"]] == [("job-3", None), ("job-2", 2)]


def test_html_escapes_remote_strings(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    with st.open_store(url) as s:
        page = rp.render_html(rp.collect(s))
    assert page.count("<script") == 1 and "<script>%s</script>" % FILTER_JS in page  # the filter, nothing else
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "3 devices: 1 In Sync, 1 Out of Sync, 1 Sync Failed" in page


def _task(tmp_path: Path, url: str, **extra: Any) -> dict[str, Any]:
    params = {"store": url, "path": str(tmp_path / "out" / "report.html"), "json_path": None, "jobs": 20,
              "title": "netsync.fleet status", "mode": "0644"}
    params.update(extra.pop("params", {}))
    return run_report_task(params, **extra)


def test_write_idempotent_check_mode_and_diff(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    html, js = tmp_path / "out" / "report.html", tmp_path / "out" / "report.json"
    res = _task(tmp_path, url, check_mode=True, diff=True)
    assert res["changed"] is True and not html.exists() and not js.exists()
    assert {d["before_header"] for d in res["diff"]} == {"(absent)"}
    res = _task(tmp_path, url)
    assert res["changed"] is True and res["changed_files"] == [str(html), str(js)]
    assert json.loads(js.read_text())["summary"]["devices"] == 3
    assert oct(os.stat(html).st_mode & 0o777) == "0o644"
    first = html.read_text()
    res = _task(tmp_path, url, diff=True)  # same store: nothing changes, whatever the time
    assert res["changed"] is False and res["diff"] == [] and html.read_text() == first
    with st.open_store(url) as s:
        s.devices.set_status("r3", st.IN_SYNC)
    res = _task(tmp_path, url, check_mode=True, diff=True)
    assert res["changed"] is True and html.read_text() == first  # check mode wrote nothing
    html_diff = [d for d in res["diff"] if d["after_header"] == str(html)][0]
    assert "2 In Sync" in html_diff["after"] and "2 In Sync" not in html_diff["before"]


def test_bad_options_fail(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    st.open_store(url).close()
    with pytest.raises(TaskFailed, match="mode"):
        _task(tmp_path, url, params={"mode": "rw"})
    with pytest.raises(TaskFailed, match="jobs"):
        _task(tmp_path, url, params={"jobs": -1})
    with pytest.raises(TaskFailed, match="json_path"):
        _task(tmp_path, url, params={"json_path": str(tmp_path / "out" / "report.html")})
    res = _task(tmp_path, url, params={"mode": 0o600})  # YAML 0600 arrives as the number
    assert oct(os.stat(res["path"]).st_mode & 0o777) == "0o600"


def _device_objects(name: str, site: str, status: str, addresses: dict[str, str]) -> list[Any]:
    objs, ifaces = [], []
    for iface, prefix in addresses.items():
        akey = make_key(ADDRESS, name, iface, prefix)
        objs.append(make_object(ADDRESS, akey, {"device": name, "interface": iface, "family": "inet",
                                                "prefix": prefix}, (), 1.0))
        ikey = make_key(INTERFACE, name, iface)
        objs.append(make_object(INTERFACE, ikey, {"device": name, "name": iface, "admin_state": "up",
                                                  "description": XSS}, [akey], 1.0))
        ifaces.append(ikey)
    objs.append(make_object(DEVICE, make_key(DEVICE, name), {"name": name, "platform": "junos", "site": site,
                                                             "managed_status": status}, ifaces, 1.0))
    return objs


def test_master_topology_sites_devices_links(tmp_path: Path) -> None:
    url = str(tmp_path / "master.db")
    with st.open_store(url) as s:
        s.fed_topology.pulls.save("paris", url="https://127.0.0.1:1", last_success=1.7e9)
        s.fed_topology.pulls.save("lyon", url="https://127.0.0.1:2", stale=1, error="connection refused")
        touched = apply_objects(s.fed_topology, "paris", _device_objects("p1", "paris", "In Sync", {
            "ge-0/0/0.0": "10.0.0.1/30", "lo0.0": "10.9.9.1/32"})
            + _device_objects(XSS, "paris", "Sync Failed", {"ge-0/0/1.0": "10.0.0.2/30"}), [])
        touched.update(apply_objects(s.fed_topology, "lyon", _device_objects("l1", "lyon", "Out of Sync", {
            "ge-0/0/0.0": "10.0.0.2/30", "xe-0/0/0.0": "10.1.0.1/31", "lo0.0": "10.9.9.1/32"}), []))
        merge_hosts(s.fed_topology, touched, stale={"lyon"})
        s.fed_alarms.apply("lyon", [{"id": 7, "type": "connection_down", "device": "l1", "subject": "",
                                    "severity": "critical", "message": XSS, "raised_at": 5.0, "cleared_at": None,
                                    "updated_at": 5.0, "count": 2, "seq": 3}])
        data = rp.collect(s)
    assert [(a["child"], a["device"], a["count"]) for a in data["alarms"]] == [("lyon", "l1", 2)]
    topo = data["federation"]
    assert [site["name"] for site in topo["sites"]] == ["lyon", "paris"]
    assert {d["name"] for d in topo["devices"]} == {"p1", "l1", XSS}
    # p1 and l1 share 10.0.0.0/30 with distinct addresses: a link; XSS has the same address as l1 (a duplicate)
    assert [(lk["a"], lk["b"], lk["subnet"]) for lk in topo["links"]] == [
        (XSS, "p1", "10.0.0.0/30"), ("l1", "p1", "10.0.0.0/30")]
    assert [c["name"] for c in topo["children"] if c["stale"]] == ["lyon"]
    page = rp.render_html(data)
    assert "<svg" in page and page.count('class="link"') == 2 and page.count("<script") == 1
    assert "connection refused" in page and "0 devices" in page  # the master's own store has none
    assert topo["line"] == "3 federated devices: 1 In Sync, 1 Out of Sync, 1 Sync Failed" and topo["line"] in page
