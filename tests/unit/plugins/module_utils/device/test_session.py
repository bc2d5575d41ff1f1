"""How device failures are named (no device: the exceptions ncclient raises)."""
from __future__ import annotations

from ncclient.transport.errors import SessionCloseError  # type: ignore[import-untyped]

from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target, classify

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
