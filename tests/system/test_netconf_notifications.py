"""NETCONF notifications end to end: real netconfd devices behind sshd, onboarded with
playbooks/onboard.yml; a commit by another NETCONF session -> netconf-config-change ->
the event source (directly under asyncio, and under a real ansible-rulebook) -> resync."""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from tests.system.helpers import REPO, from_netconfd, run_playbook, write_inventory
from tests.system.rulebook import RulebookRunner, free_port, rulebook_runner

pytestmark = pytest.mark.system

__all__ = ["rulebook_runner"]  # the fixture, imported for pytest
DEADLINE = 120.0
FAST = {"resync_delay": 1, "damping_window": 0.5, "damper_interval": 0.5}


def onboard(tmp_path: Path, devices: list[Any]) -> tuple[Path, str]:
    """Inventory for ``devices`` and a store where playbooks/onboard.yml imported them."""
    inv = write_inventory(tmp_path / "inventory.yml", [from_netconfd(d) for d in devices],
                          known_hosts=Path(devices[0].known_hosts))
    store_url = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with st.open_store(store_url) as store:
        for dev in devices:
            assert store.devices.device_overrides(dev.name) == {"auto_resync": True}  # onboarding enabled it
            assert store.devices.latest_snapshot(dev.name)["version"] == 1  # type: ignore[index]
        store.devices.set_settings(FAST)
    return inv, store_url


def snapshot_has(store: st.Store, name: str, text: str) -> bool:
    latest = store.devices.latest_snapshot(name)
    snap = store.devices.get_snapshot(name, int(latest["version"])) if latest else None
    return snap is not None and text in snap["rendered"]


def in_sync_with(store: st.Store, name: str, text: str) -> bool:
    state = store.jobs.load_damper_states().get(name, {})
    device = store.devices.get(name) or {}
    return (snapshot_has(store, name, text) and device.get("managed_status") == "In Sync"
            and state.get("pending") is None and state.get("running") is None)


def auto_jobs(store: st.Store, name: str) -> list[dict[str, Any]]:
    return [j for j in store.jobs.recent(name) if j["origin"] == "auto"]


