"""Auto-resync end to end on the CLI platforms: onboarding configures the simulator's logging
destination (the listener's UDP port), an out-of-band change on the device sends its commit
syslog, a real ansible-rulebook runs extensions/eda/rulebooks/auto_resync.yml and a real
ansible-playbook resync over network_cli stores the change. Then a change whose syslog the
device does not send, and the platform's commit line sent by `logger` (util-linux) instead:
resynced the same way. Delays are scaled down."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook
from tests.system.rulebook import RulebookRunner, free_port, jobs_of, rulebook_runner, settled

pytestmark = pytest.mark.system
__all__ = ["rulebook_runner"]  # the fixture, imported for pytest
FAST = {"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5}
# each platform's commit message, as `logger` sends it in the form the platform uses (EOS: RFC 5424 here)
LOGGER_LINE = {
    "ios": ("--rfc3164", "%SYS-5-CONFIG_I: Configured from console by ops2 on vty0 (192.0.2.9)"),
    "nxos": ("--rfc3164", "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by ops2 on 192.0.2.9@pts/0"),
    "iosxr": ("--rfc3164", "%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'ops2'. Use 'show "
              "configuration commit changes 1000000003' to view the changes."),
    "eos": ("--rfc5424", "%SYS-5-CONFIG_I: Configured from console by ops2 on vty3 (192.0.2.9)"),
}


@pytest.mark.parametrize("platform", ["ios", "nxos", "iosxr", "eos"])
def test_out_of_band_change_is_resynced(platform: str, tmp_path: Path, cli_sim: Callable[..., CliSim],  # noqa: F811
                                        rulebook_runner: Callable[..., RulebookRunner]) -> None:
    udp = free_port()
    sim = cli_sim(platform=platform, hostname="core1", rfc5424=platform == "eos")
    inv = cli_inventory(tmp_path / "inv.yml", {"core1": host_vars(sim)},
                        netsync_listener_host="127.0.0.1", netsync_listener_port=udp)
    url = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    enabled = run.results("Enable auto-resync (commit messages to the listener)")["core1"]
    assert enabled["device_changed"] is True
    with st.open_store(url) as store:
        store.devices.set_settings(FAST)
        runner = rulebook_runner(inv, url, {"netsync_syslog_udp": "127.0.0.1:%d" % udp, "netsync_tick": 0.2,
                                            "netsync_job_timeout": 90})
        runner.start()
        sim.configure(["interface Loopback7", "description added-out-of-band"], user="ops")
        runner.wait_for("one auto resync", lambda: settled(store, "core1", 1))
        jobs = jobs_of(store, "core1", "auto")
        assert [j["state"] for j in jobs] == ["done"]
        latest = store.devices.latest_snapshot("core1")
        assert latest is not None and int(latest["version"]) == 3  # import, the logging line, this change
        snap = store.devices.get_snapshot("core1", 3)
        assert snap is not None and " description added-out-of-band" in snap["rendered"]
        rows = store.db.query("SELECT commit_user, accepted FROM notifications WHERE device = 'core1'")
        assert ("ops", 1) in [(r["commit_user"], r["accepted"]) for r in rows], rows

        # a change whose syslog is lost; the platform's line arrives from `logger` instead
        sent = len(sim.syslog_sent)
        sim.configure(["interface Loopback8", "description via-logger"], user="ops2", notify=False)
        assert len(sim.syslog_sent) == sent
        logger = shutil.which("logger")
        assert logger is not None, "util-linux logger is a test dependency (requirements/debian.txt)"
        form, text = LOGGER_LINE[platform]
        subprocess.run([logger, "-n", "127.0.0.1", "-P", str(udp), "-d", form, "-p", "local7.notice",
                        "-t", "config", text], check=True, timeout=30)
        runner.wait_for("an auto resync for the logger line", lambda: settled(store, "core1", 2))
        assert [j["state"] for j in jobs_of(store, "core1", "auto")] == ["done", "done"]
        latest = store.devices.latest_snapshot("core1")
        assert latest is not None and int(latest["version"]) == 4
        snap = store.devices.get_snapshot("core1", 4)
        assert snap is not None and " description via-logger" in snap["rendered"]
        rows = store.db.query("SELECT commit_user, accepted FROM notifications WHERE device = 'core1'")
        assert ("ops2", 1) in [(r["commit_user"], r["accepted"]) for r in rows], rows
