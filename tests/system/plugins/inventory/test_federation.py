"""The netsync.fleet.federation inventory plugin in-process: hosts, groups, unsafe values, cache, constructed."""
from __future__ import annotations

import http.server
import json
import subprocess
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from ansible.inventory.data import InventoryData

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import config_from_options
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import populate
from tests.support.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ThreadChild
from tests.system.helpers import REPO, VENV_BIN, ansible_env

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes

TOKEN = "t0ken-for-tests-0123456789"
TEMPLATE = "{{ lookup('pipe','id') }}"


class Garbage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html>definitely not json")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    store = st.open_store(str(tmp_path / "site.db"))
    fill(store, ["sw1", "sw2"], 2)
    put_device(store, "sw1", "netconf", ietf_config("sw1", 2, descriptions={0: TEMPLATE}))
    srv = ThreadChild(server_config(store=store, site="paris", token=TOKEN, refresh_interval=0)).start()
    garbage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=garbage.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"store": store, "server": srv, "garbage": "http://127.0.0.1:%d" % garbage.server_port,
               "tmp": tmp_path}
    finally:
        garbage.shutdown()
        garbage.server_close()
        srv.stop()
        store.close()


def write_config(site: dict[str, Any], **extra: Any) -> Path:
    token_file = site["tmp"] / "paris.token"
    token_file.write_text(TOKEN + "\n")
    cfg = {"plugin": "netsync.fleet.federation", "store": str(site["tmp"] / "master.db"),
           "children": [{"name": "paris", "url": site["server"].url, "token_file": "paris.token"},
                        {"name": "junk", "url": site["garbage"], "token": "x" * 20}]}
    cfg.update(extra)
    path = site["tmp"] / "sites.federation.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def inventory(path: Path) -> dict[str, Any]:
    """Real ``ansible-inventory --list`` (the collection found through the repo's ansible.cfg)."""
    env = ansible_env(str(path.parent / "unused.db"), ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    proc = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(path), "--list"], cwd=str(REPO),
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    data["stderr"] = proc.stderr
    return data


def hostnames(data: dict[str, Any]) -> list[str]:
    return sorted(data["_meta"]["hostvars"])


def test_hosts_groups_and_warnings(site: dict[str, Any]) -> None:
    data = inventory(write_config(site))
    assert hostnames(data) == ["sw1", "sw2"]
    assert sorted(set(data) - {"_meta", "stderr"}) == ["all", "child_paris", "platform_netconf", "site_paris"]
    assert "child_junk" not in data  # the garbage child contributed nothing
    assert "federation child junk" in data["stderr"] and "stale" in data["stderr"]
    sw1 = data["_meta"]["hostvars"]["sw1"]
    # marked unsafe (ansible-inventory prints unsafe text so), never templated
    assert sw1["netsync_interfaces"]["eth0"]["description"] == {"__ansible_unsafe": TEMPLATE}
    assert sw1["netsync_sources"] == [{"__ansible_unsafe": "paris"}]
    with st.open_store(str(site["tmp"] / "master.db")) as master:
        state = master.fed_topology.pulls.all()
    assert state["junk"]["stale"] == 1 and "malformed" in state["junk"]["error"]


def test_between_refreshes_children_are_not_contacted(site: dict[str, Any]) -> None:
    path = write_config(site)
    inventory(path)
    site["server"].reset_counters()
    put_device(site["store"], "sw3", "netconf", ietf_config("sw3", 1))
    assert "sw3" not in hostnames(inventory(path))  # refresh_interval 300 s: from the master's store
    assert site["server"].counters == {}
    assert "sw3" in hostnames(inventory(write_config(site, refresh_interval=0)))
    assert site["server"].counters["/topology/changes"]["objects"] == 3  # only sw3's objects


def test_inventory_cache_and_constructed(site: dict[str, Any]) -> None:
    path = write_config(site, cache=True, cache_plugin="ansible.builtin.jsonfile",
                        cache_connection=str(site["tmp"] / "cache"), refresh_interval=0,
                        compose={"iface_count": "netsync_interfaces | length"},
                        groups={"big": "netsync_interfaces | length > 1"},
                        keyed_groups=[{"key": "netsync_device.model", "prefix": "model"}])
    data = inventory(path)
    assert data["_meta"]["hostvars"]["sw2"]["iface_count"] == 2
    assert "big" in data and "model_gen" in data
    site["server"].reset_counters()
    data = inventory(path)  # from the inventory cache: no child contacted
    assert hostnames(data) == ["sw1", "sw2"] and site["server"].counters == {}


class FakePlugin:
    def __init__(self) -> None:
        self.inventory = InventoryData()

    def get_option(self, name: str) -> Any:
        return None


def test_populate_marks_every_remote_value_unsafe() -> None:
    """Even a host that arrives marked trusted-as-template (it never should) leaves populate() untrusted."""
    from ansible._internal._datatag._tags import TrustedAsTemplate

    plugin = FakePlugin()
    doc = {"name": "r1", "groups": ["site_x"],
           "vars": {"netsync_device": {"name": "r1", "model": TEMPLATE},
                    "netsync_interfaces": {"e0": {"addresses": ["10.0.0.1/24"]}}}}
    trusted = TrustedAsTemplate().tag(json.dumps(doc))
    assert TrustedAsTemplate.is_tagged_on(trusted)
    assert populate(plugin, {"format": 2, "hosts": [trusted]}) == 1
    hv = plugin.inventory.get_host("r1").vars
    assert hv["netsync_device"]["model"] == TEMPLATE
    assert not TrustedAsTemplate.is_tagged_on(hv["netsync_device"]["model"])
    assert not TrustedAsTemplate.is_tagged_on(hv["netsync_interfaces"]["e0"]["addresses"][0])
    assert [h.name for h in plugin.inventory.groups["site_x"].get_hosts()] == ["r1"]


@pytest.mark.parametrize("options,message", [
    ({"children": [{"name": "a b", "url": "https://x", "token": "t"}]}, "child name"),
    ({"children": [{"name": "a", "url": "ftp://x", "token": "t"}]}, "url must start"),
    ({"children": [{"name": "a", "url": "https://x"}]}, "token"),
    ({"children": [{"name": "a", "url": "https://x", "token": "t"}] * 2}, "unique"),
    ({"children": [], "page_size": 0}, "page_size"),
    ({"children": [], "refresh_interval": -1}, "refresh_interval"),
])
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_options(options)
