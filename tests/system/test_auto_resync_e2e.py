"""Auto-resync scenarios end to end: the Junos simulator commits and sends its syslog (or `logger`
does, or the commit_notify callback fills the inbox), a real ansible-rulebook runs
extensions/eda/rulebooks/auto_resync.yml, and real ansible-playbook resyncs update the store.
Delays are scaled down to about a second so the tests stay short."""
from __future__ import annotations

import shutil
import itertools
import socket
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_sim, listener_inventory, run_playbook, write_inventory
from tests.system.rulebook import RulebookRunner, free_port, jobs_of, rulebook_runner, settled, statuses

pytestmark = pytest.mark.system
__all__ = ["rulebook_runner"]  # the fixture, imported for pytest

FAST = {"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5}
LINE = (b"<189>1 2026-07-06T03:52:49.972Z %s mgd 97400 UI_COMMIT_COMPLETED "
        b"[junos@2636.1.1.1.2.129 ] commit complete")


class Site:
    """One onboarded simulated Junos device r1, its store and inventory, and a rulebook factory."""

    def __init__(self, tmp_path: Path, sim: Any, store: str, inventory: Path, udp: int,
                 make: Callable[..., RulebookRunner]) -> None:
        self.tmp, self.sim, self.url, self.inventory, self.udp = tmp_path, sim, store, inventory, udp
        self.store = st.open_store(store)
        self._make = make

    def rulebook(self, **variables: Any) -> RulebookRunner:
        base = {"netsync_syslog_udp": "127.0.0.1:%d" % self.udp, "netsync_tick": 0.2, "netsync_job_timeout": 60}
        base.update(variables)
        runner = self._make(self.inventory, self.url, base)
        runner.start()
        return runner

    def commit(self, description: str) -> None:
        self.sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description %s" % description])

    def latest_config(self) -> str:
        snap = self.store.devices.latest_snapshot("r1")
        assert snap is not None
        config = self.store.devices.get_snapshot("r1", int(snap["version"]))
        return str(config["rendered"]) if config else ""

    def wait_for_job(self, runner: RulebookRunner, started: bool = True) -> dict[str, Any]:
        def running() -> Any:
            for job in jobs_of(self.store, "r1", "auto"):
                if job["state"] not in ("done", "failed") and (job["started_at"] is not None or not started):
                    return job
            return None
        return dict(runner.wait_for("an auto job to start", running))


@pytest.fixture
def site(tmp_path: Path, junos_sim: Callable[..., Any],
         rulebook_runner: Callable[..., RulebookRunner]) -> Any:
    """r1 onboarded with auto-resync on (a syslog stanza towards the listener's UDP port)."""
    udp = free_port()
    sim = junos_sim(hostname="r1")
    inv = listener_inventory(tmp_path, sim, udp)
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.results("Enable auto-resync (commit messages to the listener)")["r1"]["device_changed"] is True
    made = Site(tmp_path, sim, store, inv, udp, rulebook_runner)
    made.store.devices.set_settings(FAST)
    yield made
    made.store.close()


def test_commit_during_a_running_resync_gets_a_follow_up(site: Site) -> None:
    runner = site.rulebook()
    site.sim.faults.delay = 1.0  # every NETCONF reply takes a second: the job runs for a while
    site.commit("during-1")
    first = site.wait_for_job(runner)
    site.commit("during-2")  # notified after the running job started: its read may not include it
    runner.wait_for("two resync runs", lambda: settled(site.store, "r1", 2))
    jobs = jobs_of(site.store, "r1", "auto")
    assert [j["state"] for j in jobs] == ["done", "done"] and jobs[0]["id"] == first["id"]
    assert float(jobs[1]["started_at"]) >= float(jobs[0]["ended_at"])  # never two running
    assert "description during-2" in site.latest_config()
    history = statuses(site.store, "r1")
    # after onboarding: during-1 notified, job 1, during-2 notified while job 1 runs (so job 1 ends Out of Sync:
    # recorded again or not, as the two race), the follow-up job 2, In Sync
    states = [status for status, _ in itertools.groupby(history)]
    assert states[-5:] == ["Out of Sync", "Synchronizing", "Out of Sync", "Synchronizing", "In Sync"], history


def test_auto_resync_disabled_then_manual_resync(site: Site) -> None:
    playbook = site.tmp / "disable.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                        "    - name: Disable auto-resync\n      netsync.fleet.auto_resync:\n"
                        "        state: disabled\n")
    run = run_playbook(playbook, site.inventory, site.url)
    assert run.rc == 0 and run.results("Disable auto-resync")["r1"]["changed"] is True, run.stdout[-3000:]
    runner = site.rulebook()
    site.commit("while-disabled")
    runner.wait_for("Out of Sync", lambda: (site.store.devices.get("r1") or {}).get("managed_status") == "Out of Sync")
    # the record of the listener's decisions: both commit messages (UI_COMMIT, UI_COMMIT_COMPLETED) accepted,
    # no job scheduled, and no job pending in its damper state
    def accepted() -> list[dict[str, Any]]:
        return site.store.db.query("SELECT reason FROM notifications WHERE device = 'r1' AND accepted = 1")
    runner.wait_for("the listener's decisions", lambda: len(accepted()) >= 2)
    rows = accepted()
    assert [r["reason"] for r in rows] == ["auto-resync disabled: no job scheduled"] * 2, rows
    runner.wait_for("the damper state", lambda: "r1" in site.store.jobs.load_damper_states())
    assert site.store.jobs.load_damper_states()["r1"].get("pending") is None
    assert jobs_of(site.store, "r1", "auto") == []

    manual = run_playbook(REPO / "playbooks/resync.yml", site.inventory, site.url)
    assert manual.rc == 0, manual.stdout[-3000:]
    assert "description while-disabled" in site.latest_config()
    # the listener follows the manual job: nothing left pending, In Sync, still no auto job
    runner.wait_for("the listener to see the manual job", lambda: settled(site.store, "r1", 0))
    assert jobs_of(site.store, "r1", "auto") == [] and len(jobs_of(site.store, "r1", "manual")) == 2


