"""The commit_notify callback with fake results: which results become inbox rows, and never a raise."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from ansible import constants as C

from ansible_collections.netsync.fleet.plugins.callback import commit_notify as cn
from ansible_collections.netsync.fleet.plugins.module_utils import store as st

NAME = "netsync.fleet.commit_notify"


class FakeDisplay:
    verbosity = 0

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.lines: list[str] = []

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append(msg)

    def display(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(msg)

    def vvvv(self, msg: str, *args: Any, **kwargs: Any) -> None:
        pass

    def deprecated(self, *args: Any, **kwargs: Any) -> None:
        pass


class FakeTask:
    def __init__(self, action: str, name: str = "Configure", resolved: Optional[str] = None,
                 check_mode: Any = False) -> None:
        self.action = action
        self.resolved_action = resolved
        self.check_mode = check_mode
        self.name = name
        self.args = {"content": "set system root-authentication plain-text-password SECRET"}

    def get_name(self) -> str:
        return self.name


class FakeHost:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name


class FakeResult:
    def __init__(self, host: str, task: FakeTask, result: dict[str, Any]) -> None:
        self._host = FakeHost(host)
        self._task = task
        self._result = result


class FakePlay:
    def get_name(self) -> str:
        return "Change the routers"


@pytest.fixture(autouse=True, scope="module")
def _definitions() -> None:
    """What the plugin loader does: register the documented options."""
    options = yaml.safe_load(cn.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("callback", NAME, options)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        s.devices.upsert("r2", "127.0.0.1", 831, "junos", {})
    return url


def make(direct: dict[str, Any]) -> tuple[cn.CallbackModule, FakeDisplay]:
    display = FakeDisplay()
    plugin = cn.CallbackModule(display=display)
    plugin._load_name = NAME
    plugin.set_options(direct=direct)
    plugin.v2_playbook_on_play_start(FakePlay())
    return plugin, display


def inbox(url: str) -> list[dict[str, Any]]:
    with st.open_store(url) as s:
        return s.jobs.inbox_take()


def ok(plugin: cn.CallbackModule, host: str, task: FakeTask, changed: bool = True, **extra: Any) -> None:
    plugin.v2_runner_on_ok(FakeResult(host, task, {"changed": changed, **extra}))


def test_one_row_per_changed_config_task(store_url: str) -> None:
    plugin, display = make({"store": store_url})
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config", name="Describe ge-0/0/1"))
    ok(plugin, "r1", FakeTask("junos_config", resolved="junipernetworks.junos.junos_config"))
    ok(plugin, "r2", FakeTask("ansible.netcommon.cli_config"))
    assert plugin._store is not None  # one handle, open during the run
    plugin.v2_playbook_on_stats(None)
    assert plugin._store is None
    rows = inbox(store_url)
    assert [(r["device"], r["source"]) for r in rows] == [("r1", "ansible"), ("r1", "ansible"), ("r2", "ansible")]
    detail = json.loads(rows[0]["detail"])
    assert detail["action"] == "ansible.netcommon.netconf_config"
    assert detail["task"] == "Describe ge-0/0/1" and detail["play"] == "Change the routers"
    assert set(detail) == {"action", "task", "play", "user"}
    assert json.loads(rows[1]["detail"])["action"] == "junipernetworks.junos.junos_config"
    assert all("SECRET" not in r["detail"] for r in rows)
    assert display.lines == ["netsync.fleet.commit_notify: 3 change(s) notified for 2 device(s)"]
    assert display.warnings == []


def test_ignored_results(store_url: str) -> None:
    plugin, display = make({"store": store_url})
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"), changed=False)
    ok(plugin, "r1", FakeTask("junipernetworks.junos.junos_command"))
    ok(plugin, "r1", FakeTask("ansible.builtin.debug"))
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config", check_mode=True))
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"), check_mode=True)
    plugin.v2_playbook_on_stats(None)
    assert inbox(store_url) == []
    assert display.lines == ["netsync.fleet.commit_notify: 0 change(s) notified for 0 device(s)"]
    assert display.warnings == []


def test_unknown_hosts_counted_and_warned_once(store_url: str) -> None:
    plugin, display = make({"store": store_url})
    for host in ("x1", "x1", "x2"):
        ok(plugin, host, FakeTask("ansible.netcommon.netconf_config"))
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    plugin.v2_playbook_on_stats(None)
    assert [r["device"] for r in inbox(store_url)] == ["r1"]
    assert len(display.warnings) == 1 and "x1" in display.warnings[0]
    assert display.lines == ["netsync.fleet.commit_notify: 1 change(s) notified for 1 device(s); "
                             "3 change(s) on 2 host(s) not in the store: x1, x2"]


def test_configured_modules_and_source(store_url: str) -> None:
    plugin, display = make({"store": store_url, "modules": ["my.ns.push", "set_config"], "source": "ci"})
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))  # not in the configured list
    ok(plugin, "r1", FakeTask("my.ns.push"))
    ok(plugin, "r2", FakeTask("set_config", resolved="other.ns.set_config"))
    plugin.v2_playbook_on_stats(None)
    rows = inbox(store_url)
    assert [(r["device"], r["source"]) for r in rows] == [("r1", "ci"), ("r2", "ci")]
    assert display.lines == ["netsync.fleet.commit_notify: 2 change(s) notified for 2 device(s)"]


def test_broken_store_warns_once_and_never_raises(store_url: str) -> None:
    Path(store_url).write_bytes(b"this is not a database" * 100)
    plugin, display = make({"store": store_url})
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    ok(plugin, "r2", FakeTask("ansible.netcommon.netconf_config"))
    plugin.v2_playbook_on_stats(None)
    assert plugin.disabled is True
    assert len(display.warnings) == 1 and "disabled" in display.warnings[0]
    assert display.lines == []


def test_store_failing_mid_run_disables(store_url: str) -> None:
    plugin, display = make({"store": store_url})
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    assert plugin._store is not None
    plugin._store.close()  # the handle breaks under the plugin
    ok(plugin, "r2", FakeTask("ansible.netcommon.netconf_config"))
    ok(plugin, "r2", FakeTask("ansible.netcommon.netconf_config"))
    assert plugin.disabled is True and len(display.warnings) == 1
    assert [r["device"] for r in inbox(store_url)] == ["r1"]


def test_no_store_configured_and_no_default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETSYNC_STORE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    plugin, display = make({})
    assert plugin.disabled is True
    assert len(display.warnings) == 1 and "no store configured" in display.warnings[0]
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    assert not (tmp_path / ".netsync").exists()


def test_default_store_file_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETSYNC_STORE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netsync").mkdir()
    url = str(tmp_path / ".netsync" / "fleet.db")
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
    plugin, display = make({})
    assert plugin.disabled is False
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    plugin.v2_playbook_on_stats(None)
    assert [r["device"] for r in inbox(url)] == ["r1"]
    assert display.warnings == []


def test_missing_configured_store_file_is_not_created(tmp_path: Path) -> None:
    url = str(tmp_path / "absent.db")
    plugin, display = make({"store": url})
    assert plugin.disabled is True and "does not exist" in display.warnings[0]
    ok(plugin, "r1", FakeTask("ansible.netcommon.netconf_config"))
    assert not Path(url).exists()


def test_module_matches() -> None:
    assert cn.module_matches({"a.b.c"}, set(), "a.b.c")
    assert cn.module_matches(set(), {"c"}, "x.y.c")
    assert not cn.module_matches({"a.b.c"}, set(), "c")
    assert cn.module_matches({"a.b.c"}, set(), "c", "a.b.c")
    assert not cn.module_matches({"a.b.c"}, {"d"}, None, "")
