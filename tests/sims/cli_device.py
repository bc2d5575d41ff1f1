"""One simulated CLI device (IOS, NX-OS, IOS-XR or EOS): configuration, commits, syslog.

The SSH shell (``tests.sims.cli_shell``) and the test helpers (``CliSim.configure``) both
change the device through ``CliDevice``: a finished change updates the "last change"
header lines and sends the platform's commit syslog to every ``logging`` destination of the
running configuration and to the extra destinations the test gave.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from tests.sims.cli_config import CliConfig
from tests.sims.cli_platforms import PLATFORMS, State, logging_targets, syslog_datagram, syslog_text

LOG = logging.getLogger(__name__)
FIRST_COMMIT_ID = 1000000001


@dataclass
class Change:
    """One configuration change as the device recorded it."""

    user: str
    source: str
    at: float
    commit_id: str = ""
    lines: list[str] = field(default_factory=list)


class CliDevice:
    def __init__(self, platform: str, hostname: str, config: str | None = None, serial: str = "9ABCDEF0123",
                 syslog_hosts: list[tuple[str, int]] | None = None, rfc5424: bool = False) -> None:
        self.platform = PLATFORMS[platform]
        text = (config if config is not None else self.platform.default_config).format(hostname=hostname)
        self.config = CliConfig(text, block_users=self.platform.block_users)
        now = time.time()
        self.state = State(hostname=hostname, version=self.platform.version, model=self.platform.model,
                           serial=serial, changed_at=now, changed_by="admin", saved_at=now)
        self.syslog_hosts = list(syslog_hosts or [])
        self.rfc5424 = rfc5424
        self.changes: list[Change] = []
        self.syslog_sent: list[str] = []
        self.sessions: dict[str, CliConfig] = {}  # EOS pending configuration sessions
        self.logins = 0  # shell sessions opened (a persistent connection opens one)
        # restore (tests.sims.cli_restore_shell): IOS flash files by path, lines the device now refuses,
        # the pending rollback timer of a confirmed replace, and a factor tests use to shorten that timer
        self.files: dict[str, str] = {}
        self.rejects: set[str] = set()
        self.trial: asyncio.TimerHandle | None = None
        self.timer_session: str | None = None  # EOS: the session committed with commit timer, while it runs
        self.trial_rollback: Optional[Callable[[], None]] = None  # what the trial runs at its end (EOS abort: now)
        self.trial_scale = 1.0
        self.cut_in_trial = False  # fault: the next command while a confirmed replace waits ends the session
        self._seq = 100

    @property
    def hostname(self) -> str:
        return self.config.value("hostname") or self.state.hostname

    def running_config(self, flags: str = "") -> str:
        """What ``show running-config`` prints (``flags``: ``all``, ``| include X``, ``hostname``)."""
        if flags.strip() == "hostname":
            return "hostname %s" % self.hostname
        p = self.platform
        body = self.config.render(separator=p.name != "nxos")
        if p.name == "ios":  # the clock discipline value drifts: IOS prints a new one now and then
            body = [("ntp clock-period %d" % (17208100 + self.state.reads % 50)
                     if line.startswith("ntp clock-period") else line) for line in body]
        lines = p.header(self.state) + body
        if p.name != "nxos":
            lines.append("end")
        if "|" in flags:
            pipe = flags.split("|", 1)[1].strip()
            if pipe.startswith(("include ", "i ")):
                pattern = pipe.split(None, 1)[1]
                lines = [line for line in lines if pattern in line]
        return "\n".join(lines)

    def commit(self, candidate: CliConfig, user: str, source: str, lines: list[str], notify: bool = True) -> Change:
        """Make ``candidate`` the running configuration, record it and notify (unless ``notify`` is false)."""
        self.config = candidate
        now = time.time()
        self.state.changed_at, self.state.changed_by = now, user
        change = Change(user=user, source=source, at=now, lines=list(lines))
        if self.platform.commit_needed:
            change.commit_id = str(FIRST_COMMIT_ID + len(self.changes))
        self.changes.append(change)
        if notify:
            self.notify("change", user, source, change.commit_id)
        return change

    def save(self) -> None:
        self.state.saved_at = time.time()

    def notify(self, event: str, user: str, source: str, commit_id: str = "") -> None:
        """Send the platform's syslog for ``event`` (``change`` or ``enter``) over UDP."""
        if event == "enter" and self.platform.name != "eos":
            return
        text = syslog_text(self.platform.name, event, user, source, self.hostname, commit_id)
        self._seq += 1
        datagram = syslog_datagram(self.platform.name, self.hostname, text, self.rfc5424, self._seq)
        self.syslog_sent.append(datagram)
        targets = logging_targets(self.platform, self.config) + self.syslog_hosts
        for host, port in dict.fromkeys(targets):
            if not host.startswith("127."):  # loopback only: never send to a real network
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                try:
                    sock.sendto(datagram.encode(), (host, port))
                except OSError as exc:
                    LOG.warning("syslog to %s:%s failed: %s", host, port, exc)
