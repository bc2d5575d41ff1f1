"""Which tasks may skip ansible-core's task executor (pure logic: keyword values in, verdict out)."""
from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import direct


@pytest.mark.parametrize("value,expected", [
    ("plain", False), ("{{ x }}", True), ("{% if a %}b{% endif %}", True), (["a", "{{ b }}"], True),
    ({"k": "v"}, False), ({"k": ["{{ v }}"]}, True), ({"{{ k }}": "v"}, True), (3, False), (None, False),
])
def test_holds_template(value: object, expected: bool) -> None:
    assert direct.holds_template(value) is expected


def test_plain_keywords_go_direct() -> None:
    assert direct.why_not({"name": "Resync", "args": {"origin": "manual"}, "when": [], "register": "r",
                           "ignore_errors": True, "notify": ["h"], "vars": {"a": "{{ b }}"}}) is None


@pytest.mark.parametrize("keywords,reason", [
    ({"when": ["inventory_hostname == 'r1'"]}, "when"),
    ({"changed_when": ["false"]}, "changed_when"),
    ({"failed_when": ["x"]}, "failed_when"),
    ({"retries": 3}, "retries"),
    ({"become": True}, "become"),
    ({"args": {"origin": "{{ o }}"}}, "args is templated"),
    ({"module_defaults": [{"netsync.fleet.resync": {"timeout": "{{ t }}"}}]}, "module_defaults is templated"),
    ({"check_mode": "{{ dry }}"}, "check_mode is templated"),
])
def test_what_sends_a_task_through_the_executor(keywords: dict[str, object], reason: str) -> None:
    why = direct.why_not(keywords)
    assert why is not None and reason in why


@pytest.mark.parametrize("value,on", [(None, True), ("1", True), ("0", False), ("off", False), ("False", False),
                                      ("yes", True)])
def test_switch(value: str, on: bool) -> None:
    assert direct.direct_enabled({} if value is None else {direct.ENV: value}) is on
