"""Device secrets never show in the modules' output unless asked for; a changed secret still shows."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import run_device_info

CONFIG = ("<configuration><system><host-name>r1</host-name><root-authentication>"
          "<encrypted-password>{pw}</encrypted-password></root-authentication></system>"
          "<snmp><community><name>{community}</name><authorization>read-only</authorization></community></snmp>"
          "</configuration>")


def _snapshot(store: st.Store, pw: str, community: str) -> None:
    xml = CONFIG.format(pw=pw, community=community)
    text = render(etree.fromstring(xml))
    store.devices.add_snapshot("r1", "junos-xml", xml, text, sha256_text(text), None, None)


def test_config_and_diff_are_masked_and_a_changed_secret_shows(tmp_path: Path) -> None:
    path = str(tmp_path / "fleet.db")
    with st.open_store(path) as store:
        store.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
        _snapshot(store, "$6$old$hash", "s3cret-comm")
        _snapshot(store, "$6$new$hash", "s3cret-comm")
    out = run_device_info({"store": path, "name": "r1", "version": 2, "history": 0})
    for field in ("config", "config_xml"):
        assert "$6$new$hash" not in out[field] and "s3cret-comm" not in out[field]
        assert "secret:" in out[field]
    diff = run_device_info({"store": path, "name": "r1", "diff_from": 1, "diff_to": 2, "history": 0})["diff"]
    assert "$6$" not in diff and "s3cret-comm" not in diff
    # Junos diffs are pasteable `delete`/`set` lines: the changed secret is one `set` of its new marker
    (changed,) = diff.splitlines()
    assert changed.startswith("set system root-authentication encrypted-password <secret:")
    clear = run_device_info({"store": path, "name": "r1", "version": 2, "history": 0, "show_secrets": True})
    assert "$6$new$hash" in clear["config"] and "s3cret-comm" in clear["config_xml"]


def test_markers_are_stable_within_a_store_and_differ_between_stores(tmp_path: Path) -> None:
    outs = []
    for n in (1, 2):
        path = str(tmp_path / ("s%d.db" % n))
        with st.open_store(path) as store:
            store.devices.upsert("r1", "10.0.0.1", 830, "junos", {})
            _snapshot(store, "$6$same", "c")
        outs.append(run_device_info({"store": path, "name": "r1", "version": 1, "history": 0})["config"])
        assert outs[-1] == run_device_info({"store": path, "name": "r1", "version": 1, "history": 0})["config"]
    assert outs[0] != outs[1]
