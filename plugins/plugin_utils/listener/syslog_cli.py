"""Commit notifications of the CLI platforms (Cisco IOS/IOS-XE, NX-OS, IOS-XR, Arista EOS).

Pure functions, stdlib only. ``classify_cli(msg, body)`` looks for the platform's message
mnemonic in a parsed message that the Junos classification left as ``other`` and fills
``event``, ``msgid`` (the mnemonic without ``%``), ``commit_user``, ``commit_source`` and,
for IOS-XR, ``commit_id``. It also finds the device's hostname in the Cisco RFC 3164 forms
that carry it in the message (``123: r1: *Nov 30 ...: %SYS-5-CONFIG_I: ...``, NX-OS
``2026 Nov 30 09:10:11 r1 %VSHD-...``, IOS-XR ``123: r1 RP/0/RP0/CPU0:Nov 30 ...``).

=====================================  =========  ==================================
mnemonic                               event      fields
=====================================  =========  ==================================
``SYS-5-CONFIG_I`` (IOS, EOS), also    commit     user, source (``... by U on vty0
the stack form ``SYS-SW1-5-CONFIG_I``             (SRC)``; no user without AAA)
``VSHD-5-VSHD_SYSLOG_CONFIG_I``        commit     user, source (``on SRC@pts/0``)
``MGBL-CONFIG-6-DB_COMMIT``            commit     user, commit id (``changes ID``)
``SYS-5-CONFIG_E`` (entering config)   other      user, source: not a change
=====================================  =========  ==================================
"""

from __future__ import annotations

import re
from typing import Literal, Optional, Protocol


class CliClassifiable(Protocol):
    """The fields of ``syslog.SyslogMessage`` that the classification reads and sets."""

    event: Literal["commit", "commit-started", "other"]
    hostname: Optional[str]
    message: str
    msgid: Optional[str]
    commit_user: Optional[str]
    commit_source: Optional[str]
    commit_id: Optional[str]


__all__ = ["CLI_COMMIT_MNEMONICS", "CLI_COMMIT_TAGS", "classify_cli"]

CLI_COMMIT_MNEMONICS = {"CONFIG_I": "commit", "VSHD_SYSLOG_CONFIG_I": "commit", "DB_COMMIT": "commit",
                        "CONFIG_E": "other"}
# bytes every commit message contains (the listener's cheap pre-filter; VSHD_SYSLOG_CONFIG_I too)
CLI_COMMIT_TAGS = (b"CONFIG_I", b"DB_COMMIT")
_FACILITIES = {"SYS", "VSHD", "MGBL"}

# %FACILITY[-SUBFACILITY]-SEVERITY-MNEMONIC: text   (IOS-XR puts a space before the colon)
_RE_TAG = re.compile(r"%([A-Z][A-Z0-9_]{0,31})(?:-([A-Z0-9_]{1,32}))?-([0-7])-([A-Z][A-Z0-9_]{0,63}) ?: ")
_RE_CONFIGURED = re.compile(
    r"Configured from (\S{1,64}) by (?:(\S{1,128}) on )?(\S{1,128})(?: \(([^()\s]{1,128})\))?")
_RE_ENTER = re.compile(
    r"Enter configuration mode from (\S{1,64}) by (?:(\S{1,128}) on )?(\S{1,128})(?: \(([^()\s]{1,128})\))?")
_RE_XR_COMMIT = re.compile(
    r"Configuration committed by user '([^']{0,128})'\.(?: Use 'show configuration commit changes (\d{1,20})')?")
_HOST = r"((?![0-9]{1,10}[: ])[A-Za-z0-9][A-Za-z0-9_.-]{0,62})"
_RE_HOSTS = (
    re.compile(r"(?:^|\s)" + _HOST + r": [*.]?[A-Z][a-z]{2} {1,2}\d{1,2} "),  # IOS: "r1: *Nov 30 ..."
    re.compile(r"(?:^|\s)" + _HOST + r" (?:RP|LC)/\d{1,3}/"),  # IOS-XR: "r1 RP/0/RP0/CPU0:..."
    re.compile(r"^\d{4} [A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d{1,6})?(?: [A-Z]{3,4})? " + _HOST
               + r"\s?:?\s?$"),  # NX-OS: "2026 Nov 30 09:10:11 r1 "
    re.compile(r"^\d{1,10}: " + _HOST + r": $"),  # IOS without timestamps: "123: r1: "
)


def _source(line: str, paren: Optional[str]) -> Optional[str]:
    """The remote address of ``vty0 (SRC)`` or NX-OS ``SRC@pts/0``; None for the console."""
    if paren:
        return paren
    if "@" in line:
        return line.split("@", 1)[0] or None
    return None


def _hostname(prefix: str) -> Optional[str]:
    for pattern in _RE_HOSTS:
        m = pattern.search(prefix)
        if m is not None:
            return m.group(1)
    return None


def classify_cli(msg: CliClassifiable, body: str) -> None:
    """Classify a CLI platform's message in place (``body``: the text after ``<PRI>``)."""
    m = _RE_TAG.search(body)
    if m is None or m.group(1) not in _FACILITIES:
        return
    mnemonic = m.group(4)
    event = CLI_COMMIT_MNEMONICS.get(mnemonic)
    if event is None:
        return
    text = body[m.end():]
    user = source = commit_id = None
    if mnemonic == "DB_COMMIT":
        xm = _RE_XR_COMMIT.match(text)
        if xm is None:
            return
        user, commit_id = xm.group(1) or None, xm.group(2)
    else:
        cm = (_RE_ENTER if mnemonic == "CONFIG_E" else _RE_CONFIGURED).match(text)
        if cm is None:
            return
        user, source = cm.group(2), _source(cm.group(3), cm.group(4))
    msg.event = "commit" if event == "commit" else "other"
    msg.msgid = "-".join(g for g in m.group(1, 2, 3, 4) if g)
    msg.message = body[m.start():]
    msg.commit_user, msg.commit_source, msg.commit_id = user, source, commit_id
    if msg.hostname is None:
        msg.hostname = _hostname(body[:m.start()])
