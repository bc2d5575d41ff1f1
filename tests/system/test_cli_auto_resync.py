"""auto_resync on IOS, NX-OS, IOS-XR and EOS over network_cli: the logging destination is
configured through the vendor cliconf plugin (idempotent, check mode, diff, absent), and then a
change on the device reaches the listener as a commit notification for that device."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.core import Listener
from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.sims.helpers import UdpReceiver
from tests.system.cli_helpers import PLATFORMS, cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system
WANTED = {"ios": "logging host 127.0.0.1 transport udp port %d", "nxos": "logging server 127.0.0.1 5 port %d",
          "iosxr": "logging 127.0.0.1 vrf default severity info port %d", "eos": "logging host 127.0.0.1 %d"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_enable_notify_check_absent(platform: str, tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    receiver = UdpReceiver()
    try:
        sim = cli_sim(platform=platform, hostname="edge3")
        inv = cli_inventory(tmp_path / "inv.yml", {"edge3": host_vars(sim)})
        store = str(tmp_path / "fleet.db")
        wanted = WANTED[platform] % receiver.port
        run = run_playbook(REPO / "tests/system/playbooks/cli_auto_resync.yml", inv, store, "--diff",
                           "-e", "listener_port=%d" % receiver.port)
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert run.results("Import again")["edge3"]["changed"] is False
        first = run.results("Enable (first run)")["edge3"]
        assert first["changed"] is True and first["device_changed"] is True
        assert wanted in first["diff"]["after"] and wanted not in first["diff"]["before"]
        second = run.results("Enable (second run)")["edge3"]
        assert second["changed"] is False and second["device_changed"] is False
        assert wanted in sim.running_config().splitlines()
        assert [c.user for c in sim.device.changes] == ["admin"]  # configured once, by the inventory's user
        receiver.receive(2, timeout=1)  # the enabling change itself was notified: drop it

        # a change on the device now reaches the listener, which marks the device Out of Sync
        sim.configure(["ntp server 192.0.2.77"], user="ops")
        got = receiver.receive(1, timeout=5)
        assert len(got) == 1, got
        with st.open_store(store) as s:
            listener = Listener(s)
            decision = listener.ingest_syslog(got[0].encode(), "127.0.0.1", time.time())
            assert decision is not None and decision.device == "edge3" and decision.action == "schedule"
            listener.flush()
            assert s.devices.get("edge3")["managed_status"] == "Out of Sync"  # type: ignore[index]

        # check mode: another port would be a change; nothing is configured
        args = ("listener_host=127.0.0.1 listener_port=%d" % (receiver.port + 1),)
        run = run_playbook(REPO / "playbooks/resync.yml", inv, store)  # brings the store back in sync
        assert run.rc == 0
        check = _adhoc(inv, store, "netsync.fleet.auto_resync", args[0], "--check", "--diff")
        assert '"device_changed": true' in check and '"port": %d' % (receiver.port + 1) in check, check[-2000:]
        assert wanted in sim.running_config().splitlines()
        gone = _adhoc(inv, store, "netsync.fleet.auto_resync", "state=absent listener_host=127.0.0.1")
        assert '"device_changed": true' in gone, gone[-2000:]
        assert not [line for line in sim.running_config().splitlines() if "127.0.0.1" in line]
    finally:
        receiver.close()


def _adhoc(inv: Path, store: str, module: str, args: str, *extra: str) -> str:
    import subprocess

    from tests.system.helpers import VENV_BIN, ansible_env
    env = ansible_env(store, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    proc = subprocess.run([str(VENV_BIN / "ansible"), "all", "-i", str(inv), "-m", module, "-a", args, "-o",
                           *extra], cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout
