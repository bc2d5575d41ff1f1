"""The Junos commit comment and sequence (get-commit-information) stored with each snapshot, shown by
resync and device_info: real ansible-playbook against the Junos simulator, on SQLite and PostgreSQL."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from tests.system.helpers import REPO, from_sim, run_playbook, write_inventory

pytestmark = pytest.mark.system

RESYNC_TASK = "Read the committed configuration and store a snapshot if it changed"
INFO_TASK = "Read the device, its snapshots and status history"


def test_commit_comment_and_sequence(tmp_path: Path, junos_sim: Callable[..., Any], store_url: str) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    inv = write_inventory(tmp_path / "inventory.yml", [from_sim("r1", sim)], known_hosts=known)
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]

    sim.cli_commit(user="ops", set_commands=["set system location building B7"], comment="CHG-1234 move to B7")
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = run.results(RESYNC_TASK)["r1"]
    assert (res["changed"], res["snapshot_version"]) == (True, 2)
    assert (res["commit_user"], res["commit_comment"], res["commit_seq"]) == ("ops", "CHG-1234 move to B7", "0")

    # nothing committed since: the read finds the stored commit and text, and the commit history is
    # not asked for again; the result still names the commit's sequence and comment (stored with it)
    before = sim.operations()
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = run.results(RESYNC_TASK)["r1"]
    assert (res["changed"], res["snapshot_version"]) == (False, 2)
    assert (res["commit_user"], res["commit_comment"], res["commit_seq"]) == ("ops", "CHG-1234 move to B7", "0")
    asked = {op: n - before.get(op, 0) for op, n in sim.operations().items() if n != before.get(op, 0)}
    # (close-session is left out: a client that waited its bounded time for that reply moves on)
    assert asked.get("get-configuration") == 1 and "get-commit-information" not in asked, asked

    sim.cli_commit(user="ops", set_commands=["set system location floor 3"])  # no comment
    run = run_playbook(REPO / "playbooks/resync.yml", inv, store_url)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.results(RESYNC_TASK)["r1"]["commit_comment"] is None

    info = run_playbook(REPO / "tests/system/playbooks/device_info.yml", inv, store_url)
    assert info.rc == 0, info.stdout[-3000:] + info.stderr[-3000:]
    snaps = info.results(INFO_TASK)["r1"]["devices"][0]["snapshots"]
    commits = {s["version"]: s["commit"] for s in snaps}
    assert commits[2]["comment"] == "CHG-1234 move to B7" and commits[2]["sequence"] == "0"
    assert commits[2]["user"] == "ops"
    assert commits[3]["comment"] is None and commits[3]["user"] == "ops"
    assert commits[1]["user"] == "root" and commits[1]["comment"] is None
