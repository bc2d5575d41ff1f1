"""Which tasks and hosts the fleet strategy runs in-process."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.eligible import (
    TASK_KEYWORDS_FOR_WORKERS, host_connection, host_in_process, task_verdict,
)

NAMES = {"netsync.fleet.resync": "netsync.fleet.resync", "resync": "netsync.fleet.resync",
         "ansible.builtin.debug": "ansible.builtin.debug", "debug": "ansible.builtin.debug"}


def resolve(name: str) -> Optional[str]:
    return NAMES.get(name)


def plain() -> dict[str, Any]:
    return {k: None for k in TASK_KEYWORDS_FOR_WORKERS}


@pytest.mark.parametrize("action", ["netsync.fleet.resync", "resync"])
def test_resync_by_full_or_short_name_runs_in_process(action: str) -> None:
    assert task_verdict(action, plain(), resolve) == (True, "netsync.fleet.resync")


@pytest.mark.parametrize("action,reason", [
    ("debug", "action ansible.builtin.debug"),
    ("nowhere.to.be", "action nowhere.to.be"),
    ("{{ my_action }}", "the action is templated"),
])
def test_other_actions_go_to_workers(action: str, reason: str) -> None:
    assert task_verdict(action, plain(), resolve) == (False, reason)


@pytest.mark.parametrize("keyword,value", [
    ("delegate_to", "localhost"), ("async_val", 30), ("timeout", 5), ("throttle", 2), ("loop", [1, 2]),
    ("loop_with", "items"), ("until", ["result is succeeded"]), ("throttle", "{{ n }}"),
])
def test_keywords_that_need_a_worker(keyword: str, value: Any) -> None:
    keywords = dict(plain(), **{keyword: value})
    assert task_verdict("netsync.fleet.resync", keywords, resolve) == (False, TASK_KEYWORDS_FOR_WORKERS[keyword])


@pytest.mark.parametrize("value", [None, 0, "", [], False])
def test_unset_keywords_do_not_count(value: Any) -> None:
    keywords = {k: value for k in TASK_KEYWORDS_FOR_WORKERS}
    assert task_verdict("resync", keywords, resolve)[0] is True


def test_host_connection_from_its_variables_then_the_task() -> None:
    upper = str.upper
    assert host_connection({"ansible_connection": "local"}, upper, "ssh") == "LOCAL"
    assert host_connection({}, upper, "ansible.netcommon.netconf") == "ansible.netcommon.netconf"
    assert host_connection({"ansible_connection": None}, upper, None) == ""


@pytest.mark.parametrize("connection,expected", [
    ("local", True), ("ansible.netcommon.netconf", True), ("", True),
    ("ansible.netcommon.network_cli", False), ("network_cli", False),
])
def test_persistent_cli_hosts_go_to_workers(connection: str, expected: bool) -> None:
    assert host_in_process(connection) is expected
