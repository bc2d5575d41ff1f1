"""The first RPC after the hello is never lost: a device that drops it (as netconfd does when
the RPC arrives in the same read as the hello) still answers the read, and ncclient's
process-wide TICK is left as ncclient ships it."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

pytestmark = pytest.mark.system


def _target(sim: Any, known: Path) -> netconf.Target:
    return netconf.Target(name="r1", host="127.0.0.1", port=sim.port, username="admin", password="secret",
                          known_hosts_file=str(known), timeout=4)


def test_dropped_first_rpc_is_sent_again(tmp_path: Path, junos_sim: Callable[..., Any],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import ncclient.transport.session as nc_session
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    monkeypatch.setenv("NETSYNC_FIRST_REPLY_WAIT", "0.3")
    sim.faults.drop_first_rpc = 1
    with netconf.open_session(_target(sim, known)) as session:
        read = session.read_config()
        assert session.manager._session.resent == 1
        facts = session.facts()
    assert read.fmt == "junos-xml" and "<configuration" in read.config
    assert facts["hostname"] == "r1"
    assert sim.faults.drop_first_rpc == 0
    assert nc_session.TICK == 0.1  # ours is per session: ncclient's global is untouched


def test_without_the_resend_the_dropped_rpc_hangs(tmp_path: Path, junos_sim: Callable[..., Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault is real: with the resend off the same session times out."""
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    monkeypatch.setenv("NETSYNC_FIRST_REPLY_WAIT", "0")
    sim.faults.drop_first_rpc = 1
    target = _target(sim, known)
    target.timeout = 1.5
    with pytest.raises(DeviceError) as err, netconf.open_session(target) as session:
        session.read_config()
    assert err.value.kind == "timeout"


def test_a_write_first_is_not_resent(tmp_path: Path, junos_sim: Callable[..., Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Only operations safe to repeat are resent: a lost edit times out, it is never sent twice."""
    from lxml import etree
    from ncclient.operations.errors import TimeoutExpiredError
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    monkeypatch.setenv("NETSYNC_FIRST_REPLY_WAIT", "0.2")
    sim.faults.drop_first_rpc = 1
    target = _target(sim, known)
    target.timeout = 1.5
    load = etree.fromstring('<load-configuration action="merge" format="text"><configuration-text>'
                            'system { host-name r2; }</configuration-text></load-configuration>')
    with netconf.open_session(target) as session:
        with pytest.raises(TimeoutExpiredError):
            session.manager.dispatch(load)
        assert session.manager._session.resent == 0


def test_a_slow_first_reply_answered_twice_is_taken_once(tmp_path: Path, junos_sim: Callable[..., Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A device that is only slow answers the original and the resent RPC: the second reply (same
    message-id) is dropped, and the session's next RPCs work (ncclient >= 0.7 fails every waiting
    RPC on a reply with an unknown message-id)."""
    sim = junos_sim(hostname="r1")
    known = sim.write_known_hosts(tmp_path / "known_hosts")
    monkeypatch.setenv("NETSYNC_FIRST_REPLY_WAIT", "0.2")
    sim.faults.delay = 0.5  # each reply comes 0.5 s late: the first RPC is resent before its reply
    with netconf.open_session(_target(sim, known)) as session:
        read = session.read_config()
        assert session.manager._session.resent >= 1
        facts = session.facts()  # the duplicate reply arrives meanwhile: it must not fail these
        again = session.read_config()
    assert read.fmt == "junos-xml" and read.config == again.config
    assert facts["hostname"] == "r1"
