"""Which resync tasks go through the batch."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.client import AUTO_MAX_HOSTS, enabled


class Task:
    loop = None
    loop_with = None
    delegate_to = None
    run_once = False
    connection = "local"

    def get_ds(self) -> dict[str, Any]:
        return {"netsync.fleet.resync": {}}


class Action:
    def __init__(self) -> None:
        self._task = Task()
        self._templar = self

    def template(self, value: Any) -> Any:
        return value


def task_vars(hosts: int, **extra: Any) -> dict[str, Any]:
    names = ["r%d" % i for i in range(hosts)]
    return dict({"ansible_play_batch": names, "inventory_hostname": "r0"}, **extra)


@pytest.mark.parametrize("hosts, setting, expected", [
    (2, None, False), (AUTO_MAX_HOSTS, None, False),  # off by default: the batch is opt-in
    (2, "auto", True), (AUTO_MAX_HOSTS, "auto", True), (AUTO_MAX_HOSTS + 1, "auto", False), (1, "auto", False),
    (AUTO_MAX_HOSTS + 1, True, True), (AUTO_MAX_HOSTS + 1, "yes", True), (5, False, False), (5, "no", False),
    (5, "auto", True), (5, "maybe", False),
])
def test_setting_and_play_size(hosts: int, setting: Any, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETSYNC_RESYNC_BATCH", raising=False)
    tv = task_vars(hosts) if setting is None else task_vars(hosts, netsync_resync_batch=setting)
    assert enabled(Action(), tv) is expected


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSYNC_RESYNC_BATCH", "auto")
    assert enabled(Action(), task_vars(5)) is True  # the environment turns it on
    monkeypatch.setenv("NETSYNC_RESYNC_BATCH", "0")
    assert enabled(Action(), task_vars(5)) is False
    assert enabled(Action(), task_vars(5, netsync_resync_batch=True)) is True  # the variable wins


@pytest.mark.parametrize("attr, value", [("loop", ["a"]), ("delegate_to", "localhost"), ("run_once", True),
                                         ("connection", "ansible.netcommon.network_cli")])
def test_per_host_path_for(attr: str, value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETSYNC_RESYNC_BATCH", raising=False)
    action = Action()
    assert enabled(action, task_vars(5, netsync_resync_batch="auto")) is True
    setattr(action._task, attr, value)
    assert enabled(action, task_vars(5, netsync_resync_batch="auto")) is False
