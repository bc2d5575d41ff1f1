"""Our NETCONF sessions run over a socket with TCP_NODELAY (no Nagle stall in the SSH handshake),
opened as ncclient opens its own: host keys are still checked, a refused port is unreachable."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

pytestmark = pytest.mark.system


def _nodelay(session: netconf.DeviceSession) -> int:
    sock = session.manager._session._transport.sock
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_simulated_junos_session(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    target = netconf.Target(name="r1", host="127.0.0.1", port=sim.port, username="admin", password="secret",
                            known_hosts_file=str(known), timeout=10)
    with netconf.open_session(target) as session:
        assert _nodelay(session) == 1
        read = session.read_config()
    assert "<configuration" in read.config


def test_netconfd_behind_openssh(netconfd_devices: list[Any]) -> None:
    dev = netconfd_devices[0]
    target = netconf.Target(name=dev.name, host=dev.host, port=dev.port, username=dev.username,
                            password=dev.password, key_file=None if dev.password else dev.key_file,
                            host_key_checking=False, timeout=10)
    with netconf.open_session(target) as session:
        assert _nodelay(session) == 1
        read = session.read_config()
    assert read.config


def test_host_key_still_checked_over_our_socket(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    other = junos_sim(hostname="r2")
    known = tmp_path / "known_hosts"
    known.write_text(other.write_known_hosts(tmp_path / "other").read_text().replace(str(other.port),
                                                                                       str(sim.port)))
    target = netconf.Target(name="r1", host="127.0.0.1", port=sim.port, username="admin", password="secret",
                            known_hosts_file=str(known), timeout=10)
    with pytest.raises(DeviceError) as err:
        netconf.open_session(target)
    assert err.value.kind == "host_key_mismatch"


def test_refused_port_is_unreachable() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    target = netconf.Target(name="r9", host="127.0.0.1", port=port, username="admin", password="secret",
                            host_key_checking=False, timeout=5)
    with pytest.raises(DeviceError) as err:
        netconf.open_session(target)
    assert err.value.kind == "unreachable"
