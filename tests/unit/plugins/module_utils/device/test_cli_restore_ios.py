"""The pure parts of the IOS/IOS-XE restore (no server): the file text, the Tcl commands that write it,
the file system from ``dir``, and the verdict on a ``configure replace`` output."""
from __future__ import annotations

import re

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_ios import (
    confirm_minutes, file_system, file_text, replace_failure, tcl_commands,
)

RUNNING = """Building configuration...

Current configuration : 4003 bytes
!
! Last configuration change at 09:00:01 UTC Mon Nov 30 2026 by admin
!
hostname r1
banner motd ^C{maintenance} $HOME [x] "q" ? tab\there^C
interface GigabitEthernet1
 description uplink
!
end
"""


def test_file_text_drops_the_show_header_and_keeps_comments_and_end() -> None:
    assert file_text(RUNNING) == (
        "!\n! Last configuration change at 09:00:01 UTC Mon Nov 30 2026 by admin\n!\nhostname r1\n"
        "banner motd ^C{maintenance} $HOME [x] \"q\" ? tab\there^C\ninterface GigabitEthernet1\n"
        " description uplink\n!\nend\n")


def test_file_text_adds_end_when_missing() -> None:
    assert file_text("hostname r1\r\n\r\n") == "hostname r1\nend\n"


def _tcl_write(commands: list[str]) -> tuple[str, bytes]:
    """Run the commands as Tcl would (only the forms they use): the path opened and the bytes written."""
    m = re.fullmatch(r'set f \[open "([^"]+)" w\]', commands[0])
    assert m and commands[-1] == "close $f"
    data = b""
    for command in commands[1:-1]:
        hm = re.fullmatch(r"puts -nonewline \$f \[binary format H\* ([0-9a-f]+)\]", command)
        assert hm, command
        data += bytes.fromhex(hm.group(1))
    return m.group(1), data


def test_tcl_commands_carry_any_byte_as_hex_in_short_commands() -> None:
    text = file_text(RUNNING) * 5
    commands = tcl_commands("bootflash:netsync-restore.cfg", text)
    path, data = _tcl_write(commands)
    assert (path, data.decode()) == ("bootflash:netsync-restore.cfg", text)
    assert len(commands) == 2 + -(-len(text.encode()) // 256)
    assert all(len(c) <= 600 for c in commands)
    for command in commands[1:-1]:  # Tcl and the IOS line editor see no brace, quote, $, [, ?, tab or space
        assert not set(command.split(" H* ")[1].rstrip("]")) - set("0123456789abcdef")


def test_file_system_from_dir() -> None:
    out = "Directory of bootflash:/\n\n   11  drwx  16384  Nov 30 2026 09:00:00 +00:00  lost+found\n"
    assert file_system(out) == "bootflash:"
    assert file_system("Directory of flash:/\n") == "flash:"
    assert file_system("") == "flash:"


@pytest.mark.parametrize("seconds,minutes", [(1, 1), (60, 1), (61, 2), (300, 5), (7200, 120), (99999, 120)])
def test_confirm_minutes_rounds_up_within_ios_range(seconds: int, minutes: int) -> None:
    assert confirm_minutes(seconds) == minutes


def test_replace_done_is_success() -> None:
    assert replace_failure("Total number of passes: 1\nRollback Done\n") is None


def test_replace_reverted_is_a_failure_with_the_device_words() -> None:
    out = ("Failed to apply command ntp server 192.0.2.77\n"
           "The original configuration has been successfully restored.\n")
    assert replace_failure(out) == (
        "rpc_error", "configure replace failed: Failed to apply command ntp server 192.0.2.77\n"
        "The original configuration has been successfully restored.")


def test_replace_without_archive_is_unsupported() -> None:
    kind, message = replace_failure("%Please turn config archive on\n") or ("", "")
    assert kind == "unsupported"
    assert message.startswith("configure replace with revert needs the configuration archive")
    assert message.endswith("the device said: %Please turn config archive on")


@pytest.mark.parametrize("out", ["", "%Error opening bootflash:x (No such file or directory)",
                                 "%The input file is not a valid config file.",
                                 "Total number of passes: 5\nRollback aborted after 5 passes\nRollback Done"])
def test_anything_but_a_clean_rollback_done_fails(out: str) -> None:
    assert (replace_failure(out) or ("",))[0] == "rpc_error"
