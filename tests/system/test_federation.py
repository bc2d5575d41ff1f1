"""Federation end to end: three real child servers (the one command) on loopback over stores filled by
real resyncs (Junos simulator, netconfd) and by generated data; the master is ansible-inventory and
ansible-playbook with the netsync.fleet.federation inventory plugin."""
from __future__ import annotations

import json
import ssl
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.support.datagen import fill, ietf_config, put_device
from tests.system.federation.servers import ProcessChild, tls_children
from tests.system.helpers import REPO, VENV_BIN, ansible_env, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system
TEMPLATE = "{{ lookup('pipe','id') }}"


def unsafe(value: Any) -> Any:
    """How ansible-inventory --list prints text the plugin marked unsafe."""
    return {"__ansible_unsafe": value}


@pytest.fixture
def federation(tmp_path: Path, junos_sim: Callable[..., Any], netconfd_devices: list[Any]) -> Iterator[dict[str, Any]]:
    r1, r2 = junos_sim(hostname="r1"), junos_sim(hostname="r2")
    nc = netconfd_devices[0]
    known = tmp_path / "known_hosts"
    r1.write_known_hosts(known)
    r2.write_known_hosts(known)
    known.write_text(known.read_text() + Path(nc.known_hosts).read_text())
    stores = {n: str(tmp_path / ("%s.db" % n)) for n in ("east", "west", "gen")}
    # east: r1 and r2 (Junos simulator); west: r1 again and the netconfd device — real onboard + resync
    for child, devices in (("east", [from_sim("r1", r1), from_sim("r2", r2)]),
                           ("west", [from_sim("r1", r1), from_netconfd(nc)])):
        inv = write_inventory(tmp_path / ("%s.yml" % child), devices, known_hosts=known)
        run = run_playbook(REPO / "playbooks/onboard.yml", inv, stores[child])
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with st.open_store(stores["gen"]) as s:  # gen: generated devices, one with a template in a description
        fill(s, ["gen%02d" % i for i in range(20)], 3)
        put_device(s, "gen00", "netconf", ietf_config("gen00", 3, descriptions={0: TEMPLATE}))
    with tls_children(tmp_path, stores, refresh_interval=0) as fed:
        yield dict(fed, stores=stores, sims={"r1": r1, "r2": r2}, nc=nc, tmp=tmp_path)


def inventory(fed: dict[str, Any]) -> dict[str, Any]:
    env = ansible_env(str(fed["tmp"] / "unused.db"), ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    proc = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(fed["path"]), "--list"], cwd=str(REPO),
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    data["stderr"] = proc.stderr
    return data


def stats(fed: dict[str, Any], name: str) -> dict[str, Any]:
    child = fed["children"][name]
    req = urllib.request.Request(child.url + "/api/v1/stats",
                                 headers={"Authorization": "Bearer " + fed["tokens"][name]})
    with urllib.request.urlopen(req, timeout=30, context=ssl.create_default_context(cafile=fed["cert"])) as resp:
        counters: dict[str, Any] = json.loads(resp.read())["counters"]
    return counters


def changed_objects(before: dict[str, Any], after: dict[str, Any]) -> int:
    def objs(c: dict[str, Any]) -> int:
        return sum(c.get(e, {}).get("objects", 0) for e in ("/topology/changes", "/topology/objects"))
    return objs(after) - objs(before)


