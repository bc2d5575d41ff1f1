"""The netconfd test bed against ncclient, as the product will use it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from ncclient import manager
from ncclient.transport.errors import (
    SessionCloseError,
    SSHError,
    SSHUnknownHostError,
)

from tests.testbed import procs
from tests.testbed.device import IF_NS, NetconfdDevice, description_edit, startup_xml
from tests.testbed import device as device_module
from tests.testbed.netconfd import NetconfdFleet, TestbedError

# fixtures come from tests/testbed/fixtures.py through tests/conftest.py
pytestmark = pytest.mark.system

NOTIF_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
REPO = Path(__file__).resolve().parents[3]


def _config_changes(session: manager.Manager, wanted: int) -> list[etree._Element]:
    """Collect ``wanted`` netconf-config-change notifications (skipping session ones)."""
    found: list[etree._Element] = []
    for _ in range(50):  # bounded: session-start/end notifications come too
        notif = session.take_notification(timeout=15)
        assert notif is not None, f"no notification; got {len(found)} config changes"
        change = notif.notification_ele.find(f"{{{NOTIF_NS}}}netconf-config-change")
        if change is not None:
            found.append(change)
            if len(found) == wanted:
                return found
    raise AssertionError("too many unrelated notifications")


def test_startup_config_is_well_formed_and_edit_escapes() -> None:
    root = etree.fromstring(startup_xml(7).encode())
    names = [n.text for n in root.iter(f"{{{IF_NS}}}name")]
    assert names == ["eth0", "eth1"]
    edit = etree.fromstring(description_edit("eth0", "a<b & 'c'").encode())
    assert edit.findtext(f".//{{{IF_NS}}}description") == "a<b & 'c'"


def test_hello_advertises_base11_candidate_and_notifications(
        netconfd_devices: list[NetconfdDevice]) -> None:
    assert len(netconfd_devices) == 3
    assert len({d.port for d in netconfd_devices}) == 3
    for device in netconfd_devices:
        with device.connect() as session:
            caps = set(session.server_capabilities)
        assert "urn:ietf:params:netconf:base:1.1" in caps
        assert "urn:ietf:params:netconf:capability:candidate:1.0" in caps
        assert "urn:ietf:params:netconf:capability:notification:1.0" in caps
        assert any("module=ietf-interfaces" in c for c in caps)
        assert any("module=ietf-netconf-notifications" in c for c in caps)


def test_key_auth_and_password_auth_both_work(netconfd_devices: list[NetconfdDevice]) -> None:
    device = netconfd_devices[1]
    with device.connect(**device.connect_kwargs(use_key=True)) as session:
        assert session.connected
    if device.password is not None:
        with manager.connect(host=device.host, port=device.port, username=device.username,
                             password=device.password, hostkey_verify=True,
                             ssh_config=device.ssh_config, look_for_keys=False,
                             allow_agent=False, timeout=30) as session:
            assert session.connected


def test_unknown_host_key_is_rejected(netconfd_devices: list[NetconfdDevice],
                                      tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {empty}\n")
    with pytest.raises(SSHUnknownHostError):
        netconfd_devices[0].connect(ssh_config=str(config))


def test_each_port_reaches_its_own_netconfd(netconfd_devices: list[NetconfdDevice]) -> None:
    for device in netconfd_devices:
        with device.connect() as session:
            data = session.get_config(source="running").data_ele
        addresses = [a.text for a in data.iter("{urn:ietf:params:xml:ns:yang:ietf-ip}ip")]
        assert f"192.0.2.{device.index}" in addresses
        types = [t.text for t in data.iter(f"{{{IF_NS}}}type")]
        assert types == ["ianaift:ethernetCsmacd"] * 2


def test_oob_commit_changes_only_that_device(netconfd_devices: list[NetconfdDevice]) -> None:
    first, second = netconfd_devices[0], netconfd_devices[1]
    before = second.descriptions()
    first.oob_commit(description="changed out of band")
    assert first.descriptions()["eth0"] == "changed out of band"
    assert second.descriptions() == before


def test_commit_sends_netconf_config_change(netconfd_devices: list[NetconfdDevice]) -> None:
    device = netconfd_devices[2]
    with device.connect() as session:
        session.create_subscription()
        device.oob_commit(description="notify me", interface="eth1")
        (change,) = _config_changes(session, 1)
    assert change.findtext(f"{{{NOTIF_NS}}}changed-by/{{{NOTIF_NS}}}username") == \
        device.oob_username
    targets = [t.text or "" for t in change.iter(f"{{{NOTIF_NS}}}target")]
    assert any("eth1" in t and "description" in t for t in targets)
    assert device.descriptions()["eth1"] == "notify me"


def test_device_down_and_up_keeps_committed_config(
        netconfd_devices: list[NetconfdDevice]) -> None:
    device = netconfd_devices[0]
    device.oob_commit(description="survives restart")
    old_pid = device.pid
    device.stop_server()
    assert not device.is_running and old_pid is not None and not procs.is_alive(old_pid)
    # sshd accepts; the subsystem then fails, seen as a closed session or socket
    with pytest.raises((SessionCloseError, SSHError, OSError)):
        device.connect(timeout=10)
    device.start_server()
    assert device.descriptions()["eth0"] == "survives restart"


def test_stop_leaves_no_process_even_with_open_sessions() -> None:
    fleet = NetconfdFleet(2)
    try:
        devices = fleet.start()
        devices[0].connect()  # left open on purpose
        subscriber = devices[1].connect()
        subscriber.create_subscription()
        pids = fleet.pids()
        assert len(pids) == 3 and all(procs.is_alive(p) for p in pids)
        assert len(fleet.live_pids()) > 3  # sessions' netconf-subsystem processes
        handlers = [p for s in fleet.sshds for p in procs.descendants(s.proc.pid)]  # type: ignore[union-attr]
        assert len(handlers) >= 4  # per session: sshd [priv], sshd user, sh, netconf-subsystem
    finally:
        fleet.stop()
    assert fleet.live_pids() == []
    assert not any(procs.is_alive(p) for p in pids + handlers)
    assert fleet.rundir is not None and not fleet.rundir.exists()


def test_startup_failure_raises_with_log_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device_module, "startup_xml", lambda index: "<config><broken></config>")
    fleet = NetconfdFleet(1)
    with pytest.raises(TestbedError, match="netconfd for nc01 exited") as caught:
        fleet.start()
    assert "load startup config failed" in str(caught.value)  # netconfd's own log comes along
    assert fleet.live_pids() == []
    assert fleet.rundir is not None and not fleet.rundir.exists()


def test_twenty_devices_over_two_sshds() -> None:
    fleet = NetconfdFleet(20)
    try:
        devices = fleet.start()
        assert len(fleet.sshds) == 2 and len({d.port for d in devices}) == 20
        for device in (devices[0], devices[15], devices[16], devices[19]):
            assert device.descriptions()["eth0"] == f"uplink of {device.name}"
    finally:
        fleet.stop()
    assert fleet.live_pids() == []


def test_cli_runs_until_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "fleet.json"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cli = subprocess.Popen([sys.executable, "-m", "tests.testbed.netconfd", "--count", "2",
                            "--ready-file", str(ready)], cwd=REPO, env=env,
                           stderr=subprocess.PIPE)
    try:
        procs.wait_for(lambda: ready.exists() or cli.poll() is not None, 60, "ready file")
        assert cli.poll() is None, cli.stderr.read() if cli.stderr else b""
        info = json.loads(ready.read_text())
        assert [d["name"] for d in info["devices"]] == ["nc01", "nc02"]
        facts = info["devices"][1]
        with manager.connect(host=facts["host"], port=facts["port"],
                             username=facts["username"], key_filename=facts["key_file"],
                             hostkey_verify=True, ssh_config=facts["ssh_config"],
                             look_for_keys=False, allow_agent=False, timeout=30) as session:
            assert "urn:ietf:params:netconf:base:1.1" in session.server_capabilities
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(60) == 0
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    rundir = Path(info["rundir"])
    procs.wait_for(lambda: not procs.pids_referencing(rundir), 10, "CLI processes to exit")
    assert not rundir.exists() and not ready.exists()
