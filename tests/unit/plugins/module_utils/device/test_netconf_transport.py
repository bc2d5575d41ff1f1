from __future__ import annotations

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device import _transport as tr


@pytest.mark.parametrize("message,op", [
    ('<?xml version="1.0"?><nc:rpc xmlns:nc="urn:x" message-id="urn:uuid:1"><nc:get-config>', "get-config"),
    ('<rpc message-id="7">\n  <get-configuration database="committed"/></rpc>', "get-configuration"),
    ('<rpc message-id="7"><load-configuration action="merge"/></rpc>', "load-configuration"),
    ('<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities/></hello>', None),
])
def test_operation(message: str, op: str | None) -> None:
    assert tr.operation(message) == op


def test_writes_are_not_repeatable() -> None:
    for op in ("edit-config", "commit", "load-configuration", "commit-configuration", "delete-config"):
        assert op not in tr.REPEATABLE


def test_session_loop_has_its_own_tick() -> None:
    import ncclient.transport.session as nc_session
    cls = tr.session_class(0.002, 1.0)
    assert cls.run.__globals__["TICK"] == 0.002
    assert cls.run.__code__ is nc_session.Session.run.__code__
    assert nc_session.TICK == 0.1
    assert tr.session_class(0.002, 1.0) is cls


def test_our_sockets_send_small_writes_at_once() -> None:
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        sock = tr.connected_socket("127.0.0.1", server.getsockname()[1], 5)
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
            assert sock.gettimeout() == 5
        finally:
            sock.close()
    finally:
        server.close()


def test_a_refused_connection_fails_as_ncclient_fails_it() -> None:
    """The same error as ncclient's own socket loop, so a device that is down stays ``unreachable``."""
    import socket
    from ncclient.transport.errors import SSHError
    from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target, classify
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(SSHError, match="Could not open socket to 127.0.0.1:%d" % port) as err:
        tr.connected_socket("127.0.0.1", port, 2)
    target = Target(name="r1", host="127.0.0.1", port=port, username="u", password="p")
    assert classify(err.value, target, opening=True).kind == "unreachable"