class Messages(logging.Handler):
    """The event source's log lines."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)


# -- the event source under asyncio; resync events run netsync.fleet.resync's code ---------------

def test_event_source_commit_disabled_device_restart_and_refresh(tmp_path: Path, netconfd_devices: list[Any]) -> None:
    from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events
    dev, off = netconfd_devices[0], netconfd_devices[1]
    inv, store_url = onboard(tmp_path, [dev, off])
    inventory = yaml.safe_load(inv.read_text())["all"]["children"]["routers"]
    store = st.open_store(store_url)
    store.devices.set_settings({"auto_resync": None}, off.name)  # as if never enabled: not subscribed
    messages = Messages()
    log = logging.getLogger("netsync.fleet.commit_events")
    log.addHandler(messages)
    log.setLevel(logging.INFO)
    events: list[dict[str, Any]] = []

    def resync(name: str, job_id: str) -> dict[str, Any]:
        """What the rulebook's run of netsync.fleet.resync does for one host."""
        hv = inventory["hosts"][name]
        return run_resync({
            "name": name, "host": hv["ansible_host"], "port": hv["ansible_port"], "username": hv["ansible_user"],
            "password": hv.get("ansible_password"), "private_key_file": hv.get("ansible_ssh_private_key_file"),
            "platform": "auto", "host_key_checking": True, "known_hosts_file": inventory["vars"][
                "netsync_known_hosts_file"], "timeout": 30.0, "store": store_url, "job_id": job_id,
            "origin": "auto"}, check_mode=False, diff=False)

    async def until(what: str, check: Callable[[], Any], queue: asyncio.Queue[Any]) -> None:
        """Wait for ``check``, running the resync of every event that comes meanwhile."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if check():
                return
            try:
                event = await asyncio.wait_for(queue.get(), 0.2)
            except asyncio.TimeoutError:
                continue
            events.append(event)
            for name, job_id in event["netsync"]["job_ids"].items():
                await asyncio.get_running_loop().run_in_executor(None, resync, name, job_id)
        raise AssertionError("timed out waiting for %s; log:\n%s" % (what, "\n".join(messages.lines[-30:])))

    async def scenario() -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(commit_events.main(queue, {
            "store": store_url, "syslog_udp": "", "tick": 0.2, "netconf_notifications": True,
            "inventory": str(inv), "netconf_refresh": 1, "netconf_max_backoff": 2, "job_timeout": 120}))
        loop = asyncio.get_running_loop()
        try:
            await until("the subscription", lambda: messages.has(f"subscription to {dev.name} up"), queue)
            assert not messages.has(f"subscription to {off.name}")
            await loop.run_in_executor(None, dev.oob_commit, "notified-1")
            await until("the first commit synced", lambda: in_sync_with(store, dev.name, "notified-1"), queue)
            [rec] = store.db.query("SELECT source, kind, commit_user, detail FROM notifications WHERE device = ?",
                                   (dev.name,))
            assert (rec["source"], rec["kind"], rec["commit_user"]) == (
                f"netconf:{dev.name}", "netconf-config-change", dev.oob_username)
            assert '"session_id":' in rec["detail"] and "eth0']/if:description" in rec["detail"]

            store.devices.set_settings({"auto_resync": False}, off.name)  # state: disabled, picked up at refresh
            await until("the disabled device subscribed", lambda: messages.has(f"subscription to {off.name} up"),
                        queue)
            await loop.run_in_executor(None, off.oob_commit, "not-synced")
            await until("disabled device Out of Sync",
                        lambda: (store.devices.get(off.name) or {}).get("managed_status") == "Out of Sync", queue)
            [rec] = store.db.query("SELECT reason FROM notifications WHERE device = ?", (off.name,))
            assert "auto-resync disabled" in rec["reason"]

            await loop.run_in_executor(None, dev.stop_server)  # the device goes down, and comes back
            await until("the subscription lost", lambda: messages.has(f"subscription to {dev.name} lost"), queue)
            await loop.run_in_executor(None, dev.start_server)
            await until("the subscription back", lambda: messages.has(f"subscription to {dev.name} up again "
                                                                      "(reconnect 1)"), queue)
            # commits while it was away were not notified: the resubscription counts as one
            await until("the resubscription's resync", lambda: store.db.query(
                "SELECT 1 FROM notifications WHERE device = ? AND kind = 'netconf-resubscribed'", (dev.name,))
                and len(auto_jobs(store, dev.name)) == 2 and in_sync_with(store, dev.name, "notified-1"), queue)
            await loop.run_in_executor(None, dev.oob_commit, "notified-2")
            await until("the commit after the restart synced",
                        lambda: in_sync_with(store, dev.name, "notified-2"), queue)

            assert all(off.name not in e["netsync"]["devices"] for e in events) and not auto_jobs(store, off.name)
            assert not snapshot_has(store, off.name, "not-synced")
            store.devices.remove(off.name)  # removed: unsubscribed at the next refresh
            await until("the unsubscription", lambda: messages.has(f"subscription to {off.name} closed"), queue)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    try:
        asyncio.run(scenario())
        kinds = [r["kind"] for r in store.db.query(
            "SELECT kind FROM notifications WHERE device = ? AND accepted = 1 ORDER BY id", (dev.name,))]
        assert kinds == ["netconf-config-change", "netconf-resubscribed", "netconf-config-change"]
        assert len(auto_jobs(store, dev.name)) == 3 and all(j["state"] == "done" for j in auto_jobs(store, dev.name))
        assert not any("password" in line.lower() or (dev.password or "\0") in line for line in messages.lines)
    finally:
        log.removeHandler(messages)
        store.close()


# -- through a real ansible-rulebook running extensions/eda/rulebooks/auto_resync.yml ------------

def test_rulebook_netconf_commit_gives_resync_run(tmp_path: Path, netconfd_devices: list[Any],
                                                  rulebook_runner: Callable[..., RulebookRunner]) -> None:
    dev = netconfd_devices[2]
    inv, store_url = onboard(tmp_path, [dev])
    with st.open_store(store_url) as store:
        store.devices.set_settings({"resync_delay": 3})  # both commits land before the run reads
        runner = rulebook_runner(inv, store_url, {
            "netsync_netconf_notifications": True, "netsync_inventory": str(inv),
            "netsync_syslog_udp": f"127.0.0.1:{free_port()}", "netsync_tick": 0.2,
            "netsync_job_timeout": 120})
        runner.start()
        log = runner.log
        runner.wait_for("the subscription", lambda: f"subscription to {dev.name} up".encode() in log.read_bytes())
        for n in range(2):  # two commits close together: one damped resync run
            dev.oob_commit(f"rulebook-{n}")
        runner.wait_for("the resync run", lambda: in_sync_with(store, dev.name, "rulebook-1"))
        jobs = auto_jobs(store, dev.name)
        assert len(jobs) == 1 and jobs[0]["state"] == "done"
        snap = store.devices.latest_snapshot(dev.name)
        assert snap is not None and snap["version"] == 2 and snap["job_id"] == jobs[0]["id"]
        rows = store.db.query("SELECT source, kind, commit_user FROM notifications WHERE device = ? AND accepted = 1",
                              (dev.name,))
        assert rows and all((r["source"], r["kind"], r["commit_user"]) == (
            f"netconf:{dev.name}", "netconf-config-change", dev.oob_username) for r in rows)
        if dev.password:
            assert dev.password.encode() not in log.read_bytes()
