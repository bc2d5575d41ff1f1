"""A host's persistent connection helper (ansible-connection) that is gone while its socket file
is still there: what an idle timeout racing the next task, or a killed helper, leaves. ansible-core's
own stub then crashes on that socket; netsync.fleet's tasks start a new helper instead."""
from __future__ import annotations

import contextlib
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
from tests.system.cli_helpers import cli_inventory, host_vars
from tests.system.helpers import REPO, VENV_BIN, ansible_env

pytestmark = pytest.mark.system


def helpers_of(playbook_pid: int) -> list[int]:
    """The ansible-connection processes started by the ansible-playbook ``playbook_pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path("/proc/%s/cmdline" % entry).read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"ansible_connection_cli_stub" in a or a.endswith(b"ansible-connection") for a in args[:2]) \
                and str(playbook_pid).encode() in args:
            found.append(int(entry))
    return found


def control_socket(host: str, port: int, user: str, playbook_pid: int) -> Path:
    from ansible import constants as C
    from ansible.plugins.connection.ssh import Connection as Ssh
    from ansible.utils.path import unfrackpath

    pattern = Ssh._create_control_path(host, port, user, "ansible.netcommon.network_cli", str(playbook_pid))
    return Path(unfrackpath(pattern % {"directory": unfrackpath(C.PERSISTENT_CONTROL_PATH_DIR)}))


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
        for pid in helpers_of(proc.pid):  # a helper outlives the play until its idle timeout
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    data = json.loads(out[out.find("{"):])
    result = data["plays"][0]["tasks"][-1]["hosts"]["iosxr-1"]
    assert proc.returncode == 0, (result.get("msg"), result, err[-2000:])
    assert result["device"]["platform"] == "iosxr" and result["device"]["managed_status"] == "In Sync", result
    assert sim.device.logins == 2  # the killed helper's session, then the new helper's
