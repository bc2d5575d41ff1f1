"""Auto-resync end to end on the CLI platforms: onboarding configures the simulator's logging
destination (the listener's UDP port), an out-of-band change on the device sends its commit
syslog, a real ansible-rulebook runs extensions/eda/rulebooks/auto_resync.yml and a real
ansible-playbook resync over network_cli stores the change. Delays are scaled down."""
from __future__ import annotations

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
