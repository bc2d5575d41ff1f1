"""tasks/lease.py: a job's claim lives as long as its process renews it, never past its limit; a
process that stops renewing loses its claims within one lease (real SQLite store, no server)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import lease

# a process on another machine: its claim cannot be judged dead, only left to lapse
ELSEWHERE = "boot-of-another-machine:4026531836:4242:12345"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite here; tests/system/plugins/module_utils/tasks/test_lease_postgresql.py: PostgreSQL."""
    return str(tmp_path / "s.db")


@pytest.fixture
def url(store_url: str) -> str:
    url = store_url
    with st.open_store(url) as s:
        s.devices.upsert("r1", "192.0.2.1", 830, "junos", {})
    return url


def _claim(url: str, job: str, ttl: float, owner: str = ELSEWHERE) -> object:
    with st.open_store(url) as s:
        return s.devices.claim("r1", job, ttl, owner)


def _until(url: str) -> float:
    with st.open_store(url) as s:
        return float(s.db.query("SELECT claim_until FROM devices WHERE name = ?", ("r1",))[0]["claim_until"])


def test_the_lease_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lease.LEASE_ENV, raising=False)
    assert lease.lease_seconds() == 60.0
    monkeypatch.setenv(lease.LEASE_ENV, "15")
    assert lease.lease_seconds() == 15.0
    for wrong in ("soon", "1", "nan", "-5"):
        monkeypatch.setenv(lease.LEASE_ENV, wrong)
        with pytest.raises(ValueError, match=lease.LEASE_ENV):
            lease.lease_seconds()


def test_a_renewed_claim_outlives_its_lease_and_lapses_once_renewals_stop(url: str) -> None:
    assert _claim(url, "job-a", 2.0) is None
    with lease.kept(url, "r1", "job-a", time.time() + 300, 2.0):  # the renewer wakes every 0.5 s
        time.sleep(2.6)
        holder = _claim(url, "job-b", 2.0)
        assert holder == {"claim_job": "job-a", "claim_until": pytest.approx(time.time() + 2, abs=0.8)}
    time.sleep(2.1)  # the process stopped renewing (it died, froze, lost its store)
    assert _claim(url, "job-b", 2.0) is None  # taken over within one lease


def test_a_claim_is_never_renewed_past_its_limit(url: str) -> None:
    assert _claim(url, "job-a", 2.0) is None
    limit = time.time() + 1.0
    with lease.kept(url, "r1", "job-a", limit, 2.0):
        lease.renew_all()
    assert _until(url) == pytest.approx(limit)


def test_a_lapsed_claim_or_another_jobs_is_not_renewed(url: str) -> None:
    assert _claim(url, "job-a", 0.2) is None
    time.sleep(0.3)
    with lease.kept(url, "r1", "job-a", time.time() + 300, 2.0):
        assert lease.renew_all() == 0  # lapsed: another job may be taking it over
        assert _claim(url, "job-b", 5.0) is None
        assert lease.renew_all() == 0  # job-b's claim is not job-a's to renew
    with st.open_store(url) as s:
        assert s.devices.holds_claim("r1", "job-b")


def test_a_forked_child_holds_none_of_its_parents_claims(url: str) -> None:
    assert _claim(url, "job-a", 2.0) is None
    with lease.kept(url, "r1", "job-a", time.time() + 300, 2.0):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a pool process forked while the parent's job runs
            os.write(write, b"%d" % len(lease._held))
            os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read, 16) == b"0"
        os.close(read)
        os.close(write)


def test_one_job_id_on_two_devices_renews_both(url: str) -> None:
    """A ``job_id`` the user set for the whole play: each device's claim is its own."""
    with st.open_store(url) as s:
        s.devices.upsert("r2", "192.0.2.2", 830, "junos", {})
        for name in ("r1", "r2"):
            assert s.devices.claim(name, "nightly", 2.0, ELSEWHERE) is None
    limit = time.time() + 300
    with lease.kept(url, "r1", "nightly", limit, 2.0), lease.kept(url, "r2", "nightly", limit, 2.0):
        assert lease.renew_all() == 2
