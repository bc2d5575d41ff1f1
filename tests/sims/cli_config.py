"""Running configuration of the CLI simulators (IOS, NX-OS, IOS-XR, EOS): an indented text model.

The configuration is a list of top-level lines; a line that opens a sub-mode (``interface
Gi1``, ``router bgp 65000``, ``username admin`` on IOS-XR, ...) owns the indented lines under
it. ``CliConfig.apply`` takes what a user types in configuration mode, one line at a time,
with the sub-mode context the shell keeps, and changes the model the way the real CLI does
for the commands tests use: a new line is added, a line with the same key replaces the old
one (``hostname r2`` replaces ``hostname r1``), ``no <line>`` removes it (and its children).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

# first words of the top-level lines that open a sub-mode, and the prompt suffix of that mode
SUBMODES: dict[str, str] = {
    "interface": "config-if",
    "router": "config-router",
    "line": "config-line",
    "vlan": "config-vlan",
    "vrf": "config-vrf",
    "ip access-list": "config-acl",
    "ipv4 access-list": "config-ipv4-acl",
    "route-map": "config-route-map",
    "policy-map": "config-pmap",
    "class-map": "config-cmap",
    "key chain": "config-keychain",
    "management": "config-mgmt",
    "username": "config-un",  # IOS-XR only (see CliConfig.block_users)
    "aaa group server": "config-sg",
}
# top-level commands that take one value: a new line replaces the old one with the same key
SINGLE_VALUED = ("hostname", "ip domain-name", "ip domain name", "domain name", "banner motd", "clock timezone",
                 "enable secret", "enable password", "ip name-server", "version", "feature", "boot system")


@dataclass
class Line:
    text: str
    children: list[str] = field(default_factory=list)


def submode_of(line: str, block_users: bool = False) -> str | None:
    """The prompt suffix of the sub-mode ``line`` opens, or None for a plain line."""
    for prefix, mode in SUBMODES.items():
        if line == prefix or line.startswith(prefix + " "):
            if prefix == "username" and not block_users:
                return None
            return mode
    return None


def _key(line: str) -> str:
    for prefix in SINGLE_VALUED:
        if line.startswith(prefix + " "):
            # "feature" and "ip name-server" repeat with different values: the whole line is the key
            return line if prefix in ("feature", "ip name-server") else prefix
    if line.startswith(("username ", "snmp-server community ")):  # one line per user / community
        return " ".join(line.split()[:2])
    if line.startswith(("description ", "ip address ", "ipv4 address ", "mtu ", "speed ")):
        return line.split()[0] + (" " + line.split()[1] if line.split()[0] in ("ip", "ipv4") else "")
    return line


def _matches(line: str, removal: str) -> bool:
    """Does ``no <removal>`` remove ``line``? Exact, or by key/prefix as the CLI accepts."""
    return line == removal or line.startswith(removal + " ") or _key(line) == _key(removal)


class CliConfig:
    """The configuration body (without the platform's header and ``end``)."""

    def __init__(self, text: str, block_users: bool = False) -> None:
        self.block_users = block_users
        # EOS "rollback clean-config": a "no ..." statement with nothing to remove is kept as a
        # statement (running-config shows "no switchport", "no aaa root"), as when it is loaded
        self.keep_negations = False
        self.lines: list[Line] = []
        for raw in text.splitlines():
            if not raw.strip() or raw.strip() == "!":
                continue
            if raw.startswith(" ") and self.lines:
                self.lines[-1].children.append(raw.strip())
            else:
                self.lines.append(Line(raw.strip()))

    def copy(self) -> CliConfig:
        dup = copy.deepcopy(self)
        dup.keep_negations = False
        return dup

    def find(self, text: str) -> Line | None:
        for line in self.lines:
            if line.text == text:
                return line
        return None

    def apply(self, command: str, context: str | None) -> tuple[str | None, bool]:
        """Apply one configuration command typed in ``context`` (a sub-mode line or None).

        Returns the context after the command and whether the configuration changed.
        """
        command = " ".join(command.split())
        negate = command.startswith("no ")
        body = command[3:] if negate else command
        if context is not None and submode_of(command, self.block_users) is None:
            return context, self._apply_child(context, body, negate)
        if negate:
            before = len(self.lines)
            self.lines = [line for line in self.lines if not _matches(line.text, body)]
            if len(self.lines) == before and self.keep_negations:
                self.lines.append(Line(command))
                return None, True
            return None, len(self.lines) != before
        if submode_of(command, self.block_users) is not None:
            if self.find(command) is None:
                self.lines.append(Line(command))
                return command, True
            return command, False
        for i, line in enumerate(self.lines):
            if line.text == command:
                return None, False
            if _key(line.text) == _key(command) and not line.children:
                self.lines[i] = Line(command)
                return None, True
        self.lines.append(Line(command))
        return None, True

    def _apply_child(self, context: str, body: str, negate: bool) -> bool:
        block = self.find(context)
        if block is None:
            block = Line(context)
            self.lines.append(block)
        if negate:
            kept = [c for c in block.children if not _matches(c, body)]
            changed = kept != block.children
            block.children = kept
            if not changed and self.keep_negations:
                block.children.append("no " + body)
                return True
            return changed
        if body in block.children:
            return False
        for i, child in enumerate(block.children):
            if _key(child) == _key(body) and _key(body) != body:
                block.children[i] = body
                return True
        block.children.append(body)
        return True

    def value(self, prefix: str) -> str | None:
        """The rest of the first top-level line starting with ``prefix``."""
        for line in self.lines:
            if line.text.startswith(prefix + " "):
                return line.text[len(prefix) + 1 :]
        return None

    def render(self, separator: bool = True) -> list[str]:
        """The body as the device prints it (``!`` between blocks when ``separator``)."""
        out: list[str] = []
        for line in self.lines:
            out.append(line.text)
            out.extend(" " + c for c in line.children)
            if separator and line.children:
                out.append("!")
        return out
