"""`molecule test` of every scenario under extensions/molecule/ (one per role): the default driver,
unmanaged, against this machine. Each scenario starts what it needs (a simulated Junos device,
the listener) in prepare/converge and stops it in cleanup; systemd is turned off, so a test never
installs a unit on the machine it runs on."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.system.helpers import REPO, VENV_BIN

pytestmark = pytest.mark.system

EXTENSIONS = REPO / "extensions"
SCENARIOS = sorted(p.parent.name for p in (EXTENSIONS / "molecule").glob("*/molecule.yml"))
STEPS = ("cleanup", "syntax", "prepare", "converge", "idempotence", "verify")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kill_leftovers(work: Path) -> list[str]:
    """Processes a failed scenario left behind (by their pid files); stopped, and named."""
    left = []
    for pidfile in work.rglob("*.pid"):
        try:
            pid = int(pidfile.read_text())
            os.kill(pid, signal.SIGTERM)
            left.append(pidfile.name)
        except (OSError, ValueError):
            pass
    return left


def test_there_is_a_scenario_per_role() -> None:
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
    assert roles == ["federation_child", "listener", "onboard"] and set(roles) <= set(SCENARIOS), (roles, SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario: str, tmp_path: Path) -> None:
    molecule = VENV_BIN / "molecule"
    assert molecule.exists(), "molecule is a test dependency (requirements/test.txt)"
    env = dict(os.environ, PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")), NO_COLOR="1", ANSIBLE_NOCOLOR="1",
               NETSYNC_MOLECULE_WORK=str(tmp_path), NETSYNC_MOLECULE_SIM_PORT=str(free_port()),
               NETSYNC_MOLECULE_PORT=str(free_port()),
               NETSYNC_MOLECULE_UDP_PORT=str(free_port(socket.SOCK_DGRAM)), NETSYNC_MOLECULE_USE_SYSTEMD="no")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    subprocess.run([str(molecule), "reset", "-s", scenario], cwd=str(EXTENSIONS), env=env, capture_output=True,
                   timeout=120)  # forget the state of an interrupted earlier run
    try:
        proc = subprocess.run([str(molecule), "test", "-s", scenario], cwd=str(EXTENSIONS), env=env,
                              capture_output=True, text=True, timeout=900)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-6000:]
        for step in STEPS:
            assert "%s > %s: Executed: Successful" % (scenario, step) in out, out[-6000:]
    finally:
        left = _kill_leftovers(tmp_path)
    assert left == [], "cleanup left processes running: %s" % left
