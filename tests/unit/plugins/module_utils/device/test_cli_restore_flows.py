"""The order of the IOS-XE and IOS-XR restores' commands against a fake cliconf connection (no server):
what is sent, what a refusal stops, what is cleaned up, and what an unconfirmed replace says. The fake
serves the EOS restore's tests too (test_cli_restore_eos.py)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import ConfirmFailed
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_ios import ios_restore
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_iosxr import iosxr_restore
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError


class RefusedError(Exception):
    """What ansible's Connection raises for a command the terminal plugin takes as an error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FakeCliconf:
    """Answers ``get`` from ``answer(command)``: a string, or an exception to raise."""

    def __init__(self, answer: Callable[[str], Any]) -> None:
        self.answer = answer
        self.sent: list[tuple[str, Optional[str]]] = []
        self.sendonly: list[str] = []  # commands sent without waiting for the prompt

    def get(self, command: str, prompt: Optional[str] = None, answer: Optional[str] = None,
            sendonly: bool = False) -> str:
        self.sent.append((command, answer))
        if sendonly:
            self.sendonly.append(command)
        out = self.answer(command)
        if isinstance(out, BaseException):
            raise out
        return str(out)

    @property
    def commands(self) -> list[str]:
        return [c for c, _ in self.sent]


XR = "Building configuration...\n!! IOS XR Configuration 7.9.2\n!\nhostname r1\ninterface Loopback0\n" \
     " ipv4 address 10.0.0.3 255.255.255.255\n!\nend\n"


def _xr(command: str) -> Any:
    return "hostname r1" if command == "show running-config hostname" else ""


def test_iosxr_commands_in_order() -> None:
    conn = FakeCliconf(_xr)
    assert iosxr_restore(conn, XR, "c", 300) == "commit replace confirmed 300 + commit"
    assert conn.commands == ["configure exclusive", "hostname r1", "interface Loopback0",
                             "ipv4 address 10.0.0.3 255.255.255.255", "commit replace confirmed 300",
                             "show running-config hostname", "commit", "end"]
    assert conn.sent[4] == ("commit replace confirmed 300", "yes")


def test_iosxr_refused_line_aborts_before_the_commit() -> None:
    def answer(command: str) -> Any:
        if command == "interface Loopback0":
            return RefusedError(repr(b"interface Loopback0\r\n% Invalid input detected at '^' marker.\r\n"
                                     b"RP/0/RP0/CPU0:r1(config)#"))
        return _xr(command)

    conn = FakeCliconf(answer)
    with pytest.raises(DeviceError) as err:
        iosxr_restore(conn, XR, "c", 300)
    assert (err.value.kind, str(err.value)) == (
        "rpc_error", "rpc_error: 'interface Loopback0': % Invalid input detected at '^' marker.")
    assert conn.commands == ["configure exclusive", "hostname r1", "interface Loopback0", "abort"]


def test_iosxr_lost_confirmation_says_the_device_rolls_back() -> None:
    conn = FakeCliconf(lambda c: RefusedError("socket closed") if c == "commit" else _xr(c))
    with pytest.raises(ConfirmFailed) as err:
        iosxr_restore(conn, XR, "c", 10)
    assert err.value.kind == "unreachable"
    assert str(err.value) == ("unreachable: committed with commit replace confirmed 30 but not confirmed "
                              "(unreachable: 'commit': socket closed): the device rolls back to its previous "
                              "configuration within 30 s")
    assert "abort" not in conn.commands  # the trial is left to the device's timer


IOS = "Building configuration...\n\nCurrent configuration : 120 bytes\n!\nhostname r1\nend\n"


def _ios(replace: Any = "Total number of passes: 1\nRollback Done") -> Callable[[str], Any]:
    def answer(command: str) -> Any:
        if command == "dir":
            return "Directory of bootflash:/\n\n6286540800 bytes total (5103206400 bytes free)"
        if command.startswith("set f "):
            return "file3"
        if command.startswith("configure replace "):
            return replace
        if command == "show privilege":
            return "Current privilege level is 15"
        return ""
    return answer


def test_ios_commands_in_order_and_the_file_deleted() -> None:
    conn = FakeCliconf(_ios())
    mech = ios_restore(conn, IOS, "c", 90)
    path = "bootflash:netsync-restore.cfg"
    assert mech == "configure replace %s force revert trigger error timer 2 + configure confirm" % path
    assert conn.commands == [
        "dir", "tclsh", 'set f [open "%s" w]' % path,
        "puts -nonewline $f [binary format H* %s]" % "!\nhostname r1\nend\n".encode().hex(), "close $f", "tclquit",
        "configure replace %s force revert trigger error timer 2" % path, "show privilege", "configure confirm",
        "delete /force %s" % path]


def test_ios_failed_replace_is_the_device_words_and_the_file_is_deleted() -> None:
    echo = b"configure replace bootflash:netsync-restore.cfg force revert trigger error timer 1"
    conn = FakeCliconf(_ios(RefusedError(repr(echo + b"\r\n%Error opening bootflash:x (I/O error)\r\nr1#"))))
    with pytest.raises(DeviceError) as err:
        ios_restore(conn, IOS, "c", 60)
    assert str(err.value) == ("rpc_error: configure replace failed: "
                              "%Error opening bootflash:x (I/O error)")
    assert conn.commands[-1] == "delete /force bootflash:netsync-restore.cfg"
    assert "configure confirm" not in conn.commands


def test_ios_tcl_error_stops_before_the_replace() -> None:
    conn = FakeCliconf(lambda c: "couldn't open \"bootflash:x\": permission denied" if c.startswith("set f ")
                       else _ios()(c))
    with pytest.raises(DeviceError) as err:
        ios_restore(conn, IOS, "c", 60)
    assert str(err.value).startswith("rpc_error: tclsh refused 'set f [open \"bootflash:netsync-restore.cfg\" w]'")
    assert conn.commands[-2:] == ["tclquit", "delete /force bootflash:netsync-restore.cfg"]
    assert not any(c.startswith("configure replace") for c in conn.commands)
