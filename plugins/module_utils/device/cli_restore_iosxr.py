# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore on Cisco IOS-XR over network_cli: the stored lines in a configuration session, then
``commit replace confirmed``, confirmed once the session still works.

In order, each through the ``cisco.iosxr`` cliconf ``get`` (its ``send_command``) on the host's
persistent connection:

1. ``configure exclusive``: a target configuration of our own, and no other session commits while
   we work.
2. The stored lines (``cli_restore_lines.block_lines``: header, ``!`` and ``end`` left out, an
   ``exit`` where a block closes). A line the device rejects (``% Invalid input detected``) stops
   the restore: ``abort`` drops the target configuration, the running one is untouched, and the
   task fails with the device's message.
3. ``commit replace confirmed <seconds>``, answering ``yes`` to IOS-XR's question ("This commit will
   replace or remove the entire running configuration …"): the target configuration replaces the
   whole running configuration atomically (a semantic error fails the whole commit, nothing
   changes), on trial. This is how NAPALM's iosxr driver (pyIOSXR ``commit_replace_config``) puts a
   configuration back without a file on the device, and the command ``cisco.iosxr``'s cliconf sends
   for ``replace`` with ``commit_confirmed``. IOS-XR takes 30 to 65535 seconds; ``confirm_timeout``
   is clamped into that range.
4. ``show running-config hostname`` proves the session still works, then ``commit`` confirms the
   trial. If either fails (the restore cut the management path), IOS-XR rolls back by itself when
   the trial ends, and the task fails saying so, as for Junos' ``commit confirmed``.
5. ``end``.

The commit comment is not sent (``commit replace confirmed`` takes none).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import ConfirmFailed
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_lines import block_lines, device_message
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

#: the question IOS-XR asks before a commit replace (cisco.iosxr cliconf answers it the same way)
REPLACE_QUESTION = r"This commit will replace or remove the entire running configuration"
MIN_CONFIRM, MAX_CONFIRM = 30, 65535


def confirm_seconds(confirm_timeout: int) -> int:
    """``commit confirmed`` seconds IOS-XR accepts (30..65535) for a ``confirm_timeout``."""
    return max(MIN_CONFIRM, min(MAX_CONFIRM, int(confirm_timeout)))


def failure_kind(exc: BaseException) -> str:
    """The DeviceError kind of a cliconf failure: a timeout, the connection lost, or a refusal."""
    if isinstance(exc, DeviceError):
        return exc.kind
    text = str(exc).lower()
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if any(s in text for s in ("socket", "closed", "connection", "eof", "broken pipe")):
        return "unreachable"
    return "rpc_error"


def send(connection: Any, command: str, **options: Any) -> str:
    """One command through cliconf ``get`` (``options``: its ``prompt``, ``answer``, ``sendonly``); a
    refusal becomes a DeviceError with the device's words."""
    try:
        return str(connection.get(command=command, **options) or "")
    except Exception as exc:
        if is_internal_error(exc):
            raise
        kind = failure_kind(exc)
        message = device_message(getattr(exc, "message", None) or str(exc), command) or type(exc).__name__
        raise DeviceError(kind, "%r: %s" % (command, message)) from exc


def prove_and_confirm(connection: Any, proof_command: str, expected: str, confirm_command: str,
                      done: str, within: str) -> None:
    """Confirm a trial (``done``) once ``proof_command``'s answer holds ``expected``: the session still
    works. Otherwise ConfirmFailed: the device rolls back by itself ``within`` the trial's time."""
    try:
        if expected not in send(connection, proof_command):
            raise DeviceError("unreachable", "%r got no answer" % proof_command)
        send(connection, confirm_command)
    except Exception as exc:
        if is_internal_error(exc):
            raise
        raise ConfirmFailed(failure_kind(exc), "%s but not confirmed (%s): the device rolls back to its previous "
                            "configuration within %s" % (done, exc, within)) from exc


def iosxr_restore(connection: Any, raw: str, comment: str, confirm_timeout: int) -> str:
    lines = block_lines(raw)
    if not lines:
        raise DeviceError("unsupported", "the stored version has no configuration lines")
    seconds = confirm_seconds(confirm_timeout)
    send(connection, "configure exclusive")
    committed = False
    try:
        for line in lines:
            send(connection, line.strip())
        send(connection, "commit replace confirmed %d" % seconds, prompt=REPLACE_QUESTION, answer="yes")
        committed = True
        prove_and_confirm(connection, "show running-config hostname", "hostname", "commit",
                          "committed with commit replace confirmed %d" % seconds, "%d s" % seconds)
        try:  # confirmed: leaving configuration mode is tidiness (the next task's cliconf does it too)
            connection.get(command="end")
        except Exception:
            pass
        return "commit replace confirmed %d + commit" % seconds
    except ConfirmFailed:
        raise
    except BaseException:
        if not committed:
            try:
                connection.get(command="abort")
            except Exception:
                pass
        raise
