"""roles/listener through playbooks/listener.yml: the listener runs as a background process (no
systemd here), a device commit is resynced through it, a second run changes nothing, and
`listener_state: stopped` ends it."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, listener_inventory, run_playbook
from tests.system.rulebook import free_port, settled

pytestmark = pytest.mark.system


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def run_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "run"
    yield path
    pidfile = path / "listener.pid"
    if pidfile.exists() and pidfile.read_text().strip():  # stop it even when the test failed
        pid = int(pidfile.read_text())
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_listener_role_runs_resyncs_and_stops(tmp_path: Path, junos_sim: Callable[..., Any], run_dir: Path) -> None:
    udp = free_port()
    sim = junos_sim(hostname="r1")
    inv = listener_inventory(tmp_path, sim, udp)
    url = str(tmp_path / "fleet.db")
    assert run_playbook(REPO / "playbooks/onboard.yml", inv, url).rc == 0
    role_vars = tmp_path / "listener-vars.yml"
    role_vars.write_text(yaml.safe_dump({
        "listener_store": url, "listener_inventory": str(inv), "listener_run_dir": str(run_dir),
        "listener_syslog_udp": "127.0.0.1:%d" % udp, "listener_use_systemd": "false", "listener_tick": 0.2,
        "listener_collections_path": str(REPO / ".collections"), "listener_env_file": str(tmp_path / "listener.env"),
        "listener_settings": {"resync_delay": 1, "damping_window": 1, "damper_interval": 0.5}}))
    playbook = REPO / "playbooks/listener.yml"

    first = run_playbook(playbook, inv, url, "-e", "@%s" % role_vars)
    assert first.rc == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert first.changed("localhost") == ["netsync.fleet.listener : " + t for t in (
        "Create the run directory", "Write the environment file", "Write the rulebook variables",
        "Apply the global auto-resync settings", "Start the listener")], first.changed("localhost")
    assert oct((tmp_path / "listener.env").stat().st_mode & 0o777) == "0o600"
    assert "netsync_store: ''" in (run_dir / "vars.yml").read_text()  # the store only in the env file
    pid = int((run_dir / "listener.pid").read_text())
    assert _alive(pid) and "syslog UDP on 127.0.0.1:%d" % udp in (run_dir / "listener.log").read_text()
    assert url not in Path("/proc/%d/cmdline" % pid).read_bytes().decode()

    with st.open_store(url) as store:
        assert store.devices.get_settings()["resync_delay"] == 1
        sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/4 description via-role"])
        end = time.monotonic() + 120
        while time.monotonic() < end and not settled(store, "r1", 1):
            time.sleep(0.2)
        assert settled(store, "r1", 1), (run_dir / "listener.log").read_text()[-4000:]
        snap = store.devices.latest_snapshot("r1")
        assert snap is not None
        config = store.devices.get_snapshot("r1", int(snap["version"]))
        assert config is not None and "via-role" in config["rendered"]

    again = run_playbook(playbook, inv, url, "-e", "@%s" % role_vars)
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.stdout[-3000:]
    assert int((run_dir / "listener.pid").read_text()) == pid and _alive(pid)

    stop = run_playbook(playbook, inv, url, "-e", "@%s" % role_vars, "-e", "listener_state=stopped")
    assert stop.rc == 0 and stop.stats["localhost"]["changed"] == 1, stop.stdout[-3000:]
    assert not _alive(pid) and not (run_dir / "listener.pid").exists()
