# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore on Arista EOS over network_cli: a configuration session committed with EOS' ``commit timer``
(its commit confirmed), confirmed once the session still works.

In order, each through the ``arista.eos`` cliconf ``get`` (its ``send_command``) on the host's
persistent connection:

1. ``configure session <name>`` (a name of our own, ``netsync_restore_<hex>``), then ``rollback
   clean-config``: the session starts from an empty configuration, so it ends as exactly the stored
   one, as ``arista.eos.eos_config`` does for ``replace: config``.
2. The stored lines (``cli_restore_lines.block_lines``). A ``banner`` is sent as that cliconf's
   ``edit_config`` sends one: its text lines without waiting for a prompt, up to its ``EOF``. A line
   the device rejects (``% Invalid input``) stops the restore: ``abort`` drops the session, the running
   configuration is untouched, and the task fails with the device's message.
3. ``commit timer <hh:mm:ss>``: the session replaces the running configuration atomically, on trial.
   EOS rolls it back by itself when the timer ends unless the session is committed again.
4. ``show hostname`` proves the connection still works, then ``configure session <name> commit``
   confirms. If either fails (the restore cut the management
   path), EOS rolls back when the timer ends, and the task fails saying so, as on the other platforms.

``confirm_timeout`` is the timer, in seconds (at least 1 minute, at most 24 hours here); the commit
comment is not sent (EOS sessions take none).
"""
from __future__ import annotations

import uuid
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.device._restore import ConfirmFailed
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_iosxr import prove_and_confirm, send
from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_restore_lines import block_lines
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

MIN_TIMER, MAX_TIMER = 60, 24 * 3600


def timer_text(confirm_timeout: int) -> str:
    """``hh:mm:ss`` of ``commit timer`` for ``confirm_timeout`` seconds (clamped to 1 minute .. 24 hours)."""
    seconds = max(MIN_TIMER, min(MAX_TIMER, int(confirm_timeout)))
    return "%02d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def eos_lines(raw: str) -> list[str]:
    """The lines to enter for a stored EOS ``show running-config`` (``block_lines``), each banner's text
    kept as it is, up to its ``EOF`` (its indentation is text, not blocks)."""
    kept: list[str] = []
    bodies: list[list[str]] = []
    lines = raw.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        kept.append(lines[i])
        if lines[i].startswith("banner "):
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "EOF":
                body.append(lines[i])
                i += 1
            bodies.append(body)
        i += 1
    out: list[str] = []
    texts = iter(bodies)
    for line in block_lines("\n".join(kept)):
        out.append(line)
        if line.startswith("banner "):
            out.extend(next(texts))
            out.append("EOF")
    return out


def send_lines(connection: Any, lines: list[str]) -> None:
    """Type ``lines`` in the session; a banner's text goes without waiting for a prompt, up to ``EOF``."""
    in_banner = False
    for line in lines:
        command = line.strip()
        if in_banner:
            if command == "EOF":
                in_banner = False
                send(connection, command)
            else:
                send(connection, line, sendonly=True)
            continue
        if command.startswith("banner "):
            in_banner = True
            send(connection, command, sendonly=True)
            continue
        send(connection, command)


def eos_restore(connection: Any, raw: str, comment: str, confirm_timeout: int) -> str:
    lines = eos_lines(raw)
    if not lines:
        raise DeviceError("unsupported", "the stored version has no configuration lines")
    timer = timer_text(confirm_timeout)
    session = "netsync_restore_%s" % uuid.uuid4().hex[:12]
    send(connection, "configure session %s" % session)
    committed = False
    try:
        send(connection, "rollback clean-config")
        send_lines(connection, lines)
        send(connection, "commit timer %s" % timer)
        committed = True
        prove_and_confirm(connection, "show hostname", "Hostname:", "configure session %s commit" % session,
                          "committed with commit timer %s" % timer, timer)
        return "configure session + rollback clean-config + commit timer %s + configure session commit" % timer
    except ConfirmFailed:
        raise
    except BaseException:
        if not committed:
            try:  # still in the session: abort drops it (the running configuration is untouched)
                connection.get(command="abort")
            except Exception:
                pass
        raise
