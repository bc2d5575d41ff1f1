# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure text helpers of the CLI restores: which stored lines to type, and what a device said.

No I/O here: ``block_lines`` turns a stored ``show running-config`` into the lines to enter in
configuration mode; ``device_message`` cleans a device's answer (echo and prompt dropped) so an
error names what the device printed.
"""
from __future__ import annotations

import ast
import re

# header lines of a "show running-config" that are not configuration (IOS, IOS-XR, EOS)
_HEADER = re.compile(r"^(?:Building configuration\.\.\.|Current configuration : \d+ bytes)$")
# IOS-XR blocks closed by their own statement (route-policy ... end-policy, prefix-set ... end-set)
_OWN_END = re.compile(r"^end-(?:policy|set|group|macro|global)$")
_PROMPT = re.compile(r"^\S+?(?:\([^)]*\))*[#>]\s*$")


def block_lines(raw: str) -> list[str]:
    """The lines to enter for a stored ``show running-config``: header, comments (``!``), blanks and
    ``end`` left out, and an ``exit`` wherever the indentation closes a block, so no line lands in the
    wrong mode. IOS-XR's ``end-policy``/``end-set`` close their block themselves (no ``exit`` before)."""
    kept = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        text = line.rstrip()
        stripped = text.strip()
        if stripped and not stripped.startswith("!") and stripped != "end" and not _HEADER.match(stripped):
            kept.append(text)
    out: list[str] = []
    open_blocks: list[int] = []  # indentation of the blocks entered
    for i, text in enumerate(kept):
        indent = len(text) - len(text.lstrip())
        while open_blocks and indent <= open_blocks[-1]:
            closing_own = _OWN_END.match(text.strip()) and indent == open_blocks[-1]
            open_blocks.pop()
            if closing_own:
                break
            out.append("exit")
        out.append(text)
        if _OWN_END.match(text.strip()):
            continue
        following = kept[i + 1] if i + 1 < len(kept) else ""
        if following and len(following) - len(following.lstrip()) > indent:
            open_blocks.append(indent)
    return out


def device_message(text: str, command: str = "") -> str:
    """What the device printed, one line per line: the echoed ``command``, prompts and blanks dropped.

    network_cli raises a refused command's output as the repr of its bytes (``b"cmd\\r\\n% Invalid…"``):
    that form is read back first (a literal, never evaluated as code)."""
    text = text.strip()
    if 2 < len(text) < 65536 and text[0] == "b" and text[1] in "'\"" and text[-1] == text[1]:
        try:
            value = ast.literal_eval(text)
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else text
        except (ValueError, SyntaxError):
            pass
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line or line == command.strip() or _PROMPT.match(line):
            continue
        out.append(line)
    return "\n".join(out)
