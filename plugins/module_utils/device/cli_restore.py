# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore on the CLI platforms that have a whole-configuration replace netsync.fleet can drive.

Arista EOS: a configuration session (``configure session``), ``rollback clean-config`` (the
session starts from an empty configuration), the stored lines, then ``commit``: the running
configuration becomes exactly the stored one, atomically, and a line the device rejects aborts
the session without touching the running configuration. This is what ``arista.eos.eos_config``
does for ``replace: config``, through the same cliconf ``edit_config``. EOS' ``commit timer``
(its commit confirmed) is not used yet.

Cisco IOS/IOS-XE (``configure replace``), IOS-XR (``commit replace``) and NX-OS are not here:
``restore`` refuses them.
"""
from __future__ import annotations

from typing import Any, Callable

Restorer = Callable[[Any, str], str]


def eos_lines(raw: str) -> list[str]:
    """The lines to enter for a stored ``show running-config``: comments, blanks and ``end`` left out,
    and an ``exit`` wherever the indentation closes a block, so no line lands in the wrong mode."""
    kept = []
    for line in raw.splitlines():
        text = line.rstrip()
        if text.strip() and not text.lstrip().startswith("!") and text.strip() != "end":
            kept.append(text)
    out: list[str] = []
    open_blocks: list[int] = []  # indentation of the blocks entered
    for i, text in enumerate(kept):
        indent = len(text) - len(text.lstrip())
        while open_blocks and indent <= open_blocks[-1]:
            open_blocks.pop()
            out.append("exit")
        out.append(text)
        following = kept[i + 1] if i + 1 < len(kept) else ""
        if following and len(following) - len(following.lstrip()) > indent:
            open_blocks.append(indent)
    return out


def eos_restore(connection: Any, raw: str) -> str:
    connection.edit_config(candidate=eos_lines(raw), commit=True, replace="config")
    return "configure session + rollback clean-config + commit"


#: platform name -> (stored formats it restores, how)
RESTORERS: dict[str, tuple[tuple[str, ...], Restorer]] = {
    "eos": (("eos-cli",), eos_restore),
}