def test_listener_restart_keeps_the_pending_job(site: Site) -> None:
    site.store.devices.set_settings({"resync_delay": 4})
    runner = site.rulebook()
    site.commit("before-restart")
    runner.wait_for("a pending job in the store",
                    lambda: (site.store.jobs.load_damper_states().get("r1") or {}).get("pending") is not None)
    runner.stop()
    assert jobs_of(site.store, "r1", "auto") == []
    assert (site.store.devices.get("r1") or {}).get("managed_status") == "Out of Sync"
    runner.start()
    runner.wait_for("the pending job to run after the restart", lambda: settled(site.store, "r1", 1))
    assert len(jobs_of(site.store, "r1", "auto")) == 1
    assert "description before-restart" in site.latest_config()


def test_unknown_sources_are_dropped_and_tcp_logger_triggers(site: Site) -> None:
    tcp = free_port(socket.SOCK_STREAM)
    runner = site.rulebook(netsync_syslog_tcp="127.0.0.1:%d" % tcp)
    runner.wait_for("the TCP receiver", lambda: b"syslog TCP on" in runner.log.read_bytes())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.5", 0))  # not a device's address
        sock.sendto(LINE % b"intruder", ("127.0.0.1", site.udp))
        sock.sendto(LINE % b"r1", ("127.0.0.1", site.udp))  # a managed device's name, from elsewhere

    def dropped_messages() -> int:  # "... and N more like it": one row for several messages
        return sum(1 + int(r["reason"].split("and ")[1].split()[0]) if "more like it" in r["reason"] else 1
                   for r in site.store.db.query("SELECT reason FROM notifications WHERE accepted = 0"))
    # the record that both messages were dropped (not accepted: nothing for the damper to schedule)
    runner.wait_for("both unknown sources to be recorded", lambda: dropped_messages() == 2)
    assert jobs_of(site.store, "r1", "auto") == []
    assert (site.store.devices.get("r1") or {}).get("managed_status") == "In Sync"
    assert (site.store.jobs.load_damper_states().get("r1") or {}).get("pending") is None
    dropped = site.store.db.query("SELECT device, reason FROM notifications WHERE accepted = 0")
    assert dropped and all(r["device"] is None and "unknown source" in r["reason"] for r in dropped), dropped
    assert {r["source"] for r in site.store.db.query("SELECT source FROM notifications")} == {
        "syslog-udp:127.0.0.5"}, "a message from a device's name at another address is recorded by its address"

    logger = shutil.which("logger")
    assert logger is not None, "util-linux logger is a test dependency (requirements/debian.txt)"
    site.commit("by-tcp")  # also sent by the device over UDP: one job syncs both
    subprocess.run([logger, "-T", "-n", "127.0.0.1", "-P", str(tcp), "--rfc5424", "-t", "mgd",
                    "--msgid", "UI_COMMIT_COMPLETED", "-p", "local7.notice", "commit complete"],
                   check=True, timeout=30)
    runner.wait_for("the resync", lambda: settled(site.store, "r1", 1))
    assert len(jobs_of(site.store, "r1", "auto")) == 1
    assert site.store.db.query("SELECT source FROM notifications WHERE source = 'syslog-tcp:127.0.0.1'")
    assert "description by-tcp" in site.latest_config()


