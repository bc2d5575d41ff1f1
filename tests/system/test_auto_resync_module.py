"""netsync.fleet.auto_resync through real ansible-playbook: the Junos simulator gets the syslog
stanza and then sends its commits' syslog to the listener address; netconfd devices get only the flag."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.auto_resync import find_host, stanza_lines
from tests.sims.helpers import UdpReceiver
from tests.sims.junos_config import canonical
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system

ENABLE = "Enable auto-resync (first run)"


def _task_playbook(path: Path, **args: Any) -> Path:
    lines = ["---", "- name: Auto-resync", "  hosts: all", "  gather_facts: false", "  tasks:",
             "    - name: Auto-resync task", "      netsync.fleet.auto_resync:"]
    lines += ["        %s: %s" % (k, v) for k, v in args.items()] or ["        state: enabled"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _stanza(sim: Any, host: str = "127.0.0.1") -> list[str]:
    return stanza_lines(find_host(sim.committed_config(), host))


@pytest.fixture
def junos(tmp_path: Path, junos_sim: Callable[..., Any], syslog_udp: UdpReceiver) -> dict[str, Any]:
    """One simulated Junos device, onboarded; the inventory points the listener at syslog_udp."""
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("r1", sim)], known_hosts=known, extra_vars={
        "netsync_listener_host": "127.0.0.1", "netsync_listener_port": syslog_udp.port})
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store, "-e", "onboard_auto_resync=false")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return {"sim": sim, "inventory": inv, "store": store, "udp": syslog_udp, "tmp": tmp_path}


def test_enable_idempotent_then_commits_reach_the_listener(junos: dict[str, Any]) -> None:
    sim, udp = junos["sim"], junos["udp"]
    assert _stanza(sim) == []
    commits = len(sim.commit_history())
    run = run_playbook(REPO / "tests/system/playbooks/auto_resync.yml", junos["inventory"], junos["store"])
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    first = run.results(ENABLE)["r1"]
    assert first["device_changed"] is True and first["platform"] == "junos"
    assert first["listener"] == {"host": "127.0.0.1", "port": udp.port}
    assert run.results("Enable auto-resync (second run)")["r1"]["changed"] is False
    lines = _stanza(sim)
    assert "system syslog host 127.0.0.1 port %d" % udp.port in lines
    assert "system syslog host 127.0.0.1 contents any notice" in lines
    assert 'system syslog host 127.0.0.1 match "UI_COMMIT|UI_COMMIT_COMPLETED"' in lines
    assert "system syslog host 127.0.0.1 structured-data" in lines
    history = sim.commit_history()
    assert len(history) == commits + 1  # one commit, by the first run only
    assert history[0].comment == "netsync.fleet: enable auto-resync"
    with st.open_store(junos["store"]) as s:
        assert s.devices.device_overrides("r1") == {"auto_resync": True}
    udp.receive(2, timeout=2.0)  # the enabling commit may itself be logged; drain it

    sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description after-enable"])
    got = udp.receive(2, timeout=5.0)
    assert len(got) == 2, got
    assert "UI_COMMIT " in got[0] and 'username="ops"' in got[0] and " r1 " in got[0]
    assert "UI_COMMIT_COMPLETED" in got[1]


def test_disabled_absent_and_check_mode(junos: dict[str, Any]) -> None:
    sim, udp, tmp = junos["sim"], junos["udp"], junos["tmp"]
    inv, store = junos["inventory"], junos["store"]
    enable = _task_playbook(tmp / "enable.yml", state="enabled")
    commits = len(sim.commit_history())
    config = canonical(sim.committed_config())
    run = run_playbook(enable, inv, store, "--check", "--diff")  # check mode commits nothing
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    res = run.results("Auto-resync task")["r1"]
    assert res["changed"] is True and res["device_changed"] is True
    assert "system syslog host 127.0.0.1 port %d" % udp.port in res["diff"]["after"]
    assert len(sim.commit_history()) == commits and canonical(sim.committed_config()) == config
    with st.open_store(store) as s:
        assert s.devices.device_overrides("r1") == {}

    assert run_playbook(enable, inv, store).rc == 0
    assert len(sim.commit_history()) == commits + 1 and _stanza(sim)

    disabled = _task_playbook(tmp / "disabled.yml", state="disabled")
    run = run_playbook(disabled, inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    res = run.results("Auto-resync task")["r1"]
    assert res["changed"] is True and res["device_changed"] is False and res["auto_resync"] is False
    assert len(sim.commit_history()) == commits + 1 and _stanza(sim)  # the device is untouched
    with st.open_store(store) as s:
        assert s.devices.device_overrides("r1") == {"auto_resync": False}

    absent = _task_playbook(tmp / "absent.yml", state="absent")
    run = run_playbook(absent, inv, store, "--check")
    assert run.rc == 0 and run.results("Auto-resync task")["r1"]["changed"] is True
    assert _stanza(sim) and len(sim.commit_history()) == commits + 1
    run = run_playbook(absent, inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.results("Auto-resync task")["r1"]["device_changed"] is True
    assert _stanza(sim) == [] and len(sim.commit_history()) == commits + 2
    assert sim.commit_history()[0].comment == "netsync.fleet: remove auto-resync"
    run = run_playbook(absent, inv, store)
    assert run.rc == 0 and run.results("Auto-resync task")["r1"]["changed"] is False

    udp.receive(4, timeout=1.0)  # drain what the enabling/removing commits logged
    sim.cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description after-absent"])
    assert udp.receive(1, timeout=1.5) == []  # no stanza, no syslog


def test_netconfd_device_gets_the_flag_only(tmp_path: Path, netconfd_devices: list[Any]) -> None:
    nc = netconfd_devices[0]
    inv = write_inventory(tmp_path / "inv.yml", [from_netconfd(nc)], known_hosts=Path(nc.known_hosts))
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    # onboarding a generic device enables auto-resync without a listener address (nothing to commit)
    onboarded = run.results("Enable auto-resync (commit messages to the listener)")[nc.name]
    assert onboarded.get("changed") is True and onboarded.get("device_changed") is False, onboarded
    with st.open_store(store) as s:
        assert s.devices.device_overrides(nc.name) == {"auto_resync": True}
        s.devices.set_settings({"auto_resync": None}, nc.name)  # back to "never enabled" for the module test
        snaps = len(s.devices.list_snapshots(nc.name))
    run = run_playbook(REPO / "tests/system/playbooks/auto_resync.yml", inv, store)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    first = run.results(ENABLE)[nc.name]
    assert first["platform"] == "netconf" and first["device_changed"] is False and first["auto_resync"] is True
    with st.open_store(store) as s:
        assert s.devices.device_overrides(nc.name) == {"auto_resync": True}
        assert len(s.devices.list_snapshots(nc.name)) == snaps


def test_onboard_role_enables_auto_resync(tmp_path: Path, junos_sim: Callable[..., Any],
                                          syslog_udp: UdpReceiver) -> None:
    sim = junos_sim(hostname="r9")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("r9", sim)], known_hosts=known)
    playbook = tmp_path / "role.yml"
    playbook.write_text(
        "---\n- name: Onboard with the role\n  hosts: all\n  gather_facts: false\n  roles:\n"
        "    - role: netsync.fleet.onboard\n      vars:\n        onboard_listener_host: 127.0.0.1\n"
        "        onboard_listener_port: %d\n" % syslog_udp.port)
    store = str(tmp_path / "fleet.db")
    run = run_playbook(playbook, inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    enabled = run.results("netsync.fleet.onboard : Enable auto-resync (commit messages to the listener)")
    assert enabled["r9"]["device_changed"] is True
    assert "system syslog host 127.0.0.1 port %d" % syslog_udp.port in _stanza(sim)
    with st.open_store(store) as s:
        latest = s.devices.latest_snapshot("r9")
        assert latest is not None and latest["version"] == 2  # the resync read the enabling commit
        snap = s.devices.get_snapshot("r9", 2)
        assert snap is not None and "syslog host 127.0.0.1 port %d" % syslog_udp.port in snap["rendered"]
        assert s.devices.device_overrides("r9") == {"auto_resync": True}
