"""The simulator's set/json/compare renderings and leaf parsing (no server)."""

from __future__ import annotations

import copy
import json

from tests.sims.junos_config import default_config
from tests.sims.junos_formats import compare, render_json, render_set
from tests.sims.junos_text import apply_set_lines, parse_text, render_text


def _config():  # type: ignore[no-untyped-def]
    return default_config("r1", "21.4R3.15", ["admin"])


def test_value_leaves_are_leaves_not_containers() -> None:
    root = _config()
    apply_set_lines(root, ["set system location building B7", "set snmp location lab"])
    building = root.find("system/location/building")
    assert building is not None and building.text == "B7" and len(building) == 0
    assert root.findtext("snmp/location") == "lab"
    assert "building B7;" in render_text(root)
    assert parse_text(render_text(root)).findtext("system/location/building") == "B7"


def test_flags_stay_flags() -> None:
    root = _config()
    apply_set_lines(root, ["set interfaces ge-0/0/1 unit 0 family inet6", "set system services netconf ssh"])
    assert root.find("interfaces/interface[name='ge-0/0/1']/unit/family/inet6") is not None
    assert "set interfaces ge-0/0/1 unit 0 family inet6" in render_set(root).splitlines()


def test_display_set_round_trips() -> None:
    root = _config()
    apply_set_lines(root, ["set system location building B7"])
    lines = render_set(root).splitlines()
    assert lines[:2] == ["set version 21.4R3.15", "set system host-name r1"]
    again = _config()
    for child in list(again):
        again.remove(child)
    apply_set_lines(again, lines)
    assert render_text(again) == render_text(root)


def test_json_shapes() -> None:
    data = json.loads(render_json(_config(), {"commit-user": "ops"}))["configuration"]
    assert data["@"] == {"junos:commit-user": "ops"}
    assert data["system"]["services"]["ssh"] == [None]
    assert data["routing-options"]["static"]["route"] == [{"name": "0.0.0.0/0", "next-hop": ["192.0.2.2"]}]


def test_compare_blocks() -> None:
    old = _config()
    new = copy.deepcopy(old)
    apply_set_lines(new, ["set interfaces ge-0/0/1 description uplink", "delete routing-options"])
    assert compare(old, old) == "\n"
    assert compare(old, new) == (
        "\n[edit]\n-   routing-options {\n-       static {\n-           route 0.0.0.0/0 {\n"
        "-               next-hop 192.0.2.2;\n-           }\n-       }\n-   }\n"
        "[edit interfaces ge-0/0/1]\n-   description \"to access\";\n+   description uplink;\n"
    )
