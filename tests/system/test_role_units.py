"""The systemd units of roles/listener and roles/federation_child, rendered by real ansible-playbook
into a temporary root (no systemd here: `*_manage_service: false` writes the unit and its files
without starting it): the store URL, with its password, is only in a 0600 environment file, never on
ExecStart nor in ansible-playbook's output; the unit runs as the dedicated user; in check mode the
role would create that user and writes nothing."""
from __future__ import annotations

import getpass
import grp
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.system.helpers import REPO, run_playbook

pytestmark = pytest.mark.system
PASSWORD = "S3cret-pw-4711"
URL = "postgresql://netsync:%s@127.0.0.1:5432/fleet" % PASSWORD


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "hosts.ini"
    inv.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    return inv


def _service(unit: str) -> dict[str, str]:
    section = unit.split("[Service]", 1)[1].split("[Install]", 1)[0]
    pairs = [line.split("=", 1) for line in section.splitlines() if "=" in line and not line.startswith("#")]
    return {key: value for key, value in pairs if key != "Environment"}


ROLES: dict[str, dict[str, Any]] = {
    "listener": {"playbook": REPO / "playbooks/listener.yml", "prefix": "listener",
                 "unit": "netsync-listener-default.service",
                 "extra": {"listener_inventory": "/etc/netsync/inventory.yml"}},
    "federation_child": {"playbook": REPO / "tests/system/federation/role.yml", "prefix": "federation_child",
                         "unit": "netsync-federation-child-paris.service",
                         "extra": {"federation_child_site": "paris", "federation_child_listen": "127.0.0.1:18443"}},
}


def _vars(tmp_path: Path, role: str, **more: Any) -> dict[str, Any]:
    p = ROLES[role]["prefix"]
    out = {p + "_store": URL, p + "_use_systemd": "yes", p + "_manage_service": False,
           p + "_systemd_unit_dir": str(tmp_path / "root/etc/systemd/system"),
           p + "_env_file": str(tmp_path / "root/etc/netsync/service.env"),
           p + "_run_dir": str(tmp_path / "root/var/lib/netsync/run"), **ROLES[role]["extra"]}
    if role == "federation_child":
        out["federation_child_token_file"] = str(tmp_path / "root/etc/netsync/child.token")
    out.update(more)
    return out


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_unit_reads_the_store_from_a_0600_file_and_runs_as_the_service_user(tmp_path: Path, role: str) -> None:
    (tmp_path / "root/etc/systemd/system").mkdir(parents=True)
    me, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
    p = ROLES[role]["prefix"]
    extra = _vars(tmp_path, role, **{p + "_create_user": False, p + "_user": me, p + "_group": group})
    run = run_playbook(ROLES[role]["playbook"], _inventory(tmp_path), str(tmp_path / "unused.db"),
                       "-e", json.dumps(extra))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert PASSWORD not in run.stdout + run.stderr  # no_log wherever the URL passes

    unit = (tmp_path / "root/etc/systemd/system" / ROLES[role]["unit"]).read_text()
    service = _service(unit)
    assert PASSWORD not in unit and "postgresql" not in unit
    assert "--store" not in service["ExecStart"]
    assert (service["User"], service["Group"]) == (me, group)
    assert service["EnvironmentFile"] == extra[p + "_env_file"]

    env = Path(extra[p + "_env_file"])
    assert oct(env.stat().st_mode & 0o777) == "0o600"
    assert env.read_text() == "NETSYNC_STORE='%s'\n" % URL

    again = run_playbook(ROLES[role]["playbook"], _inventory(tmp_path), str(tmp_path / "unused.db"),
                         "-e", json.dumps(extra))
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.stdout[-3000:]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_check_mode_would_create_the_service_user_and_writes_nothing(tmp_path: Path, role: str) -> None:
    (tmp_path / "root").mkdir()
    p = ROLES[role]["prefix"]
    extra = _vars(tmp_path, role, **{p + "_user": "netsync-test-nobody", p + "_group": "netsync-test-nobody"})
    run = run_playbook(ROLES[role]["playbook"], _inventory(tmp_path), str(tmp_path / "unused.db"),
                       "--check", "-e", json.dumps(extra))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    changed = run.changed("localhost")
    name = "netsync.fleet.%s : " % role
    assert name + "Create the service group" in changed and name + "Create the service user" in changed
    assert name + "Install the unit" in changed and name + "Write the environment file" in changed
    assert PASSWORD not in run.stdout + run.stderr
    assert sorted(str(f.relative_to(tmp_path)) for f in (tmp_path / "root").rglob("*")) == []
    with pytest.raises(KeyError):
        grp.getgrnam("netsync-test-nobody")
