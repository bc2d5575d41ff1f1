"""What the listener decided is visible through device_info: pending and dispatched jobs, counters."""
from __future__ import annotations

from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device_info
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener

T0 = 1_000_000.0
COMMIT = (b"<189>1 2026-07-06T03:52:49.972Z r1 mgd 97400 UI_COMMIT [junos@2636.1.1.1.2.129 "
          b"username=\"ops\" command=\"commit\"] User 'ops' requested 'commit' operation")


def test_pending_then_dispatched_job_and_counters(tmp_path: Path) -> None:
    path = str(tmp_path / "fleet.db")
    with st.open_store(path, clock=lambda: T0) as store:
        for name, host in (("r1", "10.0.0.1"), ("r2", "10.0.0.2")):
            store.devices.upsert(name, host, 830, "junos", {"hostname": name})
        lis = Listener(store)
        lis.ingest_syslog(COMMIT, "10.0.0.1", T0)
        lis.ingest_syslog(COMMIT, "192.0.2.66", T0)  # an unknown source
        lis.flush()
        info = {d["name"]: d for d in run_device_info({"store": path, "history": 0})["devices"]}
        assert info["r1"]["auto_resync_jobs"]["pending"] == {"due": T0 + 20, "kind": "scheduled", "created": T0,
                                                             "postponed": 0}
        assert info["r1"]["auto_resync_jobs"]["running"] is None
        assert info["r2"]["auto_resync_jobs"] == {"pending": None, "running": None}
        [event] = lis.tick(T0 + 20)
        lis.emitted(event)
        lis.flush()
        out = run_device_info({"store": path, "name": "r1", "history": 0})
        running = out["devices"][0]["auto_resync_jobs"]["running"]
        assert running["state"] == "dispatched" and running["job_id"] == event["netsync"]["job_ids"]["r1"]
        assert out["devices"][0]["auto_resync_jobs"]["pending"] is None
        counters = out["listener"]["counters"]
        assert counters["accepted"] == 1 and counters["dropped:unknown-source"] == 1 and out["listener"]["at"] == T0


def test_no_listener_yet(tmp_path: Path) -> None:
    path = str(tmp_path / "fleet.db")
    with st.open_store(path) as store:
        store.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
    out = run_device_info({"store": path, "history": 0})
    assert out["listener"] is None and out["devices"][0]["auto_resync_jobs"] == {"pending": None, "running": None}
