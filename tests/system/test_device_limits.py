"""Device access keeps its limits when a device misbehaves: a reply is bounded while it arrives,
and a stuck device costs the stated timeout once (the session is then closed hard)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

pytestmark = pytest.mark.system


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _target(sim: Any, known: Path, **kw: Any) -> netconf.Target:
    return netconf.Target(name="r1", host="127.0.0.1", port=sim.port, username="admin", password="secret",
                          known_hosts_file=str(known), **kw)


def test_endless_reply_is_cut_at_the_limit(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    limit = 4 * 1024 * 1024
    sim.faults.endless_reply = True
    before = _rss_kib()
    start = time.monotonic()
    with pytest.raises(DeviceError) as err, netconf.open_session(_target(sim, known, timeout=30,
                                                                         max_reply=limit)) as session:
        session.read_config()
    elapsed = time.monotonic() - start
    assert err.value.kind == "malformed_reply" and "more than %d bytes" % limit in err.value.message
    assert elapsed < 30  # the limit ended it, not the timeout
    assert _rss_kib() - before < 64 * 1024  # KiB: the reply was never buffered whole
    sim.faults.endless_reply = False
    with netconf.open_session(_target(sim, known, timeout=10)) as session:  # the device still works
        assert session.read_config().fmt == "junos-xml"


def test_stuck_device_costs_the_timeout_once(tmp_path: Path, junos_sim: Callable[..., Any]) -> None:
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    session = netconf.open_session(_target(sim, known, timeout=1.5))
    sim.faults.delay = 6.0
    start = time.monotonic()
    with pytest.raises(DeviceError) as err, session:
        session.read_config()
    elapsed = time.monotonic() - start
    assert err.value.kind == "timeout"
    # read 1.5 s, then close without asking the stuck device again (it used to wait 1.5 s more)
    assert elapsed < 2.6, elapsed
    assert not session.manager._session.connected
