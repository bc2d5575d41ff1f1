"""How device failures are named (no device: the exceptions ncclient raises)."""
from __future__ import annotations

from typing import Any

import pytest
from ncclient.transport.errors import SessionCloseError  # type: ignore[import-untyped]

from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceSession, Target, classify

TARGET = Target(name="nc01", host="127.0.0.1", port=830)


def test_session_closed_before_the_hello_is_a_device_down() -> None:
    """sshd accepts, the NETCONF server is gone: the subsystem exits before sending a byte."""
    error = classify(SessionCloseError(""), TARGET, opening=True)
    assert error.kind == "unreachable" and "before its hello" in error.message


def test_session_closed_after_some_bytes_or_mid_session_is_a_malformed_reply() -> None:
    assert classify(SessionCloseError("<hello xmlns="), TARGET, opening=True).kind == "malformed_reply"
    assert classify(SessionCloseError(""), TARGET).kind == "malformed_reply"


def test_connection_refused_is_unreachable() -> None:
    assert classify(ConnectionRefusedError(111, "Connection refused"), TARGET, opening=True).kind == "unreachable"


class _Manager:
    """ncclient's Manager as the session uses it: an RPC that a stop signal interrupts."""

    def __init__(self) -> None:
        self.timeout = 30.0
        self.closed_by_rpc = False

    def close_session(self) -> None:
        self.closed_by_rpc = True


class _Interrupted:
    name = "junos"

    def read_config(self, manager: Any, known: Any = None) -> Any:
        raise KeyboardInterrupt()  # a stop signal's exception, raised while the RPC waits for its reply


def test_an_rpc_cut_short_by_a_signal_closes_without_asking_the_device() -> None:
    """The device has not answered the interrupted RPC yet: asking it to close-session would wait
    its 2 s on top of the signal, and the job would give its device back that much later."""
    manager = _Manager()
    with pytest.raises(KeyboardInterrupt):
        with DeviceSession(TARGET, manager, _Interrupted()) as session:  # type: ignore[arg-type]
            session.read_config()
    assert session.broken and not manager.closed_by_rpc