def test_merged_inventory_incremental_deletion_down_and_skew(federation: dict[str, Any]) -> None:
    fed = federation
    nc = fed["nc"].name
    data = inventory(fed)
    hv = data["_meta"]["hostvars"]
    assert set(hv) == {"r1", "r2", nc} | {"gen%02d" % i for i in range(20)}, data["stderr"][-2000:]
    # r1 is on east and west: one host, both sources, the union of interfaces
    assert hv["r1"]["netsync_sources"] == [unsafe("east"), unsafe("west")]
    assert set(data["child_east"]["hosts"]) == {"r1", "r2"}
    assert set(data["child_west"]["hosts"]) == {"r1", nc}
    assert set(data["child_gen"]["hosts"]) == {"gen%02d" % i for i in range(20)}
    assert set(data["platform_junos"]["hosts"]) == {"r1", "r2"}
    assert set(data["platform_netconf"]["hosts"]) == {nc} | {"gen%02d" % i for i in range(20)}
    assert any(k.startswith("ge-0/0/0") for k in hv["r1"]["netsync_interfaces"])
    assert hv["gen00"]["netsync_interfaces"]["eth0"]["description"] == unsafe(TEMPLATE)
    assert "federation_stale" not in data and "federation_clock_skew" not in data

    # a playbook over the merged inventory: the template in the description stays a string
    run = run_playbook(REPO / "tests/system/federation/merged.yml", fed["path"], str(fed["tmp"] / "unused.db"))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    shown = run.results("Show the first interface description as it came")
    assert shown["gen00"]["msg"] == TEMPLATE
    assert "uid=" not in run.stdout

    # a commit on r1 + resync into east only: only the changed objects cross the wire
    fed["sims"]["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description fed-change"])
    inv = write_inventory(fed["tmp"] / "east-r1.yml", [from_sim("r1", fed["sims"]["r1"])],
                          known_hosts=fed["tmp"] / "known_hosts")
    assert run_playbook(REPO / "playbooks/resync.yml", inv, fed["stores"]["east"]).rc == 0
    before = {n: stats(fed, n) for n in fed["children"]}
    data = inventory(fed)
    after = {n: stats(fed, n) for n in fed["children"]}
    assert changed_objects(before["east"], after["east"]) == 2  # Interface ge-0/0/1 and the Device (resynced)
    assert changed_objects(before["west"], after["west"]) == 0
    assert changed_objects(before["gen"], after["gen"]) == 0
    assert data["_meta"]["hostvars"]["r1"]["netsync_interfaces"]["ge-0/0/1"]["description"] == unsafe("fed-change")

    # a deletion propagates; the same device elsewhere stays
    with st.open_store(fed["stores"]["gen"]) as s:
        s.devices.remove("gen19")
    with st.open_store(fed["stores"]["west"]) as s:
        s.devices.remove("r1")
    data = inventory(fed)
    hv = data["_meta"]["hostvars"]
    assert "gen19" not in hv and hv["r1"]["netsync_sources"] == [unsafe("east")]

    # a child stopped mid-test: its objects stay, marked stale; the others still merge
    fed["children"]["west"].stop()
    put_device_in = st.open_store(fed["stores"]["gen"])
    with put_device_in as s:
        put_device(s, "gen20", "netconf", ietf_config("gen20", 1))
    data = inventory(fed)
    hv = data["_meta"]["hostvars"]
    assert "federation child west" in data["stderr"]
    assert data["federation_stale"]["hosts"] == [nc] and hv[nc]["netsync_stale"] is True
    assert "gen20" in hv and hv["gen20"]["netsync_stale"] is False

    # a child with a skewed clock (restarted 10 minutes ahead): warned, flagged, grouped
    fed["children"]["gen"].stop()
    fed["children"]["gen"] = ProcessChild(fed["stores"]["gen"], "site-gen", fed["tmp"] / "gen.token",
                                          tls=(fed["cert"], fed["key"]), clock_offset=600).start()
    fed["config"]["children"][2]["url"] = fed["children"]["gen"].url
    fed["path"].write_text(yaml.safe_dump(fed["config"]))
    data = inventory(fed)
    assert "federation child gen: clock differs" in data["stderr"]
    assert set(data["federation_clock_skew"]["hosts"]) == {"gen%02d" % i for i in range(19)} | {"gen20"}
    assert data["_meta"]["hostvars"]["gen01"]["netsync_clock_suspect"] is True
    assert data["_meta"]["hostvars"]["r2"]["netsync_clock_suspect"] is False


def test_bad_token_is_refused_and_reported(federation: dict[str, Any]) -> None:
    fed = federation
    fed["config"]["children"][0]["token_file"] = "bad.token"
    (fed["tmp"] / "bad.token").write_text("not-the-right-token-at-all\n")
    fed["path"].write_text(yaml.safe_dump(fed["config"]))
    data = inventory(fed)
    assert "federation child east" in data["stderr"] and "unauthorized" in data["stderr"]
    assert "not-the-right-token" not in data["stderr"]
    assert "r2" not in data["_meta"]["hostvars"] and "r1" in data["_meta"]["hostvars"]  # r1 via west
    east = stats(fed, "east")  # refused at the first request: nothing else was asked or sent
    assert east["/time"]["errors"] == 1 and "/topology/changes" not in east
