"""Two in-process child servers on loopback and a federation configuration naming them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import AlarmConfig
from tests.system.federation.servers import ThreadChild

TOKEN = "t0ken-for-tests-0123456789"


class Fed:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.stores: dict[str, st.Store] = {}
        self.children: dict[str, ThreadChild] = {}
        self.path = tmp / "sites.federation.yml"
        self.master = str(tmp / "master.db")

    def start(self, name: str, clock_offset: float = 0.0) -> ThreadChild:
        if name not in self.stores:
            self.stores[name] = st.open_store(str(self.tmp / ("%s.db" % name)))
        cfg = server_config(store=self.stores[name], site=name, token=TOKEN, max_page=50, refresh_interval=0,
                           clock_offset=clock_offset, alarms=AlarmConfig(evaluate_every=0))
        self.children[name] = ThreadChild(cfg).start()
        return self.children[name]

    def write(self, **extra: Any) -> Path:
        doc = {"plugin": "netsync.fleet.federation", "store": self.master,
               "children": [{"name": n, "url": c.url, "token": TOKEN} for n, c in self.children.items()]}
        doc.update(extra)
        self.path.write_text(yaml.safe_dump(doc))
        return self.path

    def requests(self, name: str, endpoint: str) -> int:
        return int(self.children[name].counters.get(endpoint, {}).get("requests", 0))

    def stop(self) -> None:
        for child in self.children.values():
            child.stop()
        for store in self.stores.values():
            store.close()


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Fed]:
    f = Fed(tmp_path)
    try:
        f.start("east")
        f.start("west")
        f.write()
        yield f
    finally:
        f.stop()
