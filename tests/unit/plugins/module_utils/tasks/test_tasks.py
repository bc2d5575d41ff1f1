"""The modules' logic with a fake device (no server): statuses, versions, check mode, diff, errors."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import target_from_params
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import ConfigRead, DeviceError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import (
    TaskFailed, run_device, run_device_info, run_settings,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from tests.support.fake_device import FakeDevice


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "r1", "host": "127.0.0.1", "port": 830, "username": "u", "password": "pw",
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "present", "job_id": None, "origin": "manual"}
    p.update(kw)
    return p


def test_import_then_idempotent(tmp_path: Path) -> None:
    dev = FakeDevice()
    first = run_device(_params(tmp_path), False, True, opener=dev)
    assert first["changed"] and first["device"]["managed_status"] == "In Sync"
    assert first["device"]["snapshot_version"] == 1 and "diff" in first
    again = run_device(_params(tmp_path), False, True, opener=dev)
    assert again["changed"] is False and "diff" not in again
    assert dev.opened[0].password == "pw" and "pw" not in repr(dev.opened[0])


def test_import_check_mode_writes_nothing(tmp_path: Path) -> None:
    res = run_device(_params(tmp_path), True, False, opener=FakeDevice())
    assert res["changed"] is True
    with st.open_store(str(tmp_path / "s.db")) as s:
        assert s.devices.all() == []


def test_resync_versions_diff_and_check_mode(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    assert run_resync(_params(tmp_path), False, True, opener=dev)["changed"] is False
    dev.commit("r1-new")
    checked = run_resync(_params(tmp_path), True, True, opener=dev)
    assert checked["changed"] and checked["snapshot_version"] == 2 and checked["job_id"] is None
    res = run_resync(_params(tmp_path, job_id="j-7", origin="auto"), False, True, opener=dev)
    assert res["changed"] and res["snapshot_version"] == 2 and res["job_id"] == "j-7"
    assert "host-name r1-new" in res["diff"]["after"] and "host-name r1\n" in res["diff"]["before"]
    assert res["commit_time"] == 110.0 and res["managed_status"] == "In Sync"
    with st.open_store(str(tmp_path / "s.db")) as s:
        job = s.jobs.get("j-7")
        assert job is not None and job["origin"] == "auto" and job["read_commit_time"] == 110.0


def test_commit_notified_during_job_leaves_out_of_sync(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    store_path = str(tmp_path / "s.db")

    class Late(FakeDevice):
        def read_config(self, known: Any = None) -> ConfigRead:
            read = dev.read_config()
            with st.open_store(store_path) as s:  # a commit notified while we read, not included
                s.jobs.record_notification("127.0.0.1", "syslog", "r1", True, commit_time=read.commit_time + 5)
            return read
    res = run_resync(_params(tmp_path), False, False, opener=Late())
    assert res["managed_status"] == "Out of Sync"


def test_resync_failure_keeps_snapshots(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    dev.error = DeviceError("timeout", "no answer")
    with pytest.raises(TaskFailed) as info:
        run_resync(_params(tmp_path), False, False, opener=dev)
    assert info.value.result["error"] == "timeout" and info.value.result["managed_status"] == "Sync Failed"
    with st.open_store(str(tmp_path / "s.db")) as s:
        assert len(s.devices.list_snapshots("r1")) == 1 and s.devices.get("r1")["connection_state"] == "down"  # type: ignore[index]


def test_device_info_versions_and_diff(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    dev.commit("r2")
    run_resync(_params(tmp_path), False, False, opener=dev)
    info = run_device_info({"store": str(tmp_path / "s.db"), "name": "r1", "version": 1, "diff_from": None,
                            "diff_to": None, "history": 5})
    assert info["config"] == "system host-name r1\n"
    assert [s["version"] for s in info["devices"][0]["snapshots"]] == [1, 2]
    assert info["devices"][0]["status_history"][-1]["status"] == "In Sync"
    diff = run_device_info({"store": str(tmp_path / "s.db"), "name": "r1", "version": None, "diff_from": 1,
                            "diff_to": 2, "history": 0})["diff"]
    assert diff == "set system host-name r2\n"  # Junos: the `set` line that takes r1 to r2, pasteable
    with pytest.raises(TaskFailed, match="no snapshot version 9"):
        run_device_info({"store": str(tmp_path / "s.db"), "name": "r1", "version": 9, "diff_from": None,
                         "diff_to": None, "history": 0})


def test_settings_check_mode_reset_and_errors(tmp_path: Path) -> None:
    dev = FakeDevice()
    run_device(_params(tmp_path), False, False, opener=dev)
    base = {"store": str(tmp_path / "s.db"), "device": None, "auto_resync": None, "resync_delay": None,
            "damping_window": None, "damper_interval": None, "reset": []}
    res = run_settings(dict(base, resync_delay=3), True, True)
    assert res["changed"] and res["settings"]["resync_delay"] == 3
    assert run_settings(base, False, False)["settings"]["resync_delay"] == 20.0  # check mode wrote nothing
    res = run_settings(dict(base, device="r1", auto_resync=False), False, True)
    assert res["changed"] and res["overrides"] == {"auto_resync": False}
    assert res["diff"]["after"]["auto_resync"] is False
    res = run_settings(dict(base, device="r1", reset=["auto_resync"]), False, False)
    assert res["changed"] and res["settings"]["auto_resync"] is True
    with pytest.raises(TaskFailed, match="needs device"):
        run_settings(dict(base, reset=["auto_resync"]), False, False)
    with pytest.raises(TaskFailed, match="not in the store"):
        run_settings(dict(base, device="ghost", resync_delay=1), False, False)


def test_target_needs_an_address() -> None:
    with pytest.raises(ValueError, match="ansible_host"):
        target_from_params({"name": "r1"})


@pytest.mark.parametrize(("spec", "checks", "args", "message"), [
    ("DEVICE_INFO_SPEC", "DEVICE_INFO_CHECKS", {"version": 2}, "required by 'version': name"),
    ("DEVICE_INFO_SPEC", "DEVICE_INFO_CHECKS", {"diff_to": 2}, "required by 'diff_to': name"),
    ("DEVICE_SPEC", "DEVICE_CHECKS", {"state": "absent"}, "one of the following is required: name, host"),
])
def test_option_checks_live_in_the_specs(spec: str, checks: str, args: dict[str, Any], message: str) -> None:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.netsync.fleet.plugins.module_utils.tasks import args as specs

    result = ArgumentSpecValidator(getattr(specs, spec), **getattr(specs, checks)).validate(args)
    assert any(message in m for m in result.error_messages), result.error_messages
    good = dict(args, name="r1")
    assert not ArgumentSpecValidator(getattr(specs, spec), **getattr(specs, checks)).validate(good).error_messages
