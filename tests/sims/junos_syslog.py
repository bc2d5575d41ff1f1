"""Commit syslog of the simulated Junos device: UI_COMMIT and UI_COMMIT_COMPLETED over UDP.

Targets come from ``system syslog host`` in the committed configuration. As on Junos, a
host gets a message only if one of its ``contents`` lets it through (the commit messages
are facility authorization, severity notice) and its ``match`` regex, when present,
matches. ``structured-data`` selects RFC 5424 with Junos structured data, otherwise
RFC 3164. Only loopback destinations are ever sent to; others are skipped and logged.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timezone

from tests.sims.junos_config import Element, key_of

LOG = logging.getLogger(__name__)

#: Junos facilities whose contents let the commit messages through.
_FACILITIES = frozenset({"any", "authorization", "interactive-commands", "change-log"})
#: severities at or below which "notice" is logged.
_SEVERITIES = frozenset({"any", "info", "notice"})
_SYSLOG_FACILITY = {
    "kernel": 0,
    "user": 1,
    "daemon": 3,
    "authorization": 4,
    "ftp": 11,
    "ntp": 12,
    "security": 13,
    "local0": 16,
    "local1": 17,
    "local2": 18,
    "local3": 19,
    "local4": 20,
    "local5": 21,
    "local6": 22,
    "local7": 23,
}
_NOTICE = 5
_DEFAULT_FACILITY = 23  # local7: <189> for notice, as the brief's Junos capture shows
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class SyslogTarget:
    """One ``system syslog host`` stanza that receives the commit messages."""

    address: str
    port: int
    structured: bool
    brief: bool
    match: str | None
    facility: int


def _loopback(address: str) -> str | None:
    if address == "localhost":
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return address if ip.is_loopback else None


def _passes(host: Element) -> bool:
    for contents in host.findall("contents"):
        if key_of(contents) in _FACILITIES and any(c.tag in _SEVERITIES for c in contents if c.tag != "name"):
            return True
    return False


def syslog_targets(config: Element) -> list[SyslogTarget]:
    """The loopback ``system syslog host`` entries that would log a commit."""
    targets = []
    for host in config.findall("system/syslog/host"):
        name = key_of(host) or ""
        address = _loopback(name)
        if address is None:
            LOG.warning("junos sim: syslog host %s is not loopback; not sending", name)
            continue
        if not _passes(host):
            continue
        port_text = host.findtext("port")
        sd = host.find("structured-data")
        override = host.findtext("facility-override")
        targets.append(
            SyslogTarget(
                address=address,
                port=int(port_text) if port_text and port_text.isdigit() else 514,
                structured=sd is not None,
                brief=sd is not None and sd.find("brief") is not None,
                match=host.findtext("match"),
                facility=_SYSLOG_FACILITY.get(override or "", _DEFAULT_FACILITY),
            )
        )
    return targets


@dataclass(frozen=True)
class CommitEvent:
    """What a commit logs: who, how, when."""

    hostname: str
    pid: int
    user: str
    comment: str | None
    when: datetime
    model_oid: str


def _events(event: CommitEvent) -> list[tuple[str, str, str]]:
    """(tag, structured-data params, text) for the two messages."""
    comment = event.comment if event.comment else "none"
    return [
        (
            "UI_COMMIT",
            f'username="{_sd(event.user)}" command="commit" message="{_sd(comment)}"',
            f"User '{event.user}' requested 'commit' operation (comment: {comment})",
        ),
        ("UI_COMMIT_COMPLETED", "", "commit complete"),
    ]


def _sd(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def format_rfc5424(event: CommitEvent, target: SyslogTarget, tag: str, params: str, text: str) -> str:
    """Junos structured-data form (``<189>1 TIMESTAMP HOST mgd PID TAG [junos@...] text``)."""
    stamp = event.when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    prio = target.facility * 8 + _NOTICE
    sd = f"[junos@2636.1.1.1.2.{event.model_oid} {params}]"
    body = "" if target.brief else f" {text}"
    return f"<{prio}>1 {stamp} {event.hostname} mgd {event.pid} {tag} {sd}{body}"


def format_rfc3164(event: CommitEvent, target: SyslogTarget, tag: str, text: str) -> str:
    """Classic form (``<189>Jul  6 03:52:49 r1 mgd[97400]: UI_COMMIT: ...``)."""
    when = event.when.astimezone(timezone.utc)
    stamp = f"{_MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S}"
    prio = target.facility * 8 + _NOTICE
    return f"<{prio}>{stamp} {event.hostname} mgd[{event.pid}]: {tag}: {text}"


def commit_messages(event: CommitEvent, target: SyslogTarget) -> list[tuple[str, str]]:
    """(tag, datagram text) for each commit message this target accepts."""
    out = []
    for tag, params, text in _events(event):
        if target.match is not None:
            try:
                if re.search(target.match, f"{tag}: {text}") is None:
                    continue
            except re.error:
                continue
        if target.structured:
            out.append((tag, format_rfc5424(event, target, tag, params, text)))
        else:
            out.append((tag, format_rfc3164(event, target, tag, text)))
    return out


def send_commit_syslog(event: CommitEvent, before: Element | None, after: Element) -> int:
    """Send UI_COMMIT per the configuration before the commit, UI_COMMIT_COMPLETED per the
    one after (the commit starts under the old syslog settings and completes under the
    new). Returns the number of datagrams sent."""
    sent = 0
    plan: list[tuple[SyslogTarget, str]] = []
    for phase, config in (("UI_COMMIT", before), ("UI_COMMIT_COMPLETED", after)):
        if config is None:
            continue
        for target in syslog_targets(config):
            plan.extend((target, msg) for tag, msg in commit_messages(event, target) if tag == phase)
    for target, msg in plan:
        family = socket.AF_INET6 if ":" in target.address else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.sendto(msg.encode(), (target.address, target.port))
            sent += 1
        except OSError as exc:
            LOG.warning("junos sim: syslog to %s:%s failed: %s", target.address, target.port, exc)
    return sent
