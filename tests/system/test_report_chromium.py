"""The status report in a real headless Chromium (Debian's ``chromium``), driven over the DevTools protocol.

A store is filled for real: three simulated Junos devices onboarded and resynced by the real playbooks
(an out-of-band commit on r1, a failed resync of r3), notifications recorded as the listener records them,
and the store made a federation master (the site's topology objects copied in as two children's copies
through the store's master API). The real ``playbooks/report.yml`` writes the page; Chromium loads it with
no console error, no exception (a CSP violation would be one) and no request but the page itself; the DOM
shows the device rows and the XSS strings as text; each device links to its history (r1: two versions, who
and the diff); typing in the search box hides the other devices and their history; a screenshot is saved
in the test's tmp dir and in ``tests/output/report.png``.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import aiohttp
import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.topology.refresh import refresh_topology
from ansible_collections.netsync.fleet.plugins.module_utils.topology import TopologyObject
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.merge import apply_objects, merge_hosts
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.damper import DeviceState, PendingJob
from tests.sims.junos_config import default_config
from tests.sims.junos_sim import DEFAULT_VERSION
from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory

pytestmark = [pytest.mark.system,
              pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian package chromium not installed")]

XSS = "<script>alert(1)</script>"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars"]


# -- Chromium and the DevTools protocol ------------------------------------------------------------------
@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """A headless Chromium with DevTools on a free loopback port; stopped (its process group) at teardown."""
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    log = open(tmp_path / "chromium.log", "wb")
    proc = subprocess.Popen(["chromium", *CHROMIUM_FLAGS, "--remote-debugging-address=127.0.0.1",
                             "--remote-debugging-port=0", "--user-data-dir=%s" % profile, "about:blank"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("chromium did not start: %s" % (tmp_path / "chromium.log").read_text()[-2000:])
            time.sleep(0.1)
        yield int(port_file.read_text().split()[0])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        try:  # renderer and GPU helpers of our own process group that outlived the browser
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.close()


class Page:
    """One DevTools websocket on a page target: commands by id, events kept in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        await self.ws.send_json({"id": self._id, "method": method, "params": params})
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout=60)
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            data = json.loads(msg.data)
            if data.get("id") == self._id:
                assert "error" not in data, (method, data["error"])
                return dict(data.get("result", {}))
            if "method" in data:
                self.events.append(data)

    async def wait_event(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout=60)
            data = json.loads(msg.data)
            if "method" in data:
                self.events.append(data)
                if data["method"] == method:
                    return data

    async def evaluate(self, expression: str) -> Any:
        res = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in res, res
        return res["result"].get("value")


def problems(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Console errors/asserts, uncaught exceptions and error log entries (CSP violations, failed loads, ...)."""
    out = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            out.append(event)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append(event)
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(event)
    return out


DOM_FACTS = """JSON.stringify({
  title: document.title,
  summary: document.querySelector('#summary .summary').textContent,
  devices: Array.from(document.querySelectorAll('tr.device td.name')).map(td => td.textContent),
  statuses: Array.from(document.querySelectorAll('tr.device')).map(tr => tr.dataset.status),
  jobs: document.querySelectorAll('tr.job').length,
  alarms: document.querySelectorAll('tr.alarm').length,
  listener_jobs: Array.from(document.querySelectorAll('tr.listener-job')).map(tr => tr.dataset.state),
  kernel_drops: document.querySelector('tr.listener-counter[data-counter="udp:kernel-drops"] td.num').textContent,
  scripts: document.scripts.length,
  xss_text: document.body.innerText.includes('<script>alert(1)</script>'),
  svg_nodes: document.querySelectorAll('svg.topology g.node').length,
  svg_links: document.querySelectorAll('svg.topology path.link').length,
  svg_titles: Array.from(document.querySelectorAll('svg.topology title')).map(t => t.textContent).join('\\n'),
  height: Math.ceil(document.documentElement.scrollHeight),
  links: Array.from(document.querySelectorAll('tr.device td.name a')).map(a =>
    [a.textContent, !!document.getElementById(a.getAttribute('href').slice(1))]),
  history: Object.fromEntries(Array.from(document.querySelectorAll('div.history')).map(d =>
    [d.querySelector('h3').firstChild.textContent.trim(), Array.from(d.querySelectorAll('tr.version')).map(tr =>
      [tr.cells[0].textContent, tr.cells[3].textContent, tr.querySelector('pre.diff') ?
        tr.querySelector('pre.diff').textContent : ''])])),
})"""

FILTER = """(() => {
  const box = document.getElementById('filter');
  box.value = %s;
  box.dispatchEvent(new Event('input'));
  return JSON.stringify({
    rows: Array.from(document.querySelectorAll('tr.device')).filter(tr => !tr.hidden)
      .map(tr => tr.querySelector('td.name').textContent),
    history: Array.from(document.querySelectorAll('div.history')).filter(d => !d.hidden)
      .map(d => d.querySelector('h3').firstChild.textContent.trim()),
    count: document.getElementById('filter-count').textContent,
  });
})()"""


async def inspect_page(port: int, url: str, screenshot: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Load ``url``; return the DOM facts, the problems seen and every URL the page requested."""
    async with aiohttp.ClientSession() as http:
        async with http.get("http://127.0.0.1:%d/json/list" % port) as resp:
            targets = await resp.json()
        target = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            page = Page(ws)
            for domain in ("Runtime", "Log", "Page", "Network"):
                await page.call(domain + ".enable")
            await page.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                            mobile=False)
            await page.call("Page.navigate", url=url)
            await page.wait_event("Page.loadEventFired")
            facts = json.loads(await page.evaluate(DOM_FACTS))  # events before it are in page.events
            await page.call("Emulation.setDeviceMetricsOverride", width=1280, height=facts["height"],
                            deviceScaleFactor=1, mobile=False)
            shot = await page.call("Page.captureScreenshot", format="png")
            facts["filtered"] = {q: json.loads(await page.evaluate(FILTER % json.dumps(q)))
                                 for q in ("r2", "FAILED", "")}
            await page.evaluate("1")  # a last round trip: late console events are collected too
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            requested = [e["params"]["request"]["url"] for e in page.events
                         if e["method"] == "Network.requestWillBeSent"]
            return facts, problems(page.events), requested


