# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CLI platforms read through the vendor collections' cliconf plugins (``network_cli``).

``CliPlatform`` is what one platform module (``ios``, ``nxos``, ``iosxr``, ``eos``) says:
how to read (cliconf ``get_config()`` / ``get()``), which lines are volatile (left out of
the rendering and the sha256, so a read without a change stores nothing), which values are
secret (the rendering keeps them, so a changed secret is a new version; every output masks
them with ``device/secrets.py``, the one masking of every platform), how to find facts,
commit time and user, and what enabling auto-resync configures.
The snapshot keeps the raw text as read; rendering, hash and diff use the filtered text.

``CliSession`` is a ``DeviceSession`` over a cliconf connection: anything with the cliconf
methods, in practice ``ansible.module_utils.connection.Connection(socket_path)``.
"""
from __future__ import annotations

import calendar
import re
import time
from typing import Any, Optional, Pattern

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.device.platforms import Platform
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import CLI_SECRETS, mask_cli_line
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import DeviceSession, Target
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import ConfigRead, DeviceError, KnownCommit

# ansible_network_os (short or FQCN) -> our platform module
NETWORK_OS = {"ios": "ios", "cisco.ios.ios": "ios", "nxos": "nxos", "cisco.nxos.nxos": "nxos",
              "iosxr": "iosxr", "cisco.iosxr.iosxr": "iosxr", "eos": "eos", "arista.eos.eos": "eos"}
CLI_PLATFORMS = ("ios", "nxos", "iosxr", "eos")

COMMON_SECRETS = CLI_SECRETS  # secrets every Cisco-like CLI shares (device/secrets.py)


def parse_ctime(text: str) -> Optional[float]:
    """Seconds since the epoch of ``Mon Nov 30 09:00:01 2026`` or ``09:00:01 UTC Mon Nov 30 2026``.

    The device clock is taken as UTC (the zone name, when printed, is not interpreted).
    """
    text = " ".join(text.split())
    m = re.match(r"^(\d\d:\d\d:\d\d)(?:\.\d+)? \S+ (\w{3} \w{3} \d+ \d{4})$", text)
    if m:
        text = "%s %s %s" % (m.group(2).rsplit(" ", 1)[0], m.group(1), m.group(2).rsplit(" ", 1)[1])
    try:
        return float(calendar.timegm(time.strptime(text, "%a %b %d %H:%M:%S %Y")))
    except ValueError:
        return None


def first(pattern: str, text: str) -> Optional[str]:
    m = re.search(pattern, text, re.M)
    return m.group(1).strip() if m else None


class CliPlatform(Platform):
    """One CLI platform; subclasses fill in the class attributes and ``facts``."""

    name = "cli"
    fmt = "cli-text"
    vendor = "Cisco"
    read_flags: Optional[str] = None  # e.g. "all"; None: plain "show running-config"
    volatile: tuple[str, ...] = ()
    secrets: tuple[str, ...] = COMMON_SECRETS
    # (regex giving the commit time text in group 1, and the user in group "user" if any)
    commit_line: Optional[str] = None
    notification = ""  # the commit syslog message (docs and the listener tables)

    def __init__(self) -> None:
        self._volatile: list[Pattern[str]] = [re.compile(p) for p in self.volatile]
        self._secrets: list[Pattern[str]] = [re.compile(p) for p in self.secrets]

    # -- reading --------------------------------------------------------------------------------
    def read_config(self, manager: Any, known: Optional[KnownCommit] = None) -> ConfigRead:
        raw = str(manager.get_config(source="running", flags=self.read_flags) if self.read_flags
                  else manager.get_config(source="running"))
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        if not raw.strip():
            raise DeviceError("malformed_reply", "the device returned an empty running configuration")
        commit_time, commit_user = self.commit_info(raw)
        return ConfigRead(fmt=self.fmt, config=raw, root=None, commit_time=commit_time, commit_user=commit_user,
                          rendered=self.render(raw))

    def commit_info(self, raw: str) -> tuple[Optional[float], Optional[str]]:
        if self.commit_line is None:
            return None, None
        m = re.search(self.commit_line, raw, re.M)
        if not m:
            return None, None
        user = m.groupdict().get("user")
        return parse_ctime(m.group(1)), user

    # -- rendering ------------------------------------------------------------------------------
    def is_volatile(self, line: str) -> bool:
        return any(p.search(line) for p in self._volatile)

    def mask(self, line: str, key: bytes) -> str:
        """One line with this platform's secrets masked (``device/secrets.py`` markers)."""
        return mask_cli_line(line, key, self._secrets)

    def render(self, raw: str) -> str:
        """The stable text: volatile lines dropped, blank/trailing space trimmed; secrets kept (outputs mask)."""
        out = []
        for line in raw.replace("\r\n", "\n").split("\n"):
            line = line.rstrip()
            if not line.strip() or self.is_volatile(line):
                continue
            out.append(line)
        return "".join(line + "\n" for line in out)

    # -- facts and auto-resync -------------------------------------------------------------------
    def facts(self, manager: Any) -> dict[str, Any]:
        raise NotImplementedError

    def logging_lines(self, host: str, port: int) -> list[str]:
        """Configuration lines that send syslog to ``host:port`` (UDP)."""
        raise NotImplementedError

    def logging_prefix(self, host: str) -> str:
        """The start of every configuration line that sends syslog to ``host``."""
        raise NotImplementedError

    def logging_lines_for(self, raw: str, host: str) -> list[str]:
        """The lines of a running configuration that send syslog to ``host`` (any port)."""
        prefix = self.logging_prefix(host)
        return [line.strip() for line in raw.splitlines() if line.strip() == prefix
                or line.strip().startswith(prefix + " ")]

    def load_and_commit(self, manager: Any, config_xml: str, action: str, comment: str) -> None:
        raise DeviceError("unsupported", "%s devices are configured with CLI lines, not XML" % self.name)


