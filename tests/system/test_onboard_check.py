"""`ansible-playbook netsync.fleet.onboard --check` on new devices: it succeeds, says what it would
do (import, enable auto-resync, first snapshot) and writes nothing: no store file, no commit on
the devices. Real ansible-playbook against the Junos simulator and netconfd."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from tests.system.helpers import REPO, from_netconfd, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system


def test_onboard_check_mode_on_new_devices_says_what_it_would_do_and_writes_nothing(
        tmp_path: Path, junos_sim: Callable[..., Any], netconfd_devices: list[Any]) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    nc = netconfd_devices[0]
    known.write_text(known.read_text() + Path(nc.known_hosts).read_text())
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim), from_netconfd(nc)], known_hosts=known,
                          extra_vars={"netsync_listener_host": "127.0.0.1", "netsync_listener_port": 5514})
    store = tmp_path / "new" / "fleet.db"
    before = len(sim.commit_history())
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, str(store), "--check", "--diff")
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-3000:]
    hosts = {"r1", nc.name}
    assert run.stats.keys() >= hosts and all(run.stats[h]["failures"] == 0 for h in hosts)
    imported = run.results("Import the device (facts and first snapshot)")
    assert {h: r["changed"] for h, r in imported.items()} == {h: True for h in hosts}
    enabled = run.results("Enable auto-resync (commit messages to the listener)")
    assert {h: r["changed"] for h, r in enabled.items()} == {h: True for h in hosts}
    resynced = run.results("Resync the device")
    assert {h: r["changed"] for h, r in resynced.items()} == {h: True for h in hosts}
    assert not store.exists() and not store.parent.exists()  # not even a store file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inventory.yml", "known_hosts"]
    assert len(sim.commit_history()) == before  # no commit on the device (auto-resync not configured)
