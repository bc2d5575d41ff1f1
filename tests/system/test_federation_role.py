"""roles/federation_child with a real ansible-playbook on localhost (no systemd here: background process)."""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.system.federation.servers import new_token
from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_role_starts_is_idempotent_and_stops(tmp_path: Path) -> None:
    port, token = free_port(), new_token()
    inv = tmp_path / "hosts.ini"
    inv.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    run_dir = tmp_path / "run"
    extra = {"federation_child_store": str(tmp_path / "site.db"), "federation_child_create_store": True,
             "federation_child_site": "paris",
             "federation_child_listen": "127.0.0.1:%d" % port, "federation_child_token": token,
             "federation_child_token_file": str(tmp_path / "token"), "federation_child_run_dir": str(run_dir),
             "federation_child_use_systemd": "no", "federation_child_env_file": str(tmp_path / "child.env")}
    play = REPO / "tests/system/federation/role.yml"
    try:
        run = run_playbook(play, inv, str(tmp_path / "unused.db"), "-e", json.dumps(extra))
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert run.changed("localhost") == ["netsync.fleet.federation_child : " + t for t in (
            "Write the environment file", "Write the token file", "Create the run directory", "Start the server")], \
            run.changed("localhost")
        assert oct((tmp_path / "token").stat().st_mode & 0o777) == "0o600"
        assert oct((tmp_path / "child.env").stat().st_mode & 0o777) == "0o600"
        assert (tmp_path / "child.env").read_text() == "NETSYNC_STORE='%s'\n" % extra["federation_child_store"]
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/time" % port,
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert json.loads(resp.read())["site"] == "paris"
        assert token not in run.stdout  # no_log on the token
        pid = int((run_dir / "server.pid").read_text())
        cmdline = Path("/proc/%d/cmdline" % pid).read_bytes().decode()
        assert "federation_child.server" in cmdline and str(extra["federation_child_store"]) not in cmdline
        assert str(extra["federation_child_store"]) not in run.stdout  # no_log on the store

        again = run_playbook(play, inv, str(tmp_path / "unused.db"), "-e", json.dumps(extra))
        assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.stdout[-3000:]

        pid = int((run_dir / "server.pid").read_text())
        extra["federation_child_state"] = "stopped"
        stop = run_playbook(play, inv, str(tmp_path / "unused.db"), "-e", json.dumps(extra))
        assert stop.rc == 0 and stop.stats["localhost"]["changed"] == 1, stop.stdout[-3000:]
        with pytest.raises(OSError):
            os.kill(pid, 0)
    finally:
        pidfile = run_dir / "server.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
