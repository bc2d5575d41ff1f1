"""Errors are classified by exception type: a bug in our code (a TypeError, KeyError or
AttributeError raised inside the collection) is reported as an internal error with its traceback,
never as a device fault; a device timeout still is a device fault."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from ncclient.operations.errors import TimeoutExpiredError  # type: ignore[import-untyped]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import (
    internal_error_message, is_internal_error,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.platforms import JunosPlatform
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError, DeviceSession, Target
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESYNC_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.action import NetsyncAction
from tests.support.fake_device import FakeDevice


class _Manager:
    """A NETCONF manager whose replies make our Junos code fail (``dispatch`` gives ``reply``)."""

    def __init__(self, reply: Any = None, raises: BaseException | None = None) -> None:
        self.reply, self.raises = reply, raises
        self.timeout = 5.0

    def dispatch(self, rpc: Any) -> Any:
        if self.raises is not None:
            raise self.raises
        return self.reply

    def close_session(self) -> None:
        return None


def _session(manager: _Manager) -> Any:
    return lambda target: DeviceSession(target, manager, JunosPlatform())


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "r1", "host": "127.0.0.1", "port": 830, "username": "u", "password": "pw",
         "private_key_file": None, "platform": "junos", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "present", "job_id": None, "origin": "manual",
         "only_if_changed": False}
    p.update(kw)
    return p


def _imported(tmp_path: Path) -> None:
    assert run_device(_params(tmp_path, platform="auto"), False, False, opener=FakeDevice())["changed"]


def test_a_bug_inside_our_device_code_is_raised_as_itself_not_a_device_fault(tmp_path: Path) -> None:
    _imported(tmp_path)
    # the device answers None: our Junos code does None.xml -> AttributeError in our frame
    with pytest.raises(AttributeError):
        run_resync(_params(tmp_path), False, False, opener=_session(_Manager(reply=None)))
    with st.open_store(str(tmp_path / "s.db")) as store:
        row = store.devices.get("r1")
        assert row is not None and row["managed_status"] == "In Sync"  # not Sync Failed, not down
        assert row["connection_state"] != "down"


def test_a_device_timeout_is_still_a_device_fault(tmp_path: Path) -> None:
    _imported(tmp_path)
    with pytest.raises(TaskFailed) as failed:
        run_resync(_params(tmp_path), False, False, opener=_session(_Manager(raises=TimeoutExpiredError("late"))))
    assert failed.value.result["error"] == "timeout"
    with st.open_store(str(tmp_path / "s.db")) as store:
        row = store.devices.get("r1")
        assert row is not None and row["managed_status"] == "Sync Failed"


def test_the_session_guard_keeps_bugs_and_classifies_the_rest() -> None:
    target = Target(name="r1", host="127.0.0.1")
    session = DeviceSession(target, _Manager(), JunosPlatform())

    def bug(_manager: Any) -> None:
        {}["missing"]  # noqa: B018 - a KeyError in code of ours

    with pytest.raises(KeyError):
        session._guard(bug, session.manager)
    with pytest.raises(DeviceError) as err:
        session._guard(lambda m: (_ for _ in ()).throw(TimeoutExpiredError("late")), session.manager)
    assert err.value.kind == "timeout"


def test_errors_raised_inside_transport_libraries_are_not_internal() -> None:
    import paramiko  # type: ignore[import-untyped]
    try:
        paramiko.Message(None).get_bytes(None)  # type: ignore[arg-type]  # a TypeError inside paramiko
    except TypeError as exc:
        assert not is_internal_error(exc)
    try:
        int(None)  # type: ignore[arg-type]  # raised in our frame (the C call has none)
    except TypeError as exc:
        assert is_internal_error(exc)
    assert not is_internal_error(OSError("refused")) and not is_internal_error(ValueError("x"))


class _Task:
    def __init__(self, args: dict[str, Any]) -> None:
        self.args, self.check_mode, self.diff, self.async_val = args, False, False, 0
        self.action = "netsync.fleet.resync"


def _action(task_fn: Any) -> NetsyncAction:
    cls = type("Action", (NetsyncAction,), {"spec": RESYNC_SPEC, "task_fn": staticmethod(task_fn)})
    action: NetsyncAction = cls(_Task({"name": "r1", "host": "127.0.0.1"}), mock.MagicMock(), mock.MagicMock(),
                                mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    return action


def test_the_action_reports_a_bug_as_an_internal_error_with_its_traceback() -> None:
    def buggy(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
        return {"changed": params["no such option"]}  # KeyError in our code

    result = _action(buggy).run(task_vars={})
    assert result["failed"] is True and result["error"] == "internal" and "unreachable" not in result
    assert result["msg"] == internal_error_message(KeyError("no such option"))
    assert "Traceback (most recent call last)" in result["exception"] and "buggy" in result["exception"]


def test_the_action_reports_a_device_timeout_as_a_device_fault() -> None:
    def timeout(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
        raise TaskFailed("no answer from r1 within 5s", error="timeout")

    result = _action(timeout).run(task_vars={})
    assert result["failed"] is True and result["error"] == "timeout" and "exception" not in result
