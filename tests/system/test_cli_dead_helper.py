"""A host's persistent connection helper (ansible-connection) that is gone while its socket file
is still there: what an idle timeout racing the next task, or a killed helper, leaves. ansible-core's
own stub then crashes on that socket; netsync.fleet's tasks start a new helper instead."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.sims.cli_fixtures import cli_sim  # noqa: F401
from tests.sims.cli_sim import CliSim
from tests.system.cli_helpers import cli_inventory, control_socket, helpers_of, host_vars, stop_helpers
from tests.system.helpers import REPO, VENV_BIN, ansible_env

pytestmark = pytest.mark.system


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_task_after_the_helper_was_killed_starts_a_new_one(tmp_path: Path,
                                                             cli_sim: Callable[..., CliSim]) -> None:  # noqa: F811
    sim = cli_sim(platform="iosxr", hostname="iosxr-1")
    inv = cli_inventory(tmp_path / "inv.yml", {"iosxr-1": host_vars(sim)})
    ready, go = tmp_path / "ready", tmp_path / "go"
    proc = subprocess.Popen([str(VENV_BIN / "ansible-playbook"), "-i", str(inv),
                             str(REPO / "tests/system/playbooks/cli_dead_helper.yml"),
                             "-e", "ready=%s go=%s" % (ready, go)],
                            cwd=str(REPO), env=ansible_env(str(tmp_path / "x.db")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: ready.exists() or proc.poll() is not None, 120, "the play never reached the wait")
        assert proc.poll() is None, proc.communicate()
        helpers = helpers_of(proc.pid)
        assert len(helpers) == 1, helpers  # the host's persistent connection, nothing else
        path = control_socket("127.0.0.1", sim.port, "admin", proc.pid)
        assert path.is_socket(), path
        os.kill(helpers[0], signal.SIGKILL)
        wait_for(lambda: not Path("/proc/%d" % helpers[0]).exists(), 10, "the helper outlived SIGKILL")
        assert path.is_socket()  # left behind: nobody listens on it any more
        go.touch()
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        stop_helpers(proc.pid)
    data = json.loads(out[out.find("{"):])
    result = data["plays"][0]["tasks"][-1]["hosts"]["iosxr-1"]
    assert proc.returncode == 0, (result.get("msg"), result, err[-2000:])
    assert result["device"]["platform"] == "iosxr" and result["device"]["managed_status"] == "In Sync", result
    assert sim.device.logins == 2  # the killed helper's session, then the new helper's
