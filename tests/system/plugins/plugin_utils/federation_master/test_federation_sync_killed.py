"""A master sync cycle stopped part-way (SIGKILL of the process, or an exception) loses no host: the next
cycle leaves exactly the host documents of one uninterrupted cycle on the same data."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    ChildSpec,
    FederationConfig,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import refresh_due, run_cycle
from tests.support.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ThreadChild

pytestmark = pytest.mark.system  # child servers

TOKEN = "t0ken-for-tests-0123456789"
DEVICES = {"a": ["sw%d" % i for i in range(0, 8)], "b": ["sw%d" % i for i in range(6, 12)]}  # sw6, sw7 on both

# The killed cycle: a process that runs one cycle and SIGKILLs itself when it has stored N batches of objects
# (each with its cursor) and is about to store the next one.
KILLER = """
import os, signal, sys
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import ChildSpec, FederationConfig
url, token, after, children = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
real, calls = sync.apply_objects, []
def apply_then_die(copies, child, objects, deleted):
    if objects or deleted:  # a batch to store (a page without changes is not counted)
        if len(calls) == after:
            os.kill(os.getpid(), signal.SIGKILL)
        calls.append(1)
    return real(copies, child, objects, deleted)
sync.apply_objects = apply_then_die
master = st.open_store(url)
config = FederationConfig([ChildSpec(c.split("=", 1)[0], c.split("=", 1)[1], token) for c in children],
                          page_size=4, timeout=10)
sync.run_cycle(master.fed_topology, config)
print("cycle ended without being killed")
"""


@pytest.fixture
def fed(tmp_path: Path, master_url: str) -> Iterator[dict[str, Any]]:
    """Two children (a: sw0..sw7, b: sw6..sw11), the master store under test and a reference master (SQLite)."""
    stores, servers = {}, {}
    try:
        for name, devices in DEVICES.items():
            stores[name] = st.open_store(str(tmp_path / ("%s.db" % name)))
            fill(stores[name], devices, 2)
            servers[name] = ThreadChild(server_config(store=stores[name], site="site-" + name, token=TOKEN,
                                                     max_page=4, refresh_interval=0)).start()
        config = FederationConfig([ChildSpec(n, s.url, TOKEN) for n, s in servers.items()], page_size=4,
                                  timeout=10)
        reference = st.open_store(str(tmp_path / "reference.db"))
        run_cycle(reference.fed_topology, config)  # one uninterrupted cycle on the same data
        expected = hosts(reference)
        reference.close()
        yield {"url": master_url, "stores": stores, "servers": servers, "config": config, "expected": expected}
    finally:
        for srv in servers.values():
            srv.stop()
        for s in stores.values():
            s.close()


def hosts(master: st.Store) -> dict[str, dict[str, Any]]:
    return {h["name"]: h for h in master.fed_topology.hosts()}


def test_reference_cycle_has_every_device(fed: dict[str, Any]) -> None:
    assert sorted(fed["expected"]) == sorted("sw%d" % i for i in range(12))


@pytest.mark.parametrize("after", [2, 4, 6])
def test_a_cycle_killed_after_some_batches_loses_no_host(fed: dict[str, Any], after: int) -> None:
    kill_cycle(fed, after)
    master = st.open_store(fed["url"])
    try:
        stored = master.fed_topology.index("a") | master.fed_topology.index("b")
        assert stored, "the killed cycle stored no object: it did not stop part-way"
        assert refresh_due(master.fed_topology, fed["config"], master.clock())  # no last_pull saved: due
        rep = run_cycle(master.fed_topology, fed["config"])
        assert all(r.ok for r in rep.children.values()), rep.warnings
        assert sorted(set(fed["expected"]) - set(hosts(master))) == []  # no host lost
        assert hosts(master) == fed["expected"]
        assert not refresh_due(master.fed_topology, fed["config"], master.clock())
        # the cycle after stays incremental: nothing changed, nothing fetched, nothing merged
        rep = run_cycle(master.fed_topology, fed["config"])
        assert [r.fetched for r in rep.children.values()] == [0, 0] and rep.merged["hosts"] == 0
        assert hosts(master) == fed["expected"]
    finally:
        master.close()


def kill_cycle(fed: dict[str, Any], after: int) -> None:
    """Run one cycle in a process that SIGKILLs itself when it has stored ``after`` batches."""
    children = ["%s=%s" % (n, s.url) for n, s in fed["servers"].items()]
    proc = subprocess.run([sys.executable, "-c", KILLER, fed["url"], TOKEN, str(after)] + children,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": ":".join(sys.path)})
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr


def test_an_incremental_cycle_killed_part_way_loses_no_change(fed: dict[str, Any], tmp_path: Path) -> None:
    master = st.open_store(fed["url"])
    try:
        run_cycle(master.fed_topology, fed["config"])
        for i in (0, 1, 2, 3):  # a new interface each (merged in full): 4 devices, 3 objects each, 12 changes
            put_device(fed["stores"]["a"], "sw%d" % i, "netconf", ietf_config("sw%d" % i, 3))
        kill_cycle(fed, 2)  # 2 pages of 4 stored of the 3 the change takes
        assert master.fed_topology.pulls.all()["a"]["cursor"] > 0
        rep = run_cycle(master.fed_topology, fed["config"])
        assert rep.children["a"].fetched == 4  # incremental: only the last page was left to pull
        reference = st.open_store(str(tmp_path / "reference-2.db"))
        run_cycle(reference.fed_topology, fed["config"])
        expected = hosts(reference)
        reference.close()
        assert [sorted(hosts(master)[d]["vars"]["netsync_interfaces"]) for d in ("sw0", "sw3")] == \
            [["eth0", "eth1", "eth2"]] * 2
        assert hosts(master) == expected
    finally:
        master.close()


def test_a_cycle_stopped_by_an_exception_loses_no_host(fed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = sync.apply_objects, []

    def apply_then_fail(*args: Any, **kwargs: Any) -> Any:
        if len(calls) == 4:
            raise KeyError("injected after 4 stored batches")  # an internal error: it stops the cycle
        calls.append(1)
        return real(*args, **kwargs)

    master = st.open_store(fed["url"])
    try:
        monkeypatch.setattr(sync, "apply_objects", apply_then_fail)
        with pytest.raises(KeyError, match="injected"):
            run_cycle(master.fed_topology, fed["config"])
        monkeypatch.setattr(sync, "apply_objects", real)
        run_cycle(master.fed_topology, fed["config"])
        assert sorted(set(fed["expected"]) - set(hosts(master))) == []  # no host lost
        assert hosts(master) == fed["expected"]
    finally:
        master.close()
