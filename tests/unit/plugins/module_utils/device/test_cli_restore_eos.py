"""The EOS restore against a fake cliconf connection (no server): the commands in order, banners sent as
text, a refusal that aborts the session, an unconfirmed commit timer, and the timer's hh:mm:ss."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device import cli_restore_eos
from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import ConfirmFailed
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_eos import (
    eos_lines,
    eos_restore,
    timer_text,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError
from tests.unit.plugins.module_utils.device.test_cli_restore_flows import FakeCliconf
from tests.unit.plugins.module_utils.device.test_cli_restore_flows import RefusedError as Refused

SESSION = "netsync_restore_0123456789ab"
RUNNING = """! Command: show running-config
hostname edge1
!
banner login
Authorized access only
  ! indented text, not a block
EOF
!
interface Ethernet1
   description uplink
!
end
"""


@pytest.fixture(autouse=True)
def fixed_session_name(monkeypatch: pytest.MonkeyPatch) -> None:
    class FixedUUID:
        hex = "0123456789abcdef0123456789abcdef"
    monkeypatch.setattr(cli_restore_eos.uuid, "uuid4", lambda: FixedUUID())


def _sessions(command: str) -> Any:
    return "Hostname: edge1\nFQDN:     edge1" if command == "show hostname" else ""


@pytest.mark.parametrize("seconds,text", [(1, "00:01:00"), (300, "00:05:00"), (3725, "01:02:05"),
                                          (10 ** 6, "24:00:00")])
def test_timer_text(seconds: int, text: str) -> None:
    assert timer_text(seconds) == text


def test_banner_text_is_kept_as_it_is() -> None:
    assert eos_lines(RUNNING) == ["hostname edge1", "banner login", "Authorized access only",
                                  "  ! indented text, not a block", "EOF", "interface Ethernet1",
                                  "   description uplink"]


def test_commands_in_order_banner_sent_without_waiting() -> None:
    conn = FakeCliconf(_sessions)
    assert eos_restore(conn, RUNNING, "c", 300) == \
        "configure session + rollback clean-config + commit timer 00:05:00 + configure session commit"
    assert conn.commands == [
        "configure session " + SESSION, "rollback clean-config", "hostname edge1", "banner login",
        "Authorized access only", "  ! indented text, not a block", "EOF", "interface Ethernet1",
        "description uplink", "commit timer 00:05:00", "show hostname", "configure session %s commit" % SESSION]
    assert conn.sendonly == ["banner login", "Authorized access only", "  ! indented text, not a block"]


def test_a_refused_line_aborts_the_session_before_any_commit() -> None:
    def answer(command: str) -> Any:
        return Refused("% Invalid input (at token 1: 'uplink')") if command == "description uplink" else ""
    conn = FakeCliconf(answer)
    with pytest.raises(DeviceError) as err:
        eos_restore(conn, RUNNING, "c", 300)
    assert err.value.kind == "rpc_error" and "Invalid input" in str(err.value)
    assert conn.commands[-2:] == ["description uplink", "abort"]
    assert not [c for c in conn.commands if c.startswith("commit")]


def test_an_unconfirmed_commit_timer_says_the_device_rolls_back() -> None:
    def answer(command: str) -> Any:
        return Refused("socket is closed") if command == "show hostname" else ""
    conn = FakeCliconf(answer)
    with pytest.raises(ConfirmFailed) as err:
        eos_restore(conn, RUNNING, "c", 120)
    assert err.value.kind == "unreachable"
    assert str(err.value).startswith("unreachable: committed with commit timer 00:02:00 but not confirmed (")
    assert str(err.value).endswith("the device rolls back to its previous configuration within 00:02:00")
    assert "abort" not in conn.commands and conn.commands[-1] == "show hostname"


def test_no_answer_to_the_proof_is_no_proof() -> None:
    conn = FakeCliconf(lambda command: "")
    with pytest.raises(ConfirmFailed):
        eos_restore(conn, RUNNING, "c", 300)
    assert not [c for c in conn.commands if c.endswith(" commit")]


def test_nothing_to_restore() -> None:
    with pytest.raises(DeviceError, match="no configuration lines"):
        eos_restore(FakeCliconf(_sessions), "! Command: show running-config\n!\nend\n", "c", 300)
