"""Alarms and metrics pulled on demand, end to end: two real child servers (the one command, TLS) over
stores filled by real onboarding and resyncs (Junos simulators, netconfd); real failures (a resync that
fails with an rpc-error, a stopped netconfd, a stopped Junos simulator); the master is ansible-playbook
with the netsync.fleet.alarms and netsync.fleet.metrics lookups. Requests are counted on the child side
(``/api/v1/stats``)."""
from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.federation.servers import ProcessChild, tls_children
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system
LOOKUPS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Alarms
      ansible.builtin.debug:
        msg: "{{ query('netsync.fleet.alarms', state=lookup('env', 'WANT_STATE') or 'active') }}"
    - name: Metric
      ansible.builtin.debug:
        msg: "{{ lookup('netsync.fleet.metrics', 'resync_duration', device='r1', start='-1h', end='now') }}"
"""


@pytest.fixture
def sites(tmp_path: Path, junos_sim: Callable[..., Any], netconfd_devices: list[Any]) -> Iterator[dict[str, Any]]:
    sims = {n: junos_sim(hostname=n) for n in ("r1", "r2", "r3")}
    nc = netconfd_devices[0]
    known = tmp_path / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    known.write_text(known.read_text() + Path(nc.known_hosts).read_text())
    stores = {n: str(tmp_path / ("%s.db" % n)) for n in ("east", "west")}
    invs = {}
    # east: r1, r2; west: r1 again, the netconfd device and r3
    for child, devices in (("east", [from_sim("r1", sims["r1"]), from_sim("r2", sims["r2"])]),
                           ("west", [from_sim("r1", sims["r1"]), from_netconfd(nc), from_sim("r3", sims["r3"])])):
        invs[child] = write_inventory(tmp_path / ("%s.yml" % child), devices, known_hosts=known,
                                      extra_vars={"netsync_timeout": 5})
        run = run_playbook(REPO / "playbooks/onboard.yml", invs[child], stores[child])
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
        run = run_playbook(REPO / "playbooks/resync.yml", invs[child], stores[child])
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (tmp_path / "lookups.yml").write_text(LOOKUPS)
    (tmp_path / "local.ini").write_text("localhost ansible_connection=local\n")
    with tls_children(tmp_path, stores) as fed:
        yield dict(fed, stores=stores, sims=sims, nc=nc, invs=invs, tmp=tmp_path)


def requests(fed: dict[str, Any], name: str) -> dict[str, int]:
    """Requests per endpoint the child served (its own counters; /stats itself left out)."""
    req = urllib.request.Request(fed["children"][name].url + "/api/v1/stats",
                                 headers={"Authorization": "Bearer " + fed["tokens"][name]})
    with urllib.request.urlopen(req, timeout=30, context=ssl.create_default_context(cafile=fed["cert"])) as resp:
        counters: dict[str, Any] = json.loads(resp.read())["counters"]
    # endpoints are the keys that are paths (the child also counts its connections under "connections")
    return {k: int(v["requests"]) for k, v in counters.items() if k.startswith("/") and k != "/stats"}


def lookups(fed: dict[str, Any], **env: str) -> dict[str, Any]:
    """One ansible-playbook run of both lookups; the alarms, the series and the warnings."""
    extra = {"NETSYNC_FEDERATION_CONFIG": str(fed["path"])}
    extra.update(env)
    run = run_playbook(fed["tmp"] / "lookups.yml", fed["tmp"] / "local.ini", str(fed["tmp"] / "unused.db"),
                       env_extra=extra)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    alarms, metric = run.results("Alarms")["localhost"], run.results("Metric")["localhost"]
    warnings = [str(w) for w in alarms.get("warnings", []) + metric.get("warnings", [])]
    return {"alarms": alarms["msg"], "metric": metric["msg"], "warnings": " | ".join(warnings) + run.stderr}


def active(out: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(a["child"], a["device"], a["type"]) for a in out["alarms"]}


def test_alarms_and_metrics_on_demand(sites: dict[str, Any]) -> None:
    fed = sites
    nc = fed["nc"].name
    # real failures: r2 answers rpc-error; netconfd stopped; the r3 simulator stopped
    fed["sims"]["r2"].faults.rpc_error_on = "get-configuration"
    fed["nc"].stop_server()
    fed["sims"]["r3"].stop()
    for child in ("east", "west"):
        assert run_playbook(REPO / "playbooks/resync.yml", fed["invs"][child], fed["stores"][child]).rc != 0

    before = {n: requests(fed, n) for n in fed["children"]}
    first = lookups(fed)
    # netconfd stopped behind a running sshd is a device down too (unreachable), like the stopped simulator
    assert active(first) == {("east", "r2", "sync_failed"), ("west", nc, "sync_failed"),
                             ("west", nc, "connection_down"), ("west", "r3", "sync_failed"),
                             ("west", "r3", "connection_down")}, first
    by = {(a["child"], a["device"], a["type"]): a for a in first["alarms"]}
    assert by[("west", "r3", "connection_down")]["severity"] == "critical"
    assert "rpc-error" in by[("east", "r2", "sync_failed")]["message"]
    assert all(a["stale"] is False and a["clock_suspect"] is False for a in first["alarms"])
    after = {n: requests(fed, n) for n in fed["children"]}
    assert all(after[n].get("/alarms/changes", 0) - before[n].get("/alarms/changes", 0) == 1 for n in after)

    # merged series: r1 was resynced on both sites; the source set is determined once
    series = first["metric"]
    assert series["sources"] == ["east", "west"] and series["sources_reused"] is False
    # exactly the children's own points: 3 resyncs of r1 on each site (onboard, resync, the failing run)
    expected: list[list[float]] = []
    for child in ("east", "west"):
        with st.open_store(fed["stores"][child]) as s:
            expected += [[t, v] for t, v in s.metrics.series("resync_duration", "r1", 0.0, float("inf"))]
    assert series["points"] == sorted(expected) and len(expected) == 6, (series["points"], expected)

    # a second run within max_alarm_update_delay (50 s) and metric_source_reuse (3 min): the alarms come
    # from the master's copy and the source set from its store: no alarm or index request to any child
    second = lookups(fed)
    again = {n: requests(fed, n) for n in fed["children"]}
    for name in fed["children"]:
        assert again[name].get("/alarms/changes") == after[name].get("/alarms/changes")
        assert again[name].get("/time") == after[name].get("/time")
        assert again[name].get("/metrics/index") == after[name].get("/metrics/index") == 1
        assert again[name].get("/metrics/series", 0) == after[name].get("/metrics/series", 0) + 1
    assert active(second) == active(first) and second["metric"]["sources_reused"] is True

    # recovery: the next good resyncs clear Sync Failed; a lookup whose copies are older than its delay and
    # reuse time (0 s: no waiting; the thresholds themselves: tests/system/plugins/lookup, on a test clock)
    # pulls the clears
    fed["sims"]["r2"].faults.rpc_error_on = None
    fed["nc"].start_server()
    assert run_playbook(REPO / "playbooks/resync.yml", fed["invs"]["east"], fed["stores"]["east"]).rc == 0
    run_playbook(REPO / "playbooks/resync.yml", fed["invs"]["west"], fed["stores"]["west"])  # r3 is still down
    third = lookups(fed, NETSYNC_MAX_ALARM_UPDATE_DELAY="0", NETSYNC_METRIC_SOURCE_REUSE="0")
    assert active(third) == {("west", "r3", "sync_failed"), ("west", "r3", "connection_down")}
    later = {n: requests(fed, n) for n in fed["children"]}
    assert all(later[n]["/alarms/changes"] == again[n]["/alarms/changes"] + 1 for n in later)
    assert third["metric"]["sources_reused"] is False  # older than the reuse time: determined again
    assert all(later[n]["/metrics/index"] == 2 for n in later)
    cleared = lookups(fed, WANT_STATE="cleared")["alarms"]
    assert {(a["child"], a["device"]) for a in cleared if a["type"] == "sync_failed"} == {("east", "r2"), ("west", nc)}

    # a child that is down: its last known alarms, marked stale, and a warning; its points are missing
    fed["children"]["west"].stop()
    down = lookups(fed, NETSYNC_MAX_ALARM_UPDATE_DELAY="0")
    assert "federation child west" in down["warnings"] and "stale" in down["warnings"]
    assert {(a["device"], a["type"], a["stale"]) for a in down["alarms"]} == {
        ("r3", "sync_failed", True), ("r3", "connection_down", True)}
    assert down["metric"]["missing"] == ["west"] and down["metric"]["sources"] == ["east"]

    # a child with a skewed clock (restarted 10 minutes ahead): flagged and warned
    fed["children"]["west"] = ProcessChild(fed["stores"]["west"], "site-west", fed["tmp"] / "west.token",
                                           tls=(fed["cert"], fed["key"]), clock_offset=600).start()
    fed["config"]["children"][1]["url"] = fed["children"]["west"].url
    fed["path"].write_text(yaml.safe_dump(fed["config"]))
    skewed = lookups(fed, NETSYNC_MAX_ALARM_UPDATE_DELAY="0")
    assert "federation child west: clock differs" in skewed["warnings"]
    assert {(a["child"], a["device"], a["clock_suspect"], a["stale"]) for a in skewed["alarms"]} == {
        ("west", "r3", True, False)}
    assert skewed["metric"]["clock_suspect"] == ["west"] and skewed["metric"]["sources_reused"] is False

    # a configuration change re-determines the sources at once (west left the federation)
    index = requests(fed, "east")["/metrics/index"]
    fed["path"].write_text(yaml.safe_dump(dict(fed["config"], children=fed["config"]["children"][:1])))
    changed = lookups(fed)
    assert changed["metric"]["sources"] == ["east"] and changed["metric"]["sources_reused"] is False
    assert requests(fed, "east")["/metrics/index"] == index + 1
    assert changed["alarms"] == []  # east has none active; west is no longer asked for
