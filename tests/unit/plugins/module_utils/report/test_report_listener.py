"""The report's listener section: the jobs the listener persisted (pending with due time and why,
dispatched, running) and its counters, from a real store filled by a real ``Listener``."""
from __future__ import annotations

import json
from pathlib import Path

from ansible_collections.netsync.fleet.plugins.module_utils import report as rp
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaderLease

T0 = 1_700_000_000.0
COMMIT = (b"<189>1 2026-07-06T03:52:49.972Z %s mgd 97400 UI_COMMIT_COMPLETED [junos@2636.1.1.1.2.129 "
          b"username=\"ops\"] commit complete")


def _fill(url: str) -> None:
    now = [T0]
    with st.open_store(url, clock=lambda: now[0]) as s:
        for name, host in (("r1", "10.0.0.1"), ("r2", "10.0.0.2"), ("r3", "10.0.0.3")):
            s.devices.upsert(name, host, 830, "junos", {"hostname": name})
            s.devices.set_status(name, "In Sync", "test")
        s.devices.set_settings({"resync_delay": 20, "damping_window": 25, "damper_interval": 20})
        lis = Listener(s, lease=LeaderLease(s.leases, 15.0, holder="box:42:abc", monotonic=lambda: now[0]))
        assert lis.hold_lease()
        lis.ingest_syslog(COMMIT % b"r2", "10.0.0.2", T0)  # due at T0 + 20: dispatched then
        lis.ingest_syslog(COMMIT % b"r3", "10.0.0.3", T0)
        now[0] = T0 + 21
        [event] = lis.tick(now[0])
        lis.emitted(event)
        s.jobs.started(event["netsync"]["job_ids"]["r3"], "r3", origin="auto")  # r3's job runs, r2's does not yet
        lis.poll_jobs(now[0])
        lis.ingest_syslog(COMMIT % b"r1", "10.0.0.1", now[0])  # pending, due at T0 + 41
        lis.ingest_syslog(COMMIT % b"x", "10.9.9.9", now[0])  # unknown source
        lis.ingest_syslog(COMMIT % b"x", "10.9.9.9", now[0])
        lis.ingest_syslog(b"<999>UI_COMMIT garbage", "10.0.0.1", now[0])  # a rejected (malformed) line
        lis.counters["udp:kernel-drops"] += 7  # as the UDP receiver counts them
        lis.counters["tcp:rejected:frame-too-long"] += 2
        lis.flush()


def test_the_report_shows_the_listeners_jobs_and_counters(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    _fill(url)
    with st.open_store(url) as s:
        data = rp.collect(s)
    lis = data["listener"]
    jobs = [(j["device"], j["state"], j["due"], j["why"]) for j in lis["jobs"]]
    assert jobs == [("r1", "pending", T0 + 41, "commit notified"), ("r2", "dispatched", None, None),
                    ("r3", "running", None, None)]
    assert all(j["job_id"].startswith("auto-") for j in lis["jobs"][1:])
    values = lis["counters"]["values"]
    assert (values["dropped:unknown-source"], values["malformed"], values["udp:kernel-drops"],
            values["tcp:rejected"], values["accepted"]) == (2, 1, 7, 2, 3)
    # taken again at T0 + 21: the fake clock jumped past the 15 s lease without a renewal
    assert lis["leader"] == {"holder": "box:42:abc", "since": T0 + 21} and lis["standby"] is None
    page = rp.render_html(data)
    section = page[page.index('<section id="listener">'):]
    section = section[:section.index("</section>")]
    assert section.count('class="listener-job"') == 3
    assert 'data-counter="udp:kernel-drops"><td>UDP datagrams dropped by the kernel</td><td class="num">7<' in section
    assert 'data-counter="dropped:unknown-source"><td>dropped: unknown source</td><td class="num">2<' in section
    assert json.loads(rp.render_json(data))["listener"] == lis


def test_a_store_no_listener_ran_on_has_no_listener_section(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as s:
        s.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
        data = rp.collect(s)
    assert data["listener"] == {"jobs": [], "counters": None, "standby": None, "leader": None}
    assert 'id="listener"' not in rp.render_html(data)


def test_postponed_follow_up_says_why() -> None:
    from ansible_collections.netsync.fleet.plugins.module_utils.report._listener import listener_view
    view = listener_view({"r1": {"pending": {"due": 5.0, "created_at": 1.0, "kind": "follow-up", "postponed": 2}}},
                         None, None)
    assert view["jobs"][0]["why"] == "commit after the running job's read; postponed 2 time(s) while a job runs"
