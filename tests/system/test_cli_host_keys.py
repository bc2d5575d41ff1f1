"""SSH host keys over network_cli are verified when the inventory asks for it (the default of
ansible.netcommon.network_cli): known key, unknown key and changed key, each named."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import asyncssh
import pytest

from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import cli_inventory, host_vars
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system
IMPORT = "Import the device (facts and first snapshot)"


def test_host_key_checking(tmp_path: Path, cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim = cli_sim(platform="ios", hostname="edge5")
    home = tmp_path / "home"  # network_cli (paramiko) reads known_hosts from ~/.ssh only
    (home / ".ssh").mkdir(parents=True)
    known = home / ".ssh" / "known_hosts"
    inv = cli_inventory(tmp_path / "inv.yml", {"edge5": host_vars(sim)}, ansible_host_key_checking=True)
    env = {"HOME": str(home)}

    known.write_text("")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, str(tmp_path / "a.db"), env_extra=env)
    res = run.results(IMPORT)["edge5"]
    assert run.rc != 0 and res["error"] == "host_key_unknown", res["msg"]

    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().split()[:2]
    known.write_text("[127.0.0.1]:%d %s\n" % (sim.port, " ".join(other)))
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, str(tmp_path / "b.db"), env_extra=env)
    res = run.results(IMPORT)["edge5"]
    assert run.rc != 0 and res["error"] == "host_key_mismatch", res["msg"]
    assert "update known_hosts" in res["msg"]

    known.write_text("")
    sim.write_known_hosts(known)
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, str(tmp_path / "c.db"), env_extra=env)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results(IMPORT)["edge5"]["device"]["facts"]["hostname"] == "edge5"