TRACEBACK = "Traceback (most recent call last):"
RAISED = re.compile(r"^[A-Za-z_][\w.]*(?:: (.*))?$")


def crash_summary(text: str) -> tuple[str, str]:
    """What a Python traceback says failed: ``(summary, messages)``. The summary is the last
    exception line, and the one it was raised while handling, if any; ``messages`` are the
    exceptions' own words (not the frames' file names), to decide the kind of failure by."""
    raised = [m for m in (RAISED.match(line) for line in text.splitlines()
                          if line and not line[0].isspace() and not line.startswith(TRACEBACK)) if m]
    if not raised:
        return text.splitlines()[-1].strip()[:300], ""
    summary = raised[-1].group(0)[:300]
    if len(raised) > 1:
        summary += " (raised while handling %s)" % raised[-2].group(0)[:300]
    return summary, " ".join(m.group(1) or "" for m in raised[-2:])


def classify_cli(exc: BaseException, target: Target) -> DeviceError:
    """Name a failure of the persistent connection (its messages come from paramiko/cliconf)."""
    if isinstance(exc, DeviceError):
        return exc
    text = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).strip()
    where = "%s (%s:%s)" % (target.name, target.host, target.port)
    if text.startswith(TRACEBACK):  # ansible-connection crashed; ansible-core raised its stderr
        summary, said = crash_summary(text)
        first_line = "the persistent connection helper (ansible-connection) failed: %s" % summary
        low = said.lower()
    else:
        first_line = text.splitlines()[0][:300] if text else type(exc).__name__
        low = text.lower()
    if "authentication" in low or "auth failed" in low or "permission denied" in low:
        return DeviceError("auth_failed", "authentication failed for user %r on %s" % (target.username, where))
    if "elevate privilege" in low or "enable mode" in low:
        return DeviceError("auth_failed", "enable refused on %s (check ansible_become_password): %s"
                           % (where, first_line))
    if ("does not match" in low or "mismatch" in low) and "key" in low:  # paramiko BadHostKeyException
        return DeviceError("host_key_mismatch", "the SSH host key of %s does not match known_hosts; if the "
                           "device was replaced, update known_hosts" % where)
    if "authenticity of host" in low or "host key" in low or "not found in known_hosts" in low:
        return DeviceError("host_key_unknown", "the SSH host key of %s is not in known_hosts (network_cli reads "
                           "~/.ssh/known_hosts): %s" % (where, first_line))
    if "timed out" in low or "timeout" in low:
        return DeviceError("timeout", "no answer from %s: %s" % (where, first_line))
    if any(s in low for s in ("refused", "unreachable", "no route", "name or service", "connect", "socket")):
        return DeviceError("unreachable", "cannot reach %s: %s" % (where, first_line))
    if "invalid" in low or "error" in low:
        return DeviceError("rpc_error", "%s refused a command: %s" % (where, first_line))
    return DeviceError("malformed_reply", "%s: unexpected answer (%s: %s)" % (where, type(exc).__name__, first_line))


class CliSession(DeviceSession):
    """A ``DeviceSession`` over a cliconf connection. Closing it leaves the persistent
    connection to Ansible (the next task of the host reuses it)."""

    platform: CliPlatform

    def __init__(self, target: Target, connection: Any, platform: CliPlatform) -> None:
        super().__init__(target, connection, platform)

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except DeviceError:
            raise
        except Exception as exc:
            if is_internal_error(exc):  # a bug in our code: an internal error, never a device fault
                raise
            raise classify_cli(exc, self.target) from exc

    def configure(self, lines: list[str]) -> Any:
        """Enter ``lines`` in configuration mode and commit, through cliconf ``edit_config``."""
        return self._guard(lambda: self.manager.edit_config(candidate=lines, commit=True))

    def close(self) -> None:
        return None
