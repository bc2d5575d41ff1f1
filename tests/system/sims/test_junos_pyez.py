"""The Junos simulator as Juniper's own PyEZ (junos-eznc) sees it: facts, Config load in
text/set/xml with merge/replace/override, commit with a comment, commit confirmed, diff,
rollback, and private mode (open-configuration)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jnpr.junos import Device
from jnpr.junos.exception import CommitError
from jnpr.junos.utils.config import Config

from tests.sims.fixtures import junos_sim  # noqa: F401
from tests.sims.junos_sim import JunosSim

pytestmark = pytest.mark.system

SimFactory = Callable[..., JunosSim]


@pytest.fixture
def pyez(junos_sim: SimFactory, tmp_path: Path) -> Iterator[tuple[JunosSim, Device]]:  # noqa: F811
    sim = junos_sim(hostname="r1", model="vmx", serial="VM5F00B7A1")
    known = tmp_path / "known_hosts"
    sim.write_known_hosts(known)
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host *\n    UserKnownHostsFile {known}\n    StrictHostKeyChecking yes\n")
    dev = Device(host="127.0.0.1", port=sim.port, user="admin", passwd="secret", ssh_config=str(ssh_config))
    dev.open()
    try:
        yield sim, dev
    finally:
        dev.close()


def test_facts(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    facts = dev.facts
    assert facts["hostname"] == "r1"
    assert facts["model"] == "VMX"
    assert facts["serialnumber"] == "VM5F00B7A1"
    assert facts["version"] == "21.4R3.15"
    assert facts["personality"] == "MX"
    assert facts["virtual"] is True
    assert facts["2RE"] is False
    assert facts["master"] == "RE0"
    assert facts["re_master"] == {"default": "0"}
    assert facts["RE0"]["mastership_state"] == "master"
    assert facts["RE0"]["model"] == "RE-VMX"
    assert facts["RE0"]["status"] == "OK"
    assert facts["re_info"]["default"]["0"]["last_reboot_reason"] == "Router rebooted after a normal shutdown."
    assert isinstance(dev.uptime, int) and 0 <= dev.uptime < 600


def test_operational_rpcs(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    uptime = dev.rpc.get_system_uptime_information()
    booted = uptime.find(".//system-booted-time/date-time")
    assert booted is not None and int(booted.get("seconds")) == sim.device.booted
    last = uptime.find(".//last-configured-time")
    assert last is not None and last.findtext("user") == "root"
    memory = dev.rpc.get_system_memory_information()
    total = memory.findtext(".//system-memory-summary-information/system-memory-total")
    assert total == "4141816"
    assert memory.findtext(".//system-memory-free-percent") == "45"
    route_engine = dev.rpc.get_route_engine_information()
    assert route_engine.findtext(".//route-engine/slot") == "0"


def test_config_load_formats_commit_diff_rollback(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    with Config(dev, mode="exclusive") as cu:
        cu.load("set system location building B7", format="set")
        assert cu.diff() == "\n[edit system]\n+   location {\n+       building B7;\n+   }\n"
        assert cu.commit(comment="building B7") is True
        cu.load("system { location { floor 3; } }", format="text", merge=True)
        assert cu.diff() == "\n[edit system location]\n+   floor 3;\n"
        cu.commit()
        cu.load("<configuration><system><host-name>r1-new</host-name></system></configuration>", format="xml")
        assert cu.diff() == "\n[edit system]\n-   host-name r1;\n+   host-name r1-new;\n"
        assert cu.commit_check() is True
        cu.commit(comment="rename")
        assert cu.diff() is None
        cu.rollback(1)
        assert cu.diff() == "\n[edit system]\n-   host-name r1-new;\n+   host-name r1;\n"
        cu.commit(comment="back")
    committed = sim.committed_config()
    assert committed.findtext("system/host-name") == "r1"
    location = committed.find("system/location")
    assert location is not None and [(c.tag, c.text) for c in location] == [("building", "B7"), ("floor", "3")]
    assert [(r.user, r.comment) for r in sim.commit_history()[:5]] == [
        ("admin", "back"),
        ("admin", "rename"),
        ("admin", None),
        ("admin", "building B7"),
        ("root", None),
    ]


def test_config_replace_and_override(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    with Config(dev, mode="exclusive") as cu:
        # text load without merge is Junos "load replace": replace: statements replace
        cu.load("interfaces { replace: ge-0/0/1 { description uplink; } }", format="text")
        cu.commit()
        iface = [i for i in sim.committed_config().iterfind("interfaces/interface") if i.findtext("name") == "ge-0/0/1"]
        assert [c.tag for c in iface[0]] == ["name", "description"]
        whole = "system { host-name r9; }\ninterfaces { lo0 { unit 0 { family inet { address 10.9.9.9/32; } } } }"
        cu.load(whole, format="text", overwrite=True)
        cu.commit(comment="override")
    committed = sim.committed_config()
    assert [c.tag for c in committed] == ["version", "system", "interfaces"]
    assert [i.findtext("name") for i in committed.iterfind("interfaces/interface")] == ["lo0"]


def test_get_configuration_formats(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    sim.cli_commit("ops", ["set system location building B7"])
    lines = dev.rpc.get_config(options={"format": "set", "database": "committed"}).text.splitlines()
    assert "set system location building B7" in lines
    assert "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/30" in lines
    assert "set system services ssh" in lines
    data = dev.rpc.get_config(options={"format": "json", "database": "committed"})
    config = data["configuration"]
    assert config["@"]["junos:commit-user"] == "ops"
    assert config["system"]["location"] == {"building": "B7"}
    assert config["system"]["services"]["ssh"] == [None]
    assert config["interfaces"]["interface"][0]["name"] == "ge-0/0/0"
    assert json.loads(json.dumps(config)) == config


def test_private_mode(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    with Config(dev, mode="private") as cu:
        cu.load("set system location building C9", format="set")
        # another user's shared candidate does not see the private change
        assert sim.device.candidate()[0].find("system/location") is None
        assert cu.diff() == "\n[edit system]\n+   location {\n+       building C9;\n+   }\n"
        cu.commit(comment="private")
    assert sim.committed_config().findtext("system/location/building") == "C9"
    # a commit by someone else after entering private mode makes the private commit fail
    with Config(dev, mode="private") as cu:
        cu.load("set system location floor 2", format="set")
        sim.cli_commit("ops", ["set system location rack 4"])
        with pytest.raises(CommitError, match="configuration database modified"):
            cu.commit()
    assert sim.committed_config().findtext("system/location/floor") is None


def test_commit_confirmed_rolls_back_unless_confirmed(pyez: tuple[JunosSim, Device]) -> None:
    sim, dev = pyez
    sim.device.confirm_unit = 0.5  # one "minute" is half a second here
    with Config(dev, mode="exclusive") as cu:
        cu.load("set system location building B7", format="set")
        cu.commit(confirm=1)
        assert sim.device.confirm_pending
        cu.commit()  # confirms
        assert not sim.device.confirm_pending
        cu.load("set system location floor 9", format="set")
        cu.commit(confirm=1, comment="try floor 9")
    deadline = time.monotonic() + 10
    while sim.device.confirm_pending and time.monotonic() < deadline:
        time.sleep(0.05)
    committed = sim.committed_config()
    assert committed.findtext("system/location/building") == "B7"
    assert committed.findtext("system/location/floor") is None
    newest = sim.commit_history()[0]
    assert (newest.user, newest.comment) == ("root", "commit confirmed rollback")
