"""netsync.fleet.auto_resync with a fake device (no server): enable, idempotency, absent, check mode, generic."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync import (
    ENABLE_COMMENT, REMOVE_COMMENT, find_host, run_auto_resync, stanza_lines,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceError
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, run_device
from tests.support.fake_device import FakeDevice, opener

BASE = ("<configuration><system><host-name>r1</host-name><syslog><file><name>messages</name>"
        "<contents><name>any</name><notice/></contents></file></syslog></system></configuration>")


def _device(platform: str = "junos") -> FakeDevice:
    return FakeDevice(platform, BASE, facts={"hostname": "r1"})


_o = opener


def _params(tmp_path: Path, **kw: Any) -> dict[str, Any]:
    p = {"name": "r1", "host": "127.0.0.1", "port": 830, "username": "u", "password": "pw",
         "private_key_file": None, "platform": "auto", "host_key_checking": True, "known_hosts_file": None,
         "timeout": 5.0, "store": str(tmp_path / "s.db"), "state": "enabled",
         "listener_host": "127.0.0.1", "listener_port": 5514}
    p.update(kw)
    return p


def _imported(tmp_path: Path, platform: str = "junos") -> FakeDevice:
    dev = _device(platform)
    run_device(dict(_params(tmp_path), state="present"), False, False, opener=_o(dev))
    return dev


def _flag(tmp_path: Path) -> Any:
    with st.open_store(str(tmp_path / "s.db")) as s:
        return s.devices.device_overrides("r1").get("auto_resync")


def test_enable_commits_stanza_then_idempotent(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    res = run_auto_resync(_params(tmp_path), False, True, opener=_o(dev))
    assert res["changed"] and res["device_changed"] and res["auto_resync"] is True
    assert res["platform"] == "junos" and res["listener"] == {"host": "127.0.0.1", "port": 5514}
    assert len(dev.commits) == 1 and dev.commits[0][1:] == ("replace", ENABLE_COMMENT)
    host = find_host(parse_xml(dev.config), "127.0.0.1")
    assert host is not None
    lines = stanza_lines(host)
    assert "system syslog host 127.0.0.1 port 5514" in lines
    assert "system syslog host 127.0.0.1 contents any notice" in lines
    assert 'system syslog host 127.0.0.1 match "UI_COMMIT|UI_COMMIT_COMPLETED"' in lines
    assert "system syslog host 127.0.0.1 structured-data" in lines
    assert "system syslog host 127.0.0.1 port 5514" in res["diff"]["after"]
    assert "port 5514" not in res["diff"]["before"] and "auto_resync true" in res["diff"]["after"]
    assert _flag(tmp_path) is True

    again = run_auto_resync(_params(tmp_path), False, True, opener=_o(dev))
    assert again["changed"] is False and again["device_changed"] is False and "diff" not in again
    assert len(dev.commits) == 1


def test_enable_replaces_a_different_stanza(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    run_auto_resync(_params(tmp_path, listener_port=6000), False, False, opener=_o(dev))
    res = run_auto_resync(_params(tmp_path), False, True, opener=_o(dev))
    assert res["device_changed"] and len(dev.commits) == 2
    lines = stanza_lines(find_host(parse_xml(dev.config), "127.0.0.1"))
    assert "system syslog host 127.0.0.1 port 5514" in lines and not any("6000" in x for x in lines)
    assert "port 6000" in res["diff"]["before"] and "port 5514" in res["diff"]["after"]


def test_check_mode_commits_and_writes_nothing(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    res = run_auto_resync(_params(tmp_path), True, True, opener=_o(dev))
    assert res["changed"] and res["device_changed"] and dev.commits == []
    assert "port 5514" in res["diff"]["after"] and _flag(tmp_path) is None


def test_absent_removes_stanza_and_clears_flag(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    run_auto_resync(_params(tmp_path), False, False, opener=_o(dev))
    checked = run_auto_resync(_params(tmp_path, state="absent"), True, False, opener=_o(dev))
    assert checked["changed"] and len(dev.commits) == 1
    res = run_auto_resync(_params(tmp_path, state="absent"), False, True, opener=_o(dev))
    assert res["changed"] and res["device_changed"] and res["auto_resync"] is False
    assert dev.commits[-1][2] == REMOVE_COMMENT and 'delete="delete"' in dev.commits[-1][0]
    assert find_host(parse_xml(dev.config), "127.0.0.1") is None
    assert find_host(parse_xml(dev.config), "messages") is None  # a file, not a host
    assert "<file><name>messages</name>" in dev.config  # the rest of syslog is kept
    assert _flag(tmp_path) is None  # no setting of its own any more
    again = run_auto_resync(_params(tmp_path, state="absent"), False, False, opener=_o(dev))
    assert again["changed"] is False and len(dev.commits) == 2


def test_disabled_touches_only_the_store(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    opened = len(dev.opened)
    res = run_auto_resync(_params(tmp_path, state="disabled", listener_host=None), False, True, opener=_o(dev))
    assert res["changed"] and res["device_changed"] is False and res["auto_resync"] is False
    assert len(dev.opened) == opened and dev.commits == [] and _flag(tmp_path) is False
    assert run_auto_resync(_params(tmp_path, state="disabled"), False, False, opener=_o(dev))["changed"] is False


def test_generic_device_sets_flag_without_commit(tmp_path: Path) -> None:
    dev = _imported(tmp_path, platform="netconf")
    opened = len(dev.opened)
    res = run_auto_resync(_params(tmp_path, listener_host=None), False, False, opener=_o(dev))
    assert res["changed"] and res["platform"] == "netconf" and res["device_changed"] is False
    assert dev.commits == [] and len(dev.opened) == opened and _flag(tmp_path) is True
    assert run_auto_resync(_params(tmp_path), False, False, opener=_o(dev))["changed"] is False
    assert run_auto_resync(_params(tmp_path, state="absent"), False, False, opener=_o(dev))["auto_resync"] is False
    assert _flag(tmp_path) is None and dev.commits == []  # not subscribed by the listener any more


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskFailed, match="no store at .*s.db .the file does not exist"):
        run_auto_resync(_params(tmp_path), False, False, opener=_o(_device()))
    dev = _imported(tmp_path)
    with pytest.raises(TaskFailed, match="listener_host is required"):
        run_auto_resync(_params(tmp_path, listener_host=None), False, False, opener=_o(dev))
    dev.error = DeviceError("timeout", "no answer")
    with pytest.raises(TaskFailed) as info:
        run_auto_resync(_params(tmp_path), False, False, opener=_o(dev))
    assert info.value.result["error"] == "timeout" and _flag(tmp_path) is None


def test_listener_host_is_escaped(tmp_path: Path) -> None:
    dev = _imported(tmp_path)
    run_auto_resync(_params(tmp_path, listener_host="a<b&c"), False, False, opener=_o(dev))
    assert find_host(parse_xml(dev.config), "a<b&c") is not None
