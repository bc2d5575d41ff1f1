"""The action's options reach the validator as plain values: tagged inventory values (ansible-core
2.19 tags every inventory string with its origin) are turned into their plain types, nested too."""
from __future__ import annotations

from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
from ansible.module_utils._internal._datatag import AnsibleTagHelper

from ansible_collections.netsync.fleet.plugins.plugin_utils.action import native


def tagged(value: object) -> object:
    return TrustedAsTemplate().tag(Origin(path="/inv.yml", line_num=3).tag(value))


def test_tagged_scalars_become_plain_in_nested_containers() -> None:
    args = {"host": tagged("10.0.0.1"), "port": Origin(path="/inv.yml").tag(830), "timeout": Origin(path="/i").tag(1.5),
            "extra": {"k": [tagged("v")]}, "flag": True, "none": None, "plain": "x"}
    out = native(args)
    assert out == {"host": "10.0.0.1", "port": 830, "timeout": 1.5, "extra": {"k": ["v"]}, "flag": True,
                   "none": None, "plain": "x"}
    assert [type(out[k]) for k in ("host", "port", "timeout", "flag")] == [str, int, float, bool]
    assert type(out["extra"]["k"][0]) is str
    assert not AnsibleTagHelper.tags(out["host"]) and AnsibleTagHelper.tags(args["host"])  # the input is left alone
