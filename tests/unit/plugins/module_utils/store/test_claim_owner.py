"""store/_process.py and DeviceStore.claim: a claim whose process has died on this machine is taken
over at once; a live one, one of another machine or PID namespace, or one that cannot be judged
waits for its expiry as before."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.store import _process


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite here; tests/system/plugins/module_utils/store/test_claim_owner_postgresql.py: PostgreSQL."""
    return str(tmp_path / "s.db")


def _owner_of(pid: int) -> str:
    me = _process.this_process()
    assert me is not None
    parts = me.split(":")
    started = _process._start_time(pid)
    assert started is not None
    return ":".join(parts[:4] + [str(pid), started[1]])


def test_this_process_names_machine_namespace_pid_and_start() -> None:
    me = _process.this_process()
    assert me is not None and me.startswith("p1:") and (":%d:" % os.getpid()) in me
    assert not _process.is_dead(me)  # never itself


def test_a_live_process_is_not_dead_and_an_ended_one_is() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        owner = _owner_of(child.pid)
        assert not _process.is_dead(owner)
    finally:
        child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped: a zombie
    assert _process._start_time(child.pid)[0] == "Z"  # type: ignore[index]
    assert _process.is_dead(owner)
    child.wait()
    assert _process.is_dead(owner)  # gone


def test_a_reused_pid_is_dead_and_what_cannot_be_judged_is_alive() -> None:
    me = _process.this_process() or ""
    parts = me.split(":")
    parent = os.getppid()
    reused = ":".join(parts[:4] + [str(parent), "1"])  # the pid lives, but started at another time
    assert _process.is_dead(reused)
    for other in (":".join([parts[0], "another-boot"] + parts[2:4] + [str(99999999), "1"]),  # another machine
                  ":".join(parts[:2] + ["pid", "[1]", str(99999999), "1"]),  # another PID namespace
                  "", "p1:garbage", "p0:" + me[3:], None):
        assert not _process.is_dead(other), other


def test_claim_takes_over_a_dead_process_claim_only(store_url: Any) -> None:
    with st.open_store(store_url) as s:
        s.devices.upsert("r1", "192.0.2.1", 830, "junos", {})
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert s.devices.claim("r1", "killed", 300, _owner_of(child.pid)) is None
            holder = s.devices.claim("r1", "next", 300, _process.this_process())
            assert holder is not None and holder["claim_job"] == "killed"  # alive: wait for it
        finally:
            child.kill()
            child.wait()
        assert s.devices.claim("r1", "next", 300, _process.this_process()) is None  # dead: taken at once
        assert s.devices.holds_claim("r1", "next")
        s.devices.release("r1", "next")
        assert s.db.query("SELECT claim_owner FROM devices WHERE name = 'r1'") == [{"claim_owner": None}]
        assert s.devices.claim("r1", "nobody-knows", 300, None) is None  # no owner: expires as before
        assert s.devices.claim("r1", "next", 300, _process.this_process())["claim_job"] == "nobody-knows"  # type: ignore[index]
