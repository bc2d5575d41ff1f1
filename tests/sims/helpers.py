"""Plain helpers for tests that use the Junos simulator (no pytest fixtures here)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from tests.sims.junos_sim import JunosSim


def ncclient_kwargs(
    sim: JunosSim,
    directory: str | Path,
    username: str = "admin",
    password: str | None = "secret",
    key_filename: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``manager.connect`` to ``sim`` with known_hosts verification.

    Writes ``known_hosts-<host>`` and ``ssh_config-<host>`` (UserKnownHostsFile) into
    ``directory``: ncclient reads known_hosts only from ``~/.ssh`` or an ssh_config.
    """
    directory = Path(directory)
    known_hosts = directory / f"known_hosts-{sim.hostname}"
    known_hosts.write_text(sim.known_hosts_line() + "\n")
    ssh_config = directory / f"ssh_config-{sim.hostname}"
    ssh_config.write_text(f"Host *\n    UserKnownHostsFile {known_hosts}\n")
    kwargs: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": sim.port,
        "username": username,
        "password": password,
        "device_params": {"name": "junos"},
        "hostkey_verify": True,
        "ssh_config": str(ssh_config),
        "look_for_keys": False,
        "allow_agent": False,
        "timeout": 30,
    }
    if key_filename is not None:
        kwargs["key_filename"] = key_filename
    return kwargs


class UdpReceiver:
    """A UDP socket on 127.0.0.1 collecting datagrams (syslog from the simulator)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]

    def receive(self, count: int, timeout: float = 5.0) -> list[str]:
        """Wait for ``count`` datagrams (fewer if ``timeout`` passes); decoded text."""
        out: list[str] = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65535)
            except TimeoutError:
                break
            out.append(data.decode())
        return out

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()