def test_device_down_during_a_job_fails_then_retries(site: Site) -> None:
    runner = site.rulebook()
    site.sim.faults.delay = 1.0
    site.commit("down-1")
    site.wait_for_job(runner)
    site.sim.stop()  # the device goes down while the job reads
    runner.wait_for("Sync Failed", lambda: (site.store.devices.get("r1") or {}).get("managed_status") == "Sync Failed")
    assert [j for j in jobs_of(site.store, "r1", "auto") if j["state"] == "failed"]
    # a retry (with backoff) while the device is still down finds it unreachable
    runner.wait_for("connection down", lambda: (site.store.devices.get("r1") or {}).get("connection_state") == "down")
    assert (site.store.devices.get("r1") or {}).get("managed_status") == "Sync Failed"
    site.sim.faults.delay = 0.0
    site.sim.start()  # back on the same port: the retry (with backoff) succeeds
    runner.wait_for("a successful retry", lambda: settled(site.store, "r1", 2))
    jobs = jobs_of(site.store, "r1", "auto")
    assert jobs[-1]["state"] == "done" and jobs[0]["state"] == "failed"
    assert "description down-1" in site.latest_config()
    assert (site.store.devices.get("r1") or {}).get("connection_state") == "up"


def test_in_band_change_through_the_callback(tmp_path: Path, junos_sim: Callable[..., Any],
                                             rulebook_runner: Callable[..., RulebookRunner]) -> None:
    sim = junos_sim(hostname="r1")  # no syslog stanza: only the callback tells the listener
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host *\n  UserKnownHostsFile %s\n" % known)
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], known_hosts=known)
    url = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, url)
    assert run.rc == 0, run.stdout[-3000:]
    with st.open_store(url) as store:
        store.devices.set_settings(FAST)
        runner = rulebook_runner(inv, url, {"netsync_syslog_udp": "127.0.0.1:%d" % free_port(),
                                            "netsync_tick": 0.2})
        runner.start()
        change = run_playbook(REPO / "tests/system/playbooks/commit_notify_describe.yml", inv, url,
                              "-e", "ansible_connection=ansible.netcommon.netconf",
                              "-e", "ansible_network_os=junipernetworks.junos.junos",
                              "-e", "ansible_netconf_ssh_config=%s" % ssh_config,
                              "-e", "netsync_description=set-by-ansible",
                              env_extra={"ANSIBLE_CALLBACKS_ENABLED": "netsync.fleet.commit_notify"})
        assert change.rc == 0, change.stdout[-3000:] + change.stderr[-3000:]
        runner.wait_for("the resync of the in-band change", lambda: settled(store, "r1", 1))
        rows = store.db.query("SELECT source, kind, accepted FROM notifications WHERE device = 'r1'")
        assert rows == [{"source": "inbox:ansible", "kind": "inbox", "accepted": 1}]
        snap = store.devices.latest_snapshot("r1")
        assert snap is not None and snap["version"] == 2
        config = store.devices.get_snapshot("r1", 2)
        assert config is not None and "set-by-ansible" in config["rendered"]
