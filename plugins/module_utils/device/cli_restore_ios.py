# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore on Cisco IOS / IOS-XE over network_cli: the stored text written to the device's flash
through ``tclsh``, then ``configure replace … force revert trigger error timer N`` and
``configure confirm``; the file is deleted in every case.

Why this transfer: ``configure replace`` reads a file on the device. The inline transfer through
IOS' own Tcl shell needs no service on the device (SCP needs ``ip scp server enable`` and an AAA
set-up; TFTP/FTP/HTTP need a server the device can reach) and rides the SSH session the host
already has. It is what NAPALM's ios driver (``inline_transfer``) and netmiko's ``InLineTransfer``
do with ``puts [open "flash:file" w+] {…}``; they refuse a text holding ``{`` or ``}`` (Tcl would
read them), and a ``?`` or a tab in the text reaches IOS' line editor as help or completion. We
write the same file with the same Tcl channel, but each chunk as hexadecimal digits
(``puts -nonewline $f [binary format H* …]``), one short command each: any byte goes through, and
the line editor and Tcl only ever see ``[0-9a-f]``.

In order, each through the ``cisco.ios`` cliconf ``get`` on the host's persistent connection:

1. ``dir``: the default file system (``Directory of bootflash:/``), as netmiko's ``_autodetect_fs``.
2. ``tclsh``; ``set f [open "<fs>netsync-restore.cfg" w]``; the chunks; ``close $f``; ``tclquit``.
   Tcl prints nothing for ``puts`` and ``close``: any output is a failure.
3. ``configure replace <fs>netsync-restore.cfg force revert trigger error timer <minutes>``: IOS
   applies the differences; on an error (a line it refuses) it goes back to the original
   configuration by itself (``revert trigger error``, NAPALM's ``auto_rollback_on_error``); the
   ``timer`` makes it roll back unless confirmed. Both need the configuration archive
   (``archive`` / ``path …``): without it IOS answers ``%Please turn config archive on`` and
   nothing changes. Success is ``Rollback Done`` with none of the failure texts NAPALM's ios
   driver checks (``Failed to apply command``, ``original configuration has been successfully
   restored``, ``not a valid config file``, ``Error``, ``failed``).
4. ``show privilege`` proves the session still works, then ``configure confirm``. If either fails
   (the restore cut the management path), IOS rolls back when the timer ends, and the task fails
   saying so, as for Junos' ``commit confirmed``.
5. ``delete /force <fs>netsync-restore.cfg`` (also after a failure, once the file was opened).

IOS counts the timer in whole minutes (1..120): ``confirm_timeout`` rounded up. There is no commit
comment on IOS.
"""
from __future__ import annotations

import math
import re
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_iosxr import (
    failure_kind, prove_and_confirm, send)
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_lines import device_message
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

FILE_NAME = "netsync-restore.cfg"
CHUNK = 256  # bytes of the file per Tcl command (512 hexadecimal digits)
MIN_MINUTES, MAX_MINUTES = 1, 120
_HEADER = re.compile(r"^(?:Building configuration\.\.\.|Current configuration : \d+ bytes)\s*$")
# what NAPALM's ios driver takes as a failed replace, and the archive prerequisite
_FAILED = ("failed to apply command", "original configuration has been successfully restored",
           "not a valid config file", "error", "failed", "aborted")
_NO_ARCHIVE = "please turn config archive on"


def confirm_minutes(confirm_timeout: int) -> int:
    """``configure replace … timer`` minutes (1..120) for a ``confirm_timeout`` in seconds (rounded up)."""
    return max(MIN_MINUTES, min(MAX_MINUTES, int(math.ceil(int(confirm_timeout) / 60.0))))


def file_text(raw: str) -> str:
    """The file ``configure replace`` reads: the stored ``show running-config`` without the lines the
    ``show`` adds (``Building configuration...``, ``Current configuration : N bytes``), ending in ``end``."""
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if not _HEADER.match(line)]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[-1].strip() != "end":
        lines.append("end")
    return "".join(line + "\n" for line in lines)


def tcl_commands(path: str, text: str) -> list[str]:
    """The Tcl commands that write ``text`` to ``path`` (after ``tclsh``, before ``tclquit``)."""
    data = text.encode("utf-8")
    out = ['set f [open "%s" w]' % path]
    out += ["puts -nonewline $f [binary format H* %s]" % data[i:i + CHUNK].hex() for i in range(0, len(data), CHUNK)]
    out.append("close $f")
    return out


def file_system(dir_output: str) -> str:
    """The default file system named by ``dir`` (``Directory of bootflash:/`` -> ``bootflash:``)."""
    m = re.search(r"^Directory of (\S+?:)", dir_output, re.M)
    return m.group(1) if m else "flash:"


def replace_failure(output: str) -> tuple[str, str] | None:
    """``(kind, message)`` when a ``configure replace`` output says it failed, None when it is ``Rollback Done``."""
    low = output.lower()
    message = device_message(output) or "no output"
    if _NO_ARCHIVE in low:
        return ("unsupported", "configure replace with revert needs the configuration archive "
                "(configure 'archive' with 'path <file system>:<name>'); the device said: %s" % message)
    if "rollback done" not in low or any(s in low for s in _FAILED):
        return ("rpc_error", "configure replace failed: %s" % message)
    return None


def _tcl(connection: Any, command: str, expect_output: bool = False) -> str:
    out = device_message(send(connection, command), command)
    if expect_output and (not out or len(out.split()) != 1 or '"' in out):
        raise DeviceError("rpc_error", "tclsh refused %r: %s" % (command, out or "no channel"))
    if not expect_output and out:
        raise DeviceError("rpc_error", "tclsh refused %r: %s" % (command[:60], out))
    return out


def _write(connection: Any, path: str, text: str) -> None:
    send(connection, "tclsh")
    try:
        commands = tcl_commands(path, text)
        _tcl(connection, commands[0], expect_output=True)
        for command in commands[1:]:
            _tcl(connection, command)
    finally:
        try:
            connection.get(command="tclquit")
        except Exception:
            pass


def ios_restore(connection: Any, raw: str, comment: str, confirm_timeout: int) -> str:
    minutes = confirm_minutes(confirm_timeout)
    path = file_system(send(connection, "dir")) + FILE_NAME
    command = "configure replace %s force revert trigger error timer %d" % (path, minutes)
    try:
        _write(connection, path, file_text(raw))
        try:
            output = str(connection.get(command=command) or "")
        except Exception as exc:  # an "%Error ..." the terminal plugin takes as a failure: same verdict
            if is_internal_error(exc):
                raise
            if failure_kind(exc) != "rpc_error":
                raise DeviceError(failure_kind(exc), "%r: %s" % (command, device_message(str(exc), command))) from exc
            output = getattr(exc, "message", None) or str(exc)
        failed = replace_failure(device_message(output, command))
        if failed is not None:
            raise DeviceError(*failed)
        prove_and_confirm(connection, "show privilege", "privilege level", "configure confirm",
                          "replaced with configure replace ... timer %d" % minutes, "%d minute(s)" % minutes)
        return "configure replace %s force revert trigger error timer %d + configure confirm" % (path, minutes)
    finally:
        try:
            connection.get(command="delete /force %s" % path)
        except Exception:
            pass
