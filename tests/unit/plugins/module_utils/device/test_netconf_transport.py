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
