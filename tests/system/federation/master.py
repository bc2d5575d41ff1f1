"""Two child servers and a reference master for the master's sync tests (``fed`` fixture in
``tests/system/plugins/plugin_utils/federation_master/conftest.py``)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    ChildSpec,
    FederationConfig,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync import run_cycle
from tests.support.datagen import fill
from tests.system.federation.servers import ThreadChild

TOKEN = "t0ken-for-tests-0123456789"
DEVICES = {"a": ["sw%d" % i for i in range(0, 8)], "b": ["sw%d" % i for i in range(6, 12)]}  # sw6, sw7 on both


def hosts(master: st.Store) -> dict[str, dict[str, Any]]:
    """The master's merged host documents by name."""
    return {h["name"]: h for h in master.fed_topology.hosts()}


def expected_hosts(config: FederationConfig, path: Path) -> dict[str, dict[str, Any]]:
    """The host documents one uninterrupted cycle leaves in a new master store at ``path``."""
    reference = st.open_store(str(path))
    try:
        run_cycle(reference.fed_topology, config)
        return hosts(reference)
    finally:
        reference.close()


@contextmanager
def two_children(tmp_path: Path, master_url: str) -> Iterator[dict[str, Any]]:
    """Children a (sw0..sw7) and b (sw6..sw11), pages of 4; ``expected``: a reference cycle's hosts."""
    stores, servers = {}, {}
    try:
        for name, devices in DEVICES.items():
            stores[name] = st.open_store(str(tmp_path / ("%s.db" % name)))
            fill(stores[name], devices, 2)
            servers[name] = ThreadChild(server_config(store=stores[name], site="site-" + name, token=TOKEN,
                                                     max_page=4, refresh_interval=0)).start()
        config = FederationConfig([ChildSpec(n, s.url, TOKEN) for n, s in servers.items()], page_size=4,
                                  timeout=10)
        expected = expected_hosts(config, tmp_path / "reference.db")
        yield {"url": master_url, "stores": stores, "servers": servers, "config": config, "expected": expected}
    finally:
        for srv in servers.values():
            srv.stop()
        for s in stores.values():
            s.close()


# A run of the master that SIGKILLs itself when it has stored ``after`` batches of objects (each with its
# cursor) and is about to store the next one. Arguments: store URL, token, after, marker, what to run
# (``cycle``: sync.run_cycle; ``inventory``: inventory_data, which takes the sync lock), then the children
# as ``name=url``. With a marker path (not ``-``) it first writes its pid there and waits 2 s (another
# run starts meanwhile).
KILLED_RUN = """
import os, pathlib, signal, sys, time
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import ChildSpec, FederationConfig
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import inventory_data
url, token, after, marker, entry, children = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], \
    sys.argv[6:]
real, calls = sync.apply_objects, []
def apply_then_die(copies, child, objects, deleted):
    if objects or deleted:  # a batch to store (a page without changes is not counted)
        if len(calls) == after:
            if marker != "-":
                pathlib.Path(marker).write_text(str(os.getpid()))
                time.sleep(2)
            os.kill(os.getpid(), signal.SIGKILL)
        calls.append(1)
    return real(copies, child, objects, deleted)
sync.apply_objects = apply_then_die
master = st.open_store(url)
config = FederationConfig([ChildSpec(c.split("=", 1)[0], c.split("=", 1)[1], token) for c in children],
                          page_size=4, timeout=10)
if entry == "cycle":
    sync.run_cycle(master.fed_topology, config)
else:
    inventory_data(master.fed_topology, config)
print("the run ended without being killed")
"""


def killed_run(sites: dict[str, Any], after: int, entry: str, marker: str = "-") -> list[str]:
    """The command line of ``KILLED_RUN`` against ``sites`` (``two_children``)."""
    children = ["%s=%s" % (n, s.url) for n, s in sites["servers"].items()]
    return [sys.executable, "-c", KILLED_RUN, sites["url"], TOKEN, str(after), marker, entry] + children
