"""Every way a resync can fail, through real ansible-playbook: the task fails naming the cause,
the device goes `Sync Failed`, every snapshot is kept; the next good resync recovers."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system
TASK = "Read the committed configuration and store a snapshot if it changed"
UNREACHABLE = ("unreachable", "auth_failed", "host_key_unknown", "host_key_mismatch")


@pytest.fixture
def onboarded(tmp_path: Path, junos_sim: Callable[..., Any]) -> dict[str, Any]:
    sim = junos_sim(hostname="r9")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("r9", sim)], known_hosts=known,
                          extra_vars={"netsync_timeout": 3})
    store = str(tmp_path / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-2000:]
    return {"sim": sim, "inv": inv, "store": store, "known": known, "tmp": tmp_path}


def _fails_with(ctx: dict[str, Any], kind: str, inv: Path | None = None) -> dict[str, Any]:
    run = run_playbook(REPO / "playbooks/resync.yml", inv or ctx["inv"], ctx["store"])
    res = run.results(TASK)["r9"]
    if kind in UNREACHABLE:  # connection failures are UNREACHABLE in the recap, as Ansible users expect
        assert run.rc == 4 and res["unreachable"] is True and "failed" not in res, res
        assert run.stats["r9"]["unreachable"] == 1 and run.stats["r9"]["failures"] == 0
    else:
        assert run.rc == 2 and res["failed"] is True and "unreachable" not in res, res
        assert run.stats["r9"]["failures"] == 1 and run.stats["r9"]["unreachable"] == 0
    assert res["error"] == kind, res
    assert kind in res["msg"] and "secret" not in run.stdout
    assert res["managed_status"] == "Sync Failed" and res["snapshot_version"] == 1
    with st.open_store(ctx["store"]) as s:
        dev = s.devices.get("r9")
        assert dev is not None and dev["managed_status"] == "Sync Failed" and kind in dev["status_reason"]
        assert [x["version"] for x in s.devices.list_snapshots("r9")] == [1]
        assert s.jobs.recent("r9")[0]["state"] == "failed"
    return res


def _recovers(ctx: dict[str, Any]) -> None:
    ctx["sim"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/3 description back"])
    run = run_playbook(REPO / "playbooks/resync.yml", ctx["inv"], ctx["store"])
    res = run.results(TASK)["r9"]
    assert run.rc == 0 and res["managed_status"] == "In Sync" and res["snapshot_version"] == 2


@pytest.mark.parametrize("fault,kind", [
    ({"rpc_error_on": "get-configuration"}, "rpc_error"),
    ({"malformed_reply": True}, "malformed_reply"),
    ({"delay": 8.0}, "timeout"),
])
def test_device_faults(onboarded: dict[str, Any], fault: dict[str, Any], kind: str) -> None:
    faults = onboarded["sim"].faults
    for key, value in fault.items():
        setattr(faults, key, value)
    res = _fails_with(onboarded, kind)
    if kind == "rpc_error":
        assert "answered rpc-error: simulated failure of get-configuration" in res["msg"], res["msg"]
    for key in fault:
        setattr(faults, key, type(getattr(faults, key))())
    _recovers(onboarded)


def test_unreachable(onboarded: dict[str, Any]) -> None:
    onboarded["sim"].stop()
    _fails_with(onboarded, "unreachable")
    with st.open_store(onboarded["store"]) as s:
        assert s.devices.get("r9")["connection_state"] == "down"  # type: ignore[index]


def test_wrong_password(onboarded: dict[str, Any]) -> None:
    inv = write_inventory(onboarded["tmp"] / "bad.yml", [from_sim("r9", onboarded["sim"], password="wrong")],
                          known_hosts=onboarded["known"])
    res = _fails_with(onboarded, "auth_failed", inv)
    assert "wrong" not in res["msg"]
    _recovers(onboarded)


def test_host_key_mismatch_and_unknown(onboarded: dict[str, Any], junos_sim: Callable[..., Any]) -> None:
    other = junos_sim(hostname="impostor")
    tmp = onboarded["tmp"]
    wrong = tmp / "known_wrong"
    wrong.write_text("[127.0.0.1]:%d %s\n" % (onboarded["sim"].port, other.host_public_key))
    inv = write_inventory(tmp / "mismatch.yml", [from_sim("r9", onboarded["sim"])], known_hosts=wrong)
    _fails_with(onboarded, "host_key_mismatch", inv)
    empty = tmp / "known_empty"
    empty.write_text("")
    inv = write_inventory(tmp / "unknown.yml", [from_sim("r9", onboarded["sim"])], known_hosts=empty)
    _fails_with(onboarded, "host_key_unknown", inv)
    # turning checking off is explicit, and then it works
    inv = write_inventory(tmp / "nocheck.yml", [from_sim("r9", onboarded["sim"])], known_hosts=empty,
                          extra_vars={"netsync_host_key_checking": False})
    run = run_playbook(REPO / "playbooks/resync.yml", inv, onboarded["store"])
    assert run.rc == 0 and run.results(TASK)["r9"]["managed_status"] == "In Sync"


def test_unknown_device_is_a_clear_error(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="new1")
    inv = write_inventory(tmp_path / "inv.yml", [from_sim("new1", sim)],
                          known_hosts=sim.write_known_hosts(tmp_path / "kh"))
    store = tmp_path / "fleet.db"
    run = run_playbook(REPO / "playbooks/resync.yml", inv, str(store))
    assert run.rc == 2  # no store yet: an error naming the path, and nothing created
    assert "no store at %s" % store in run.results(TASK)["new1"]["msg"] and not store.exists()
    st.open_store(str(store)).close()  # a store without that device
    run = run_playbook(REPO / "playbooks/resync.yml", inv, str(store))
    assert run.rc == 2
    assert "not in the store" in run.results(TASK)["new1"]["msg"]


def test_netconfd_device_down(tmp_path: Path, netconfd_devices: list[Any]) -> None:
    dev = netconfd_devices[1]
    inv = write_inventory(tmp_path / "inv.yml", [from_netconfd(dev)], known_hosts=Path(dev.known_hosts),
                          extra_vars={"netsync_timeout": 5})
    store = str(tmp_path / "fleet.db")
    assert run_playbook(REPO / "playbooks/onboard.yml", inv, store).rc == 0
    dev.stop_server()
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store)
    res = run.results(TASK)[dev.name]
    assert run.rc != 0 and res["managed_status"] == "Sync Failed"
    # sshd answers but the NETCONF server is gone: the device is down, not sending malformed replies
    assert res["error"] == "unreachable", (res["msg"], res)
    with st.open_store(store) as s:
        assert (s.devices.get(dev.name) or {}).get("connection_state") == "down"
    dev.start_server()
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store)
    assert run.rc == 0 and run.results(TASK)[dev.name]["managed_status"] == "In Sync"


def test_bad_host_variable_is_named(onboarded: dict[str, Any]) -> None:
    inv = write_inventory(onboarded["tmp"] / "soon.yml", [from_sim("r9", onboarded["sim"])],
                          known_hosts=onboarded["known"], extra_vars={"netsync_timeout": "soon"})
    run = run_playbook(REPO / "playbooks/resync.yml", inv, onboarded["store"])
    res = run.results(TASK)["r9"]
    assert run.rc == 2 and res["failed"] is True
    assert "'timeout'" in res["msg"] and "from the host variable netsync_timeout" in res["msg"], res["msg"]
    with st.open_store(onboarded["store"]) as s:
        assert s.devices.get("r9")["managed_status"] == "In Sync"  # type: ignore[index]  # nothing was tried