# -- the store, filled for real ------------------------------------------------------------------------
def _sim(factory: Callable[..., Any], name: str, interfaces: dict[str, tuple[str, str]], **kwargs: Any) -> Any:
    return factory(hostname=name, config=default_config(name, DEFAULT_VERSION, ["admin"], interfaces), **kwargs)


def _make_master(store_url: str) -> None:
    """Copy the site's own topology objects in as two children's copies (r1 at paris, r2 and r3 at lyon)."""
    with st.open_store(store_url) as s:
        copies: dict[str, list[TopologyObject]] = {}
        for child, devices in (("paris", {"r1"}), ("lyon", {"r2", "r3"})):
            refresh_topology(s.devices, s.topology, child)
            objects = [TopologyObject.from_dict(json.loads(body)) for body in s.topology.changes(0, 100000)["objects"]]
            copies[child] = [o for o in objects if o.key.split(":")[1] in devices]
        s.fed_topology.pulls.save("paris", url="https://127.0.0.1:9443", last_success=s.clock())
        s.fed_topology.pulls.save("lyon", url="https://127.0.0.1:9444", last_success=s.clock())
        touched: dict[str, Any] = {}
        for child, objects in copies.items():
            touched.update(apply_objects(s.fed_topology, child, objects, []))
        merge_hosts(s.fed_topology, set(touched))


def _listener_decisions(store_url: str) -> None:
    """What a listener persists at a flush: a pending job of r2 (due in 20 s) and its counters."""
    with st.open_store(store_url) as s:
        now = s.clock()
        state = DeviceState("r2", pending=PendingJob(now + 20.0, now))
        s.jobs.save_damper_states({"r2": state.to_dict()})
        s.jobs.save_listener_counters({"received": 12, "dropped:unknown-source": 1, "udp:kernel-drops": 3}, now)


@pytest.fixture
def filled_store(tmp_path: Path, junos_sim: Callable[..., Any]) -> dict[str, Any]:
    sims = {
        "r1": _sim(junos_sim, "r1", {"ge-0/0/0": ("to r2", "10.0.12.1/30"), "ge-0/0/1": (XSS, "10.0.13.1/30")}),
        "r2": _sim(junos_sim, "r2", {"ge-0/0/0": ("to r1", "10.0.12.2/30")}),
        "r3": _sim(junos_sim, "r3", {"ge-0/0/0": ("to r1", "10.0.13.2/30")}, model=XSS),
    }
    known = tmp_path / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim(n, s) for n, s in sims.items()], known_hosts=known,
                          extra_vars={"netsync_timeout": 5})
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # an out-of-band commit on r1, notified twice (syslog UI_COMMIT + UI_COMMIT_COMPLETED), then resync all
    sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/2 description oob-change"])
    with st.open_store(store) as s:
        for _ in range(2):
            s.jobs.record_notification("127.0.0.1", "syslog", "r1", True, commit_user="ops")
        s.jobs.record_notification("127.0.0.9", "syslog", None, False, reason="unknown source")
    sims["r3"].faults.rpc_error_on = "get-configuration"
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store)
    assert run.rc != 0  # r3 failed
    res = run.results("Read the committed configuration and store a snapshot if it changed")
    assert res["r1"]["snapshot_version"] == 2 and res["r3"]["failed"] is True
    _make_master(store)
    _listener_decisions(store)
    return {"store": store, "inventory": inv, "tmp": tmp_path}


