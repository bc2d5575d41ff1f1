"""The child server's alarm queue and metrics endpoints (in-process server on loopback)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import AlarmConfig, Signal
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import apply_signals
from tests.system.federation.servers import ThreadChild
from tests.system.plugins.plugin_utils.federation_child.test_federation_server import TOKEN, call
from tests.support.clock import Clock

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    clock = Clock()
    store = st.open_store(str(tmp_path / "site.db"), clock=clock)
    store.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
    store.devices.upsert("r2", "10.0.0.2", 830, "junos", {})
    store.devices.set_status("r1", "In Sync", "x")
    store.devices.set_status("r2", "In Sync", "x")
    cfg = server_config(store=store, site="paris", token=TOKEN, max_page=3, refresh_interval=0, clock=clock,
                       alarms=AlarmConfig(out_of_sync_after=0.5, event_ttl=3600, evaluate_every=0))
    srv = ThreadChild(cfg)
    try:
        yield {"srv": srv.start(), "store": store, "clock": clock}
    finally:
        srv.stop()
        store.close()


def test_alarm_changes_pages_epoch_and_expiry(site: dict[str, Any]) -> None:
    srv, store = site["srv"], site["store"]
    now = site["clock"].now
    apply_signals(store.alarms, [Signal("device_syslog", "r%d" % i, True, now, "boom %d" % i) for i in range(7)])
    status, doc = call(srv.url, "/alarms/changes")
    assert status == 200 and doc["more"] is True and len(doc["alarms"]) == 3 and doc["cursor"] == 3
    seen = list(doc["alarms"])
    while doc["more"]:
        status, doc = call(srv.url, "/alarms/changes?since=%d&epoch=%s" % (doc["cursor"], doc["epoch"]))
        seen += doc["alarms"]
    assert [a["device"] for a in seen] == ["r%d" % i for i in range(7)] and doc["cursor"] == 7
    assert {a["state"] for a in seen} == {"active"} and isinstance(doc["server_time"], float)
    status, doc = call(srv.url, "/alarms/changes?since=7&epoch=another")
    assert status == 410 and doc["error"] == "epoch_changed"
    apply_signals(store.alarms, [Signal("device_syslog", "r0", False, now + 1)])
    store.alarms.purge(now + 2)
    status, doc = call(srv.url, "/alarms/changes?since=3")
    assert status == 410 and doc["error"] == "cursor_expired"
    status, doc = call(srv.url, "/alarms/changes?since=abc")
    assert status == 400 and doc["error"] == "bad_parameter"
    assert srv.counters["/alarms/changes"]["requests"] == 6 and srv.counters["/alarms/changes"]["errors"] == 3
    assert call(srv.url, "/alarms/changes", token="wrong-token-wrong-token")[0] == 401


def test_out_of_sync_evaluated_when_asked(site: dict[str, Any]) -> None:
    srv, store = site["srv"], site["store"]
    store.devices.set_status("r2", "Out of Sync", "a commit")
    site["clock"].now += 0.4  # not yet out_of_sync_after (0.5 s)
    status, doc = call(srv.url, "/alarms/changes")
    assert status == 200 and doc["alarms"] == []
    site["clock"].now += 0.2
    status, doc = call(srv.url, "/alarms/changes?since=%d&epoch=%s" % (doc["cursor"], doc["epoch"]))
    assert status == 200 and [(a["type"], a["device"], a["severity"]) for a in doc["alarms"]] == [
        ("out_of_sync", "r2", "minor")]


def test_metrics_index_and_series(site: dict[str, Any]) -> None:
    srv, store = site["srv"], site["store"]
    store.metrics.record(("resync_duration", "r1", 1000.0 + i, i / 10) for i in range(250))
    store.metrics.record([("jobs_run", "r1", 1100.0, 1.0)])
    status, doc = call(srv.url, "/metrics/index?object=r1")
    assert status == 200 and [(s["name"], s["first"], s["last"], s["points"]) for s in doc["series"]] == [
        ("jobs_run", 1100.0, 1100.0, 1), ("resync_duration", 1000.0, 1249.0, 250)]
    assert call(srv.url, "/metrics/index?object=r1&name=jobs_run")[1]["series"][0]["name"] == "jobs_run"
    assert call(srv.url, "/metrics/index?object=zz")[1]["series"] == []
    status, doc = call(srv.url, "/metrics/series?name=resync_duration&object=r1&start=1010&end=1200&limit=100")
    assert status == 200 and doc["more"] is True and len(doc["times"]) == len(doc["values"]) == 100
    assert (doc["times"][0], doc["values"][0]) == (1010.0, 1.0)
    status, doc = call(srv.url, "/metrics/series?name=resync_duration&object=r1&start=1010&end=1200&limit=100"
                                "&after=%r" % doc["next"])
    assert doc["times"][0] == 1110.0 and len(doc["times"]) == 91
    assert doc["more"] is False and doc["next"] is None and doc["times"][-1] == 1200.0
    for bad in ("name=cpu&object=r1", "name=jobs_run", "name=jobs_run&object=r1&start=x",
                "name=jobs_run&object=r1&start=10&end=5", "name=jobs_run&object=r1&start=nan"):
        status, doc = call(srv.url, "/metrics/series?" + bad)
        assert status == 400 and doc["error"] == "bad_parameter", bad
    assert srv.counters["/metrics/series"]["requests"] == 7 and srv.counters["/metrics/index"]["requests"] == 3
