"""populate() through the inventory proxy ansible-core 2.19 gives plugins: values set on the Host as
parsed (no copy, no Origin tag), never trusted, never templated; answering from the cache imports no
HTTP client."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
from ansible.inventory.data import InventoryData
from ansible.inventory.manager import _InventoryDataWrapper
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import populate

TEMPLATE = "{{ lookup('pipe','id') }}"
DOC = {"name": "r1", "groups": ["site_x", "child_a"],
       "vars": {"netsync_device": {"name": "r1", "model": TEMPLATE, "last_synced": 12.5},
                "netsync_interfaces": {"e0": {"addresses": ["10.0.0.1/24"], "mtu": 1500, "enabled": True}},
                "netsync_stale": False, "netsync_version": 3}}


class Plugin:
    """What populate() needs of the plugin: ``inventory`` (the proxy ansible-core passes to parse) and options."""

    trusted_by_default = False

    def __init__(self) -> None:
        self.data = InventoryData()
        self.inventory = _InventoryDataWrapper(self.data, target_plugin=self, origin=Origin(description="<test>"))

    def get_option(self, name: str) -> Any:
        return None


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in leaves(v)]
    return [value]


def populated(*docs: Any) -> Plugin:
    plugin = Plugin()
    assert populate(plugin, {"format": 2, "hosts": [json.dumps(d) for d in docs]}) == len(docs)
    return plugin


def test_values_are_set_as_parsed_untagged_and_untrusted() -> None:
    hv = populated(DOC).data.get_host("r1").vars
    assert {k: hv[k] for k in DOC["vars"]} == DOC["vars"]
    values = leaves({k: hv[k] for k in DOC["vars"]})
    assert len(values) == 8
    # the proxy's visitor would have copied each value into a tagged one (Origin on every value)
    assert [v for v in values if Origin.is_tagged_on(v) or TrustedAsTemplate.is_tagged_on(v)] == []
    assert {type(v) for v in values} == {str, float, int, bool}
    assert type(hv["netsync_interfaces"]) is dict and type(hv["netsync_interfaces"]["e0"]["addresses"]) is list


def test_hosts_and_groups() -> None:
    other = dict(DOC, name="r2", groups=["site_x"])
    data = populated(DOC, other).data
    assert sorted(h.name for h in data.groups["site_x"].get_hosts()) == ["r1", "r2"]
    assert [h.name for h in data.groups["child_a"].get_hosts()] == ["r1"]


def test_each_host_gets_its_own_objects() -> None:
    other = dict(DOC, name="r2")
    data = populated(DOC, other).data
    a, b = data.get_host("r1").vars, data.get_host("r2").vars
    assert a["netsync_interfaces"] == b["netsync_interfaces"]
    assert a["netsync_interfaces"] is not b["netsync_interfaces"]
    a["netsync_interfaces"]["e0"]["addresses"].append("x")
    assert b["netsync_interfaces"]["e0"]["addresses"] == ["10.0.0.1/24"]


def test_a_remote_template_is_never_rendered() -> None:
    host = populated(DOC).data.get_host("r1")
    templar = Templar(loader=DataLoader(), variables=host.get_vars())
    rendered = templar.template(TrustedAsTemplate().tag("{{ netsync_device.model }}"))
    assert rendered == TEMPLATE


def test_a_trusted_tagged_text_still_gives_untrusted_values() -> None:
    plugin = Plugin()
    populate(plugin, {"format": 2, "hosts": [TrustedAsTemplate().tag(json.dumps(DOC))]})
    model = plugin.data.get_host("r1").vars["netsync_device"]["model"]
    assert model == TEMPLATE and not TrustedAsTemplate.is_tagged_on(model)


def test_loading_the_plugin_imports_no_http_client_nor_store() -> None:
    code = ("import sys; import ansible_collections.netsync.fleet.plugins.inventory.federation; "
            "print(sorted(m for m in ('aiohttp', 'ansible_collections.netsync.fleet.plugins.module_utils.store', "
            "'ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.sync') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(sys.path)})
    assert out.stdout.strip() == "[]"
