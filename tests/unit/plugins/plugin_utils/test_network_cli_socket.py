"""The host's persistent-connection socket when its ansible-connection helper is gone: real unix
sockets, no device."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils import network_cli
from ansible_collections.netsync.fleet.plugins.plugin_utils.network_cli import answers, cleared_dead_socket


def bound(path: Path, listen: bool) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    if listen:
        sock.listen(1)
    return sock


def test_a_live_helper_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "pc1"
    sock = bound(path, listen=True)
    try:
        assert answers(str(path))
        assert cleared_dead_socket(str(path), wait=0.2) is False
        assert path.exists()
    finally:
        sock.close()


def test_no_socket_means_the_failure_was_something_else(tmp_path: Path) -> None:
    assert cleared_dead_socket(str(tmp_path / "absent"), wait=0.2) is False


def test_a_socket_left_by_a_killed_helper_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "pc2"
    bound(path, listen=True).close()  # the file stays, nobody listens: what SIGKILL leaves
    assert path.exists() and not answers(str(path))
    started = time.monotonic()
    assert cleared_dead_socket(str(path), wait=0.3) is True
    assert not path.exists() and time.monotonic() - started >= 0.3  # it waited for a dying helper first


def test_a_helper_shutting_down_removes_its_own(tmp_path: Path) -> None:
    path = tmp_path / "pc3"
    bound(path, listen=True).close()
    removed = threading.Timer(0.2, os.remove, (str(path),))
    removed.start()
    try:
        started = time.monotonic()
        assert cleared_dead_socket(str(path), wait=5.0) is True
        assert time.monotonic() - started < 2.0  # it returned once the helper was done, not at the deadline
    finally:
        removed.cancel()


def test_a_probe_that_cannot_find_the_socket_leaves_the_start_failure_as_it_came(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The socket path comes from a private function of ansible-core's ssh plugin; without it, the
    caller re-raises ansible-connection's own error instead of this probe's."""
    from ansible.plugins.loader import connection_loader

    context = SimpleNamespace(remote_addr="127.0.0.1", port=22, remote_user="admin",
                              connection="ansible.netcommon.network_cli")
    assert network_cli.control_socket(context).startswith("/")  # as ansible-core has it today
    ssh = connection_loader.get("ssh", class_only=True)
    monkeypatch.delattr(ssh, "_create_control_path")
    with pytest.raises(AttributeError):
        network_cli.control_socket(context)
    assert network_cli.dead_socket_cleared(context) is False


def test_a_dead_socket_of_the_host_is_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pc4"
    bound(path, listen=False).close()
    monkeypatch.setattr(network_cli, "control_socket", lambda play_context: str(path))
    assert network_cli.dead_socket_cleared(SimpleNamespace()) is True
    assert not path.exists()
