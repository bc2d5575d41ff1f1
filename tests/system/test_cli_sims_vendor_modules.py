"""The CLI simulators as the vendor collections see them: cisco.ios, cisco.nxos, cisco.iosxr
and arista.eos modules (command, config with backup, facts) over network_cli, unchanged."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.sims.helpers import UdpReceiver
from tests.system.cli_helpers import PLATFORMS, cli_inventory, host_vars
from tests.system.helpers import REPO, PlaybookRun, run_playbook

pytestmark = pytest.mark.system
COMMIT_SYSLOG = {"ios": "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (127.0.0.1)",
                 "nxos": "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on 127.0.0.1@pts/0",
                 "iosxr": "%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'.",
                 "eos": "%SYS-5-CONFIG_I: Configured from console by admin on vty3 (127.0.0.1)"}


def results(run: PlaybookRun, name: str) -> dict[str, Any]:
    """Per-host results of ``name`` across every included file (one task entry per platform)."""
    found: dict[str, Any] = {}
    for play in run.data.get("plays", []):
        for task in play.get("tasks", []):
            if task["task"]["name"] == name:
                found.update(task["hosts"])
    assert found, "no task %r ran" % name
    return found


def test_vendor_modules_accept_the_simulators(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    receiver = UdpReceiver()
    try:
        sims = {p: cli_sim(platform=p, hostname="%s-1" % p, syslog_hosts=[("127.0.0.1", receiver.port)])
                for p in PLATFORMS}
        # The platforms' task files run one after the other: ios-1 waits ~20 s for the other three
        # under load (measured), close to the helper's 30 s idle timeout, after which its next task
        # would log in again (tests/system/test_cli_dead_helper.py); here one login is asserted.
        inv = cli_inventory(tmp_path / "inv.yml", {"%s-1" % p: host_vars(s) for p, s in sims.items()},
                            ansible_connect_timeout=600)
        run = run_playbook(REPO / "tests/system/playbooks/cli_vendor_modules.yml", inv, str(tmp_path / "x.db"),
                           "-e", "backup_dir=%s" % (tmp_path / "backup"))
        assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
        for platform, sim in sims.items():
            host = "%s-1" % platform
            assert sim.device.state.version in results(run, "Run show version")[host]["stdout"][0]
            config = results(run, "Configure a description, with a backup of the running configuration")[host]
            assert config["changed"] is True, config
            assert Path(config["backup_path"]).parent == tmp_path / "backup"
            backup = Path(config["backup_path"]).read_text()
            assert "hostname %s" % host in backup and "set-by" not in backup
            assert results(run, "The same again changes nothing")[host]["changed"] is False
            running = results(run, "Read the running configuration back")[host]["stdout"][0]
            assert " description set-by-%s_config" % platform in running
            assert " description set-by-%s_config" % platform in sim.running_config()
            facts = results(run, "Facts through the platform's facts module")[host]["ansible_facts"]
            assert facts["ansible_net_version"] == sim.device.state.version, facts
            assert [c.user for c in sim.device.changes] == ["admin"]  # one change, the config task's
            device = results(run, "Import into the store, on the same persistent connection")[host]["device"]
            assert device["platform"] == platform and device["facts"]["version"] == sim.device.state.version
            assert sim.device.logins == 1  # vendor modules and netsync.fleet.device shared one connection
        got = receiver.receive(4 + 1, timeout=5)  # EOS also says %SYS-5-CONFIG_E on entering config mode
        for platform, text in COMMIT_SYSLOG.items():
            assert any(text in d and "%s-1" % platform in d for d in got), (platform, got)
        assert any("%SYS-5-CONFIG_E" in d for d in got)
    finally:
        receiver.close()