def test_report_in_headless_chromium(filled_store: dict[str, Any], chromium: int) -> None:
    tmp = filled_store["tmp"]
    html = tmp / "site" / "report.html"
    args = ("-e", "netsync_report_path=%s" % html)
    check = run_playbook(REPO / "playbooks/report.yml", filled_store["inventory"], filled_store["store"], *args,
                         "--check", "--diff")
    assert check.rc == 0 and check.results("Write the HTML page and the JSON data")["localhost"]["changed"] is True
    assert not html.exists() and not html.with_suffix(".json").exists()  # check mode writes nothing
    run = run_playbook(REPO / "playbooks/report.yml", filled_store["inventory"], filled_store["store"], *args)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = run.results("Write the HTML page and the JSON data")["localhost"]
    assert res["changed"] is True
    assert res["summary"]["line"] == "3 devices: 2 In Sync, 1 Sync Failed"
    data = json.loads(html.with_suffix(".json").read_text())
    jobs = {j["device"]: j for j in reversed(data["jobs"])}  # the newest job of each device
    assert jobs["r1"]["notifications"] == 2 and jobs["r1"]["state"] == "done"
    assert jobs["r3"]["state"] == "failed" and jobs["r3"]["notifications"] is None
    assert [(a["type"], a["device"]) for a in data["alarms"]] == [("sync_failed", "r3")], data["alarms"]

    # a second run: nothing changed in the store, nothing changes on disk
    again = run_playbook(REPO / "playbooks/report.yml", filled_store["inventory"], filled_store["store"], *args)
    assert again.rc == 0 and again.results("Write the HTML page and the JSON data")["localhost"]["changed"] is False

    shot = tmp / "report.png"
    facts, seen, requested = asyncio.run(inspect_page(chromium, html.as_uri(), shot))
    assert seen == [], json.dumps(seen, indent=1)[:3000]
    assert requested == [html.as_uri()]  # nothing but the page itself
    assert facts["title"] == "netsync.fleet status"
    assert facts["summary"] == "3 devices: 2 In Sync, 1 Sync Failed"
    assert facts["devices"] == ["r3", "r1", "r2"]  # problems first
    assert facts["statuses"][0] == "Sync Failed"
    assert facts["jobs"] == len(data["jobs"]) == 6  # 3 onboarding resyncs + 3 resyncs
    assert facts["alarms"] == len(data["alarms"]) == 1
    assert facts["listener_jobs"] == ["pending"] and facts["kernel_drops"] == "3"  # the listener's section
    assert [(j["device"], j["why"]) for j in data["listener"]["jobs"]] == [("r2", "commit notified")]
    assert facts["scripts"] == 1 and facts["xss_text"] is True  # the filter is the one script; the XSS is text
    assert facts["links"] == [["r3", True], ["r1", True], ["r2", True]]  # each device links to its history
    r1_history = facts["history"]["r1"]
    assert [(v, who) for v, who, _diff in r1_history] == [("2", "ops"), ("1", "root")]  # newest first; sim: root
    assert "set interfaces ge-0/0/2 description oob-change" in r1_history[0][2].splitlines()  # Junos: set lines
    assert r1_history[1][2] == ""  # the first version has no diff
    assert [v for v, _w, _d in facts["history"]["r3"]] == ["1"]  # the failed resync stored nothing
    assert facts["filtered"]["r2"] == {"rows": ["r2"], "history": ["r2"], "count": "1 shown"}
    assert facts["filtered"]["FAILED"] == {"rows": ["r3"], "history": ["r3"], "count": "1 shown"}  # by status
    assert facts["filtered"][""] == {"rows": ["r3", "r1", "r2"], "history": ["r3", "r1", "r2"], "count": ""}
    assert data["history"]["r1"]["total"] == 2 and data["history"]["r1"]["versions"][0]["user"] == "ops"
    assert facts["svg_nodes"] == 3 and facts["svg_links"] == 2  # r1-r2 and r1-r3 share /30 subnets
    assert XSS in facts["svg_titles"]  # r3's model, as text in the node's tooltip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = REPO / "tests" / "output"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, out / "report.png")
