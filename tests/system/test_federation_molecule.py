"""``molecule test`` of roles/federation_child: default driver, localhost (the background-process path).

The scenario (roles/federation_child/molecule/default) runs cleanup, syntax, converge,
idempotence, verify (the child answers /api/v1/time with the token, refuses without it) and
cleanup (the role with state stopped). The test runs it with systemd turned off: a test never
installs a unit on the machine it runs on, and containers have no systemd as PID 1.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.system.helpers import REPO, VENV_BIN

pytestmark = pytest.mark.system

ROLE = REPO / "roles" / "federation_child"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop_leftover(pidfile: Path) -> None:
    try:
        os.kill(int(pidfile.read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


def test_molecule_default_scenario(tmp_path: Path) -> None:
    molecule = VENV_BIN / "molecule"
    if not molecule.exists():
        pytest.skip("molecule is not installed in .venv (requirements/test.txt)")
    port = free_port()
    env = dict(os.environ, PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")), NO_COLOR="1",
               ANSIBLE_NOCOLOR="1", FEDERATION_CHILD_WORK=str(tmp_path), FEDERATION_CHILD_PORT=str(port),
               FEDERATION_CHILD_USE_SYSTEMD="no")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    pidfile = tmp_path / "run" / "server.pid"
    try:
        proc = subprocess.run([str(molecule), "test"], cwd=str(ROLE), env=env, capture_output=True, text=True,
                              timeout=600)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-5000:]
        for step in ("cleanup", "syntax", "converge", "idempotence", "verify"):
            assert "default > %s: Executed: Successful" % step in out, out[-5000:]
        assert (tmp_path / "site.db").exists() and (tmp_path / "run" / "server.log").exists()  # process path
        token = (tmp_path / "child.token").read_text().strip()
        assert len(token) == 32 and token not in out  # no_log
        assert not pidfile.exists() and not listening(port)  # the last cleanup stopped the child
    finally:
        if pidfile.exists():
            stop_leftover(pidfile)
