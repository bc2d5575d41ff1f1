"""The modules' logic on a CLI platform, with a fake cliconf connection over a simulated device:
device_info never returns the unmasked text, auto_resync's logging line (check, idempotent, absent)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliSession
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_platforms import platform_for
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync import run_auto_resync
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    TaskFailed, run_device, run_device_info,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync

from tests.sims.cli_device import CliDevice
from tests.unit.plugins.module_utils.device.test_cli_platforms import FakeCliconf


class EditingCliconf(FakeCliconf):
    def edit_config(self, candidate: list[str], commit: bool = True) -> dict[str, Any]:
        self.sent.extend(candidate)
        work = self.device.config.copy()
        for line in candidate:
            work.apply(line, None)
        self.device.commit(work, "admin", "127.0.0.1", candidate)
        return {"request": candidate}


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "edge1", "host": "192.0.2.1", "port": 22, "username": None, "password": None,
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "present", "job_id": None, "origin": "manual",
         "listener_host": "127.0.0.1", "listener_port": 5514}
    p.update(kw)
    return p


@pytest.fixture(params=["ios", "nxos", "iosxr", "eos"])
def cli(request: Any) -> tuple[EditingCliconf, Any]:
    conn = EditingCliconf(CliDevice(request.param, "edge1"))

    def opener(target: Target) -> CliSession:
        return CliSession(target, conn, platform_for(request.param))

    return conn, opener


def test_device_info_returns_only_masked_text(tmp_path: Path, cli: tuple[EditingCliconf, Any]) -> None:
    conn, opener = cli
    run_device(_params(tmp_path), False, False, opener=opener)
    conn.device.config.apply("snmp-server community T0pS3cret RW", None)
    assert run_resync(_params(tmp_path), False, True, opener=opener)["snapshot_version"] == 2
    info = run_device_info({"store": str(tmp_path / "s.db"), "name": "edge1", "version": 2, "diff_from": 1,
                            "diff_to": 2, "diff": None, "history": 0})
    assert "config_xml" not in info and "T0pS3cret" not in info["config"] and "T0pS3cret" not in info["diff"]
    assert "+snmp-server community <secret:" in info["diff"]


def test_auto_resync_logging_line(tmp_path: Path, cli: tuple[EditingCliconf, Any]) -> None:
    conn, opener = cli
    run_device(_params(tmp_path), False, False, opener=opener)
    checked = run_auto_resync(_params(tmp_path, state="enabled"), True, True, opener=opener)
    assert checked["device_changed"] is True and conn.device.changes == []  # check mode configures nothing
    done = run_auto_resync(_params(tmp_path, state="enabled"), False, True, opener=opener)
    wanted = platform_for(conn.device.platform.name).logging_lines("127.0.0.1", 5514)
    assert done["device_changed"] is True and wanted[0] + "\n" in done["diff"]["after"]
    assert wanted[0] in conn.device.running_config().splitlines()
    again = run_auto_resync(_params(tmp_path, state="enabled"), False, True, opener=opener)
    assert again["changed"] is False and len(conn.device.changes) == 1
    moved = run_auto_resync(_params(tmp_path, state="enabled", listener_port=6514), False, True, opener=opener)
    lines = [ln for ln in conn.device.running_config().splitlines() if "127.0.0.1" in ln]
    assert moved["device_changed"] is True and len(lines) == 1 and "6514" in lines[0]  # replaced, not added
    gone = run_auto_resync(_params(tmp_path, state="absent"), False, True, opener=opener)
    assert gone["device_changed"] is True
    assert not [ln for ln in conn.device.running_config().splitlines() if "127.0.0.1" in ln]


def test_auto_resync_needs_the_listener_address(tmp_path: Path, cli: tuple[EditingCliconf, Any]) -> None:
    _conn, opener = cli
    run_device(_params(tmp_path), False, False, opener=opener)
    with pytest.raises(TaskFailed, match="listener_host is required"):
        run_auto_resync(_params(tmp_path, state="enabled", listener_host=None), False, False, opener=opener)
