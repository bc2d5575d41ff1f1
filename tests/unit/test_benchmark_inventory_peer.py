"""The federation inventory benchmark's correctness check: it must refuse outputs that differ, or that print a
host variable string trusted, before any time is reported."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.federation.inventory_peer import check_same, normalised, unsafe

VARS = {"netsync_device": {"name": "r1", "model": "{{ x }}"},
        "netsync_interfaces": {"e0": {"addresses": ["10.0.0.1/24"], "mtu": 1500}}}


def listing(hostvars: Any, members: list[str]) -> str:
    return json.dumps({"_meta": {"hostvars": hostvars}, "all": {"children": ["site_x", "ungrouped"]},
                       "site_x": {"hosts": members}})


def write(tmp_path: Path, ours: str, peer: str) -> None:
    (tmp_path / "ours.list.json").write_text(ours)
    (tmp_path / "peer.list.json").write_text(peer)


def test_unsafe_marks_every_string_only() -> None:
    assert unsafe(VARS)["netsync_interfaces"]["e0"] == {"addresses": [{"__ansible_unsafe": "10.0.0.1/24"}],
                                                        "mtu": 1500}


def test_same_hosts_in_another_order_pass(tmp_path: Path) -> None:
    hv = {"r1": unsafe(VARS), "r2": unsafe(VARS)}
    write(tmp_path, listing(hv, ["r1", "r2"]), listing(hv, ["r2", "r1"]))
    assert check_same(tmp_path / "ours.list.json", tmp_path / "peer.list.json", 2) == \
        "same: 2 hosts, 2 groups, 6 unsafe strings"
    assert normalised(listing(hv, ["r2", "r1"]))["site_x"]["hosts"] == ["r1", "r2"]


@pytest.mark.parametrize("peer,hosts,message", [
    ({"r1": unsafe(dict(VARS, netsync_stale=True))}, 1, "differs"),
    ({"r1": unsafe(VARS)}, 2, "1 hosts, 2 expected"),
])
def test_different_outputs_are_refused(tmp_path: Path, peer: Any, hosts: int, message: str) -> None:
    write(tmp_path, listing({"r1": unsafe(VARS)}, ["r1"]), listing(peer, ["r1"]))
    with pytest.raises(AssertionError, match=message):
        check_same(tmp_path / "ours.list.json", tmp_path / "peer.list.json", hosts)


def test_a_trusted_string_on_both_sides_is_refused(tmp_path: Path) -> None:
    trusted = {"r1": dict(unsafe(VARS), netsync_device={"name": "r1", "model": "{{ x }}"})}
    write(tmp_path, listing(trusted, ["r1"]), listing(trusted, ["r1"]))
    with pytest.raises(AssertionError, match="2 host variable strings are printed trusted"):
        check_same(tmp_path / "ours.list.json", tmp_path / "peer.list.json", 1)
