"""The restore task with a fake device (no server): compare, check mode, diff, refusals, verification."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.restore import run_restore
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from tests.support.fake_device import FakeDevice

SECRET = ("<configuration><system><host-name>r1</host-name><root-authentication>"
          "<encrypted-password>$6$old</encrypted-password></root-authentication></system></configuration>")


class Restorable(FakeDevice):
    """A fake Junos device that can restore (or a CLI-like one that cannot)."""

    def __init__(self, formats: tuple[str, ...] = ("junos-xml",), faithful: bool = True, **kw: Any) -> None:
        super().__init__(**kw)
        self.platform = SimpleNamespace(name="junos" if formats else "ios", restore_formats=formats)
        self.faithful = faithful
        self.restores: list[tuple[str, str, str, int]] = []

    def restore(self, fmt: str, config: str, comment: str, confirm_timeout: int) -> str:
        self.restores.append((fmt, config, comment, confirm_timeout))
        self.config = config if self.faithful else config.replace("r1", "r1-other")
        self.commit_time += 10
        return "commit confirmed 1"


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "r1", "host": "127.0.0.1", "port": 830, "username": "u", "password": "pw",
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "present", "job_id": None, "origin": "manual",
         "version": 1, "confirm_timeout": 60, "comment": None}
    p.update(kw)
    return p


def _two_versions(tmp_path: Path, dev: FakeDevice) -> None:
    run_device(_params(tmp_path), False, False, opener=dev)
    dev.commit("r1-new")
    assert run_resync(_params(tmp_path), False, False, opener=dev)["snapshot_version"] == 2


def test_check_mode_compares_and_sends_nothing(tmp_path: Path) -> None:
    dev = Restorable()
    _two_versions(tmp_path, dev)
    res = run_restore(_params(tmp_path), True, True, opener=dev)
    assert (res["changed"], res["mechanism"], res["verified"]) == (True, None, None)
    assert "host-name r1-new" in res["diff"]["before"] and "host-name r1\n" in res["diff"]["after"]
    assert res["diff"]["after_header"] == "r1 v1" and dev.restores == []


def test_restore_sends_the_stored_version_then_is_idempotent(tmp_path: Path) -> None:
    dev = Restorable()
    _two_versions(tmp_path, dev)
    res = run_restore(_params(tmp_path), False, False, opener=dev)
    assert (res["changed"], res["mechanism"], res["verified"], res["version"]) == (True, "commit confirmed 1", True, 1)
    ((fmt, config, comment, timeout),) = dev.restores
    assert (fmt, comment, timeout) == ("junos-xml", "netsync.fleet.restore of r1 version 1", 60)
    assert "<host-name>r1</host-name>" in config
    again = run_restore(_params(tmp_path, comment="CHG-1"), False, False, opener=dev)
    assert again["changed"] is False and len(dev.restores) == 1
    with st.open_store(str(tmp_path / "s.db")) as s:  # the store is not written by restore
        assert [int(r["version"]) for r in s.devices.list_snapshots("r1")] == [1, 2]


def test_unknown_version_and_unsupported_platform(tmp_path: Path) -> None:
    dev = Restorable()
    _two_versions(tmp_path, dev)
    with pytest.raises(TaskFailed, match="device r1 has no stored version 7") as err:
        run_restore(_params(tmp_path, version=7), False, False, opener=dev)
    assert err.value.result["error"] == "unknown_version"
    cli = Restorable(formats=())
    with pytest.raises(TaskFailed, match="restore is not supported for r1 \\(platform ios") as err:
        run_restore(_params(tmp_path), True, False, opener=cli)
    assert err.value.result["error"] == "unsupported" and cli.restores == []


def test_masked_version_is_refused_raw_secrets_are_restored_masked_in_output(tmp_path: Path) -> None:
    dev = Restorable(config=SECRET)
    run_device(_params(tmp_path), False, False, opener=dev)
    dev.config = SECRET.replace("$6$old", "$6$new")
    run_resync(_params(tmp_path), False, False, opener=dev)
    res = run_restore(_params(tmp_path), False, True, opener=dev)
    assert "$6$old" in dev.restores[0][1]  # the raw stored secret goes back to the device
    assert "$6$old" not in str(res) and "$6$new" not in str(res) and "<secret:" in res["diff"]["after"]
    with st.open_store(str(tmp_path / "s.db")) as s:
        s.db.execute("UPDATE snapshots SET config = ? WHERE version = 2",
                     (SECRET.replace("$6$old", "<secret:0123456789ab>"),))
    with pytest.raises(TaskFailed, match="version 2 of r1 holds masked secrets") as err:
        run_restore(_params(tmp_path, version=2), False, False, opener=dev)
    assert err.value.result["error"] == "masked_secrets"


def test_not_verified_and_device_errors(tmp_path: Path) -> None:
    dev = Restorable(faithful=False)
    _two_versions(tmp_path, dev)
    with pytest.raises(TaskFailed, match="now differs from version 1") as err:
        run_restore(_params(tmp_path), False, False, opener=dev)
    assert err.value.result["error"] == "not_verified" and err.value.result["verified"] is False
    dev.error = DeviceError("unreachable", "connection refused")
    with pytest.raises(TaskFailed, match="restore of r1 version 1 failed: unreachable") as err:
        run_restore(_params(tmp_path), False, False, opener=dev)
    assert err.value.result["error"] == "unreachable"
