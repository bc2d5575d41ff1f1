"""A master sync cycle stopped part-way (SIGKILL of the process, or an exception) loses no host: the next
cycle leaves exactly the host documents of one uninterrupted cycle on the same data."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import refresh_due, run_cycle
from tests.support.datagen import ietf_config, put_device
from tests.system.federation.master import expected_hosts, hosts, killed_run

pytestmark = pytest.mark.system  # child servers

def test_reference_cycle_has_every_device(two_sites: dict[str, Any]) -> None:
    assert sorted(two_sites["expected"]) == sorted("sw%d" % i for i in range(12))


@pytest.mark.parametrize("after", [2, 4, 6])
def test_a_cycle_killed_after_some_batches_loses_no_host(two_sites: dict[str, Any], after: int) -> None:
    kill_cycle(two_sites, after)
    master = st.open_store(two_sites["url"])
    try:
        stored = master.fed_topology.index("a") | master.fed_topology.index("b")
        assert stored, "the killed cycle stored no object: it did not stop part-way"
        assert refresh_due(master.fed_topology, two_sites["config"], master.clock())  # no last_pull saved: due
        rep = run_cycle(master.fed_topology, two_sites["config"])
        assert all(r.ok for r in rep.children.values()), rep.warnings
        assert sorted(set(two_sites["expected"]) - set(hosts(master))) == []  # no host lost
        assert hosts(master) == two_sites["expected"]
        assert not refresh_due(master.fed_topology, two_sites["config"], master.clock())
        # the cycle after stays incremental: nothing changed, nothing fetched, nothing merged
        rep = run_cycle(master.fed_topology, two_sites["config"])
        assert [r.fetched for r in rep.children.values()] == [0, 0] and rep.merged["hosts"] == 0
        assert hosts(master) == two_sites["expected"]
    finally:
        master.close()


def kill_cycle(two_sites: dict[str, Any], after: int) -> None:
    """Run one cycle in a process that SIGKILLs itself when it has stored ``after`` batches."""
    proc = subprocess.run(killed_run(two_sites, after, "cycle"), capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": ":".join(sys.path)})
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr


def test_an_incremental_cycle_killed_part_way_loses_no_change(two_sites: dict[str, Any], tmp_path: Path) -> None:
    master = st.open_store(two_sites["url"])
    try:
        run_cycle(master.fed_topology, two_sites["config"])
        for i in (0, 1, 2, 3):  # a new interface each (merged in full): 4 devices, 3 objects each, 12 changes
            put_device(two_sites["stores"]["a"], "sw%d" % i, "netconf", ietf_config("sw%d" % i, 3))
        kill_cycle(two_sites, 2)  # 2 pages of 4 stored of the 3 the change takes
        assert master.fed_topology.pulls.all()["a"]["cursor"] > 0
        rep = run_cycle(master.fed_topology, two_sites["config"])
        assert rep.children["a"].fetched == 4  # incremental: only the last page was left to pull
        expected = expected_hosts(two_sites["config"], tmp_path / "reference-2.db")
        assert [sorted(hosts(master)[d]["vars"]["netsync_interfaces"]) for d in ("sw0", "sw3")] == \
            [["eth0", "eth1", "eth2"]] * 2
        assert hosts(master) == expected
    finally:
        master.close()


def test_a_cycle_stopped_by_an_exception_loses_no_host(two_sites: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = sync.apply_objects, []

    def apply_then_fail(*args: Any, **kwargs: Any) -> Any:
        if len(calls) == 4:
            raise KeyError("injected after 4 stored batches")  # an internal error: it stops the cycle
        calls.append(1)
        return real(*args, **kwargs)

    master = st.open_store(two_sites["url"])
    try:
        monkeypatch.setattr(sync, "apply_objects", apply_then_fail)
        with pytest.raises(KeyError, match="injected"):
            run_cycle(master.fed_topology, two_sites["config"])
        monkeypatch.setattr(sync, "apply_objects", real)
        run_cycle(master.fed_topology, two_sites["config"])
        assert sorted(set(two_sites["expected"]) - set(hosts(master))) == []  # no host lost
        assert hosts(master) == two_sites["expected"]
    finally:
        master.close()
