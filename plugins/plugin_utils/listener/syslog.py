"""Syslog parsing for the auto-resync listener: RFC 5424, RFC 3164, Junos commit events.

Pure functions, stdlib only, no I/O. ``parse_syslog`` turns one datagram or line into a
``SyslogMessage`` or raises ``SyslogParseError`` whose ``reason`` is one of
``REJECT_REASONS`` (so callers can count rejections); it never raises anything else.
Every regex is anchored with bounded or disjoint repetitions (linear time).

Junos commit classification (``SyslogMessage.event``):

* ``commit`` -- the active configuration changed: ``UI_COMMIT_COMPLETED``,
  ``UI_COMMIT_AT_COMPLETED`` (a scheduled commit ran), ``UI_COMMIT_NOT_CONFIRMED``
  (automatic rollback of an unconfirmed commit), ``UI_COMMIT_CONFIRMED`` (a confirmation,
  which adds a commit-history entry).
* ``commit-started`` -- ``UI_COMMIT``: a user requested a commit (carries user, command,
  comment); it may still fail. ``commit check`` requests are ``other``.
* ``other`` -- everything else (``UI_COMMIT_PROGRESS``, ``UI_COMMIT_AT`` scheduling,
  ``UI_CFG_AUDIT_*`` candidate edits, non-Junos lines, ...).

CLI platforms (``%SYS-5-CONFIG_I`` and the like) are classified by ``syslog_cli``.

The resync trigger is ``commit``; ``commit-started`` triggers only for a device that has
never sent a ``commit`` event (its syslog ``match`` forwards ``UI_COMMIT`` alone), see
``is_resync_trigger``.
"""

from __future__ import annotations

import datetime as _dt
import re
import time
from dataclasses import dataclass
from typing import Literal

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_cli import classify_cli
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog_framing import (
    SyslogStreamDecoder,
)

__all__ = [
    "COMMIT_EVENTS",
    "MAX_MESSAGE_SIZE",
    "REJECT_REASONS",
    "SEVERITY_NAMES",
    "Event",
    "SyslogMessage",
    "SyslogParseError",
    "SyslogStreamDecoder",
    "is_resync_trigger",
    "parse_syslog",
]

MAX_MESSAGE_SIZE = 8192
"""Default size limit of one message (bytes; characters for ``str`` input)."""

Event = Literal["commit", "commit-started", "other"]

REJECT_REASONS: tuple[str, ...] = (
    "bad-type",  # input is not bytes/bytearray/memoryview/str
    "empty",
    "too-long",
    "nul-byte",
    "newline",  # CR or LF inside the message (a single trailing LF/CRLF is allowed)
    "invalid-utf8",
    "no-pri",  # no <PRI> and no RFC 3164 timestamp either
    "bad-pri",  # malformed <PRI> or PRI > 191
    "bad-version",  # RFC 5424 version other than 1
    "truncated",  # input ends inside the header or structured data
    "bad-header",  # RFC 5424 header field invalid or too long
    "bad-timestamp",
    "bad-sd",  # malformed RFC 5424 structured data
    "internal-error",  # a bug; tests assert it never happens
)

SEVERITY_NAMES: tuple[str, ...] = (
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
)

COMMIT_EVENTS: dict[str, Event] = {
    "UI_COMMIT": "commit-started",
    "UI_COMMIT_COMPLETED": "commit",
    "UI_COMMIT_AT_COMPLETED": "commit",
    "UI_COMMIT_NOT_CONFIRMED": "commit",
    "UI_COMMIT_CONFIRMED": "commit",
}
"""Junos message tags that classify as something other than ``other``."""


class SyslogParseError(ValueError):
    """A rejected message; ``reason`` is one of ``REJECT_REASONS``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class SyslogMessage:
    """One parsed syslog message. Nil (``-``) or absent fields are None."""

    facility: int
    severity: int
    timestamp: float | None
    hostname: str | None
    app: str | None
    procid: str | None
    msgid: str | None
    structured_data: dict[str, dict[str, str]]
    message: str
    protocol: Literal["rfc5424", "rfc3164"]
    event: Event = "other"
    commit_user: str | None = None
    commit_comment: str | None = None
    commit_command: str | None = None
    commit_source: str | None = None  # CLI platforms: the address the user configured from
    commit_id: str | None = None  # IOS-XR: the commit id of "show configuration commit changes ID"


def is_resync_trigger(msg: SyslogMessage, *, device_sends_completed: bool) -> bool:
    """True when ``msg`` should schedule a resync for its device.

    ``device_sends_completed``: the device has sent a ``commit`` event before, so its
    ``commit-started`` (``UI_COMMIT``) messages are covered by the completion message.
    """
    if msg.event == "commit":
        return True
    return msg.event == "commit-started" and not device_sends_completed


# -- regexes (anchored; repetitions bounded or over disjoint classes) ---------------------

_PRINT = r"[!-~]"
_RE_5424 = re.compile(
    rf"<(\d{{1,3}})>1 ({_PRINT}{{1,64}}) ({_PRINT}{{1,255}}) ({_PRINT}{{1,48}}) "
    rf"({_PRINT}{{1,128}}) ({_PRINT}{{1,32}})(?= |$)"
)
_RE_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)"
)
# SD-NAME: PRINTUSASCII except '=', SP, ']', '"'.
_SDNAME = r'[!#-<>-\\^-~]{1,32}'
_SDVALUE = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_RE_SD_ELEMENT = re.compile(rf'\[({_SDNAME})((?: {_SDNAME}={_SDVALUE})*) ?\]', re.S)
_RE_SD_PARAM = re.compile(rf' ({_SDNAME})={_SDVALUE}', re.S)
_RE_SD_UNESCAPE = re.compile(r'\\(["\\\]])')
_RE_3164_TS = re.compile(
    r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?= |$)"
)
_RE_MONTH_DAY = re.compile(r" {1,2}\d")
_RE_TAG = re.compile(r"([^\s\[\]:]{1,64})(?:\[([^\s\[\]]{1,128})\])?:(?= |$)")
_RE_JUNOS_TAG = re.compile(
    r"(?:%[A-Z0-9_]{1,32}-[0-7]-)?([A-Z][A-Z0-9]{0,15}_[A-Z0-9_]{1,63}):(?: |$)"
)
_RE_USER_REQUESTED = re.compile(
    r"User '([^']{0,128})' requested '([^']{0,128})' operation(?: \(comment: (.{0,4096})\))?$",
    re.S,
)
_MONTHS = {
    m: i for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# -- time helpers ------------------------------------------------------------------------

def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _valid_date(y: int, m: int, d: int) -> bool:
    if not 1 <= m <= 12 or d < 1:
        return False
    if m == 2 and d == 29:
        return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return d <= _DAYS_IN_MONTH[m]


_DAY_CACHE: dict[int, int] = {}
_FRAC_SCALE = tuple(10.0**i for i in range(10))


def _day_number(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01, memoized (bounded); rejects dates that do not exist."""
    key = (y * 100 + m) * 100 + d
    days = _DAY_CACHE.get(key)
    if days is None:
        if not _valid_date(y, m, d):
            raise SyslogParseError("bad-timestamp", "no such date")
        days = _days_from_civil(y, m, d)
        if len(_DAY_CACHE) >= 4096:
            _DAY_CACHE.clear()
        _DAY_CACHE[key] = days
    return days


def _epoch(y: int, mo: int, d: int, h: int, mi: int, s: int, frac: str | None) -> float:
    if h > 23 or mi > 59 or s > 59:
        raise SyslogParseError("bad-timestamp", "time out of range")
    t = _day_number(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
    if frac:
        return t + int(frac) / _FRAC_SCALE[len(frac)]
    return float(t)


def _parse_rfc3339(ts: str) -> float:
    m = _RE_RFC3339.fullmatch(ts)
    if m is None:
        raise SyslogParseError("bad-timestamp", "not RFC 3339")
    y, mo, d, h, mi, s, frac, off = m.groups()
    t = _epoch(int(y), int(mo), int(d), int(h), int(mi), int(s), frac)
    if off not in ("Z", "z"):
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            raise SyslogParseError("bad-timestamp", "offset out of range")
        t -= (oh * 3600 + om * 60) * (1 if off[0] == "+" else -1)
    return t


_HALF_YEAR = 182 * 86400


def _bsd_epoch(
    mon: int, day: int, year: int | None, hms: tuple[int, int, int], frac: str | None,
    now: float, tz: _dt.tzinfo | None,
) -> float:
    """Epoch of an RFC 3164 timestamp; without a year, the year putting it nearest ``now``."""
    utc = tz is None or tz is _dt.UTC
    if year is not None:
        years: tuple[int, ...] = (year,)
    else:
        y = time.gmtime(now).tm_year if utc else _dt.datetime.fromtimestamp(now, tz).year
        years = (y, y - 1, y + 1)
    best: float | None = None
    for y in years:
        if not _valid_date(y, mon, day):
            continue
        t = _epoch(y, mon, day, *hms, frac)
        if not utc:
            offset = _dt.datetime(y, mon, day, *hms, tzinfo=tz).utcoffset()
            t -= offset.total_seconds() if offset is not None else 0.0
        if best is None or abs(t - now) < abs(best - now):
            best = t
        if abs(t - now) <= _HALF_YEAR:
            break  # every other year is further away
    if best is None:
        raise SyslogParseError("bad-timestamp", "no such date")
    return best


# -- parsing -----------------------------------------------------------------------------

def _decode(data: bytes | bytearray | memoryview | str, max_size: int) -> str:
    if isinstance(data, str):
        if len(data) > max_size:
            raise SyslogParseError("too-long", f"> {max_size} characters")
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        if isinstance(data, memoryview):
            data = data.tobytes()
        if len(data) > max_size:
            raise SyslogParseError("too-long", f"> {max_size} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SyslogParseError("invalid-utf8") from None
    else:
        raise SyslogParseError("bad-type", type(data).__name__)
    if text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    if not text:
        raise SyslogParseError("empty")
    if "\x00" in text:
        raise SyslogParseError("nul-byte")
    if "\n" in text or "\r" in text:
        raise SyslogParseError("newline")
    return text


def _split_pri(text: str) -> tuple[int | None, str]:
    if text[0] != "<":
        return None, text
    end = text.find(">", 1, 5)
    digits = text[1:end] if end > 0 else ""
    if not digits.isdigit() or not digits.isascii():
        raise SyslogParseError("bad-pri", "malformed" if len(text) > 4 or end > 0 else "truncated")
    pri = int(digits)
    if pri > 191:
        raise SyslogParseError("bad-pri", f"{pri} > 191")
    return pri, text[end + 1:]


def _parse_sd(rest: str) -> tuple[dict[str, dict[str, str]], int]:
    """Parse SD-ELEMENTs at the start of ``rest``; return them and the end offset."""
    sd: dict[str, dict[str, str]] = {}
    pos = 0
    n = len(rest)
    while pos < n and rest[pos] == "[":
        m = _RE_SD_ELEMENT.match(rest, pos)
        if m is None:
            raise SyslogParseError(
                "truncated" if "]" not in rest[pos:] else "bad-sd", "malformed SD-ELEMENT"
            )
        params = sd.setdefault(m.group(1), {})
        if m.group(2):
            for pm in _RE_SD_PARAM.finditer(m.group(2)):
                value = pm.group(2)
                if "\\" in value:
                    value = _RE_SD_UNESCAPE.sub(r"\1", value)
                params[pm.group(1)] = value
        pos = m.end()
    return sd, pos


def _parse_5424(pri: int, text: str) -> SyslogMessage:
    m = _RE_5424.match(text)
    if m is None:
        head = text[text.find(">") + 1:]
        if len(head.split(" ", 6)) < 6:
            raise SyslogParseError("truncated", "RFC 5424 header")
        raise SyslogParseError("bad-header", "RFC 5424 header")
    ts, host, app, procid, msgid = m.group(2, 3, 4, 5, 6)
    rest = text[m.end() + 1:]
    if not rest:
        raise SyslogParseError("truncated", "no structured data")
    if rest[0] == "-":
        sd: dict[str, dict[str, str]] = {}
        end = 1
    elif rest[0] == "[":
        sd, end = _parse_sd(rest)
    else:
        raise SyslogParseError("bad-sd", "neither '-' nor '['")
    if end == len(rest):
        message = ""
    elif rest[end] == " ":
        message = rest[end + 1:]
        if message[:1] == "\ufeff":
            message = message[1:]
    else:
        raise SyslogParseError("bad-sd", "junk after structured data")
    return SyslogMessage(
        pri >> 3, pri & 7,
        None if ts == "-" else _parse_rfc3339(ts),
        None if host == "-" else host,
        None if app == "-" else app,
        None if procid == "-" else procid,
        None if msgid == "-" else msgid,
        sd, message, "rfc5424",
    )


def _parse_3164(
    pri: int | None, body: str, now: float | None, tz: _dt.tzinfo | None
) -> SyslogMessage:
    timestamp: float | None = None
    rest = body
    m = _RE_3164_TS.match(body)
    if m is not None and m.group(1) in _MONTHS:
        mon, day, year, hh, mm, ss, frac = m.groups()
        timestamp = _bsd_epoch(
            _MONTHS[mon], int(day), int(year) if year else None,
            (int(hh), int(mm), int(ss)), frac,
            time.time() if now is None else now, tz,
        )
        rest = body[m.end() + 1:]
        if not rest:
            raise SyslogParseError("truncated", "nothing after the timestamp")
    elif body[:3] in _MONTHS and _RE_MONTH_DAY.match(body, 3) is not None:
        raise SyslogParseError("truncated" if len(body) < 16 else "bad-timestamp", body[:20])
    elif len(body) > 10 and body[4] == "-" and body[10] in "Tt" and body[:4].isdigit():
        ts, _sep, rest = body.partition(" ")
        timestamp = _parse_rfc3339(ts)
    elif pri is None:
        raise SyslogParseError("no-pri")
    hostname: str | None = None
    if timestamp is not None:
        word, _sep, after = rest.partition(" ")
        if word and _RE_TAG.fullmatch(word) is None:
            hostname, rest = word, after
    app = procid = msgid = None
    tm = _RE_TAG.match(rest)
    if tm is not None:
        app, procid = tm.group(1), tm.group(2)
        rest = rest[tm.end() + 1:]
    jm = _RE_JUNOS_TAG.match(rest)
    if jm is not None:
        msgid = jm.group(1)
        rest = rest[jm.end():]
    if pri is None:
        pri = 13  # RFC 3164 section 4.3.3: user.notice
    return SyslogMessage(
        pri >> 3, pri & 7, timestamp, hostname, app, procid, msgid, {}, rest, "rfc3164"
    )


def _classify(msg: SyslogMessage) -> None:
    event = COMMIT_EVENTS.get(msg.msgid or "")
    if event is None:
        return
    user = command = comment = None
    for sd_id, params in msg.structured_data.items():
        if sd_id.startswith("junos@2636"):
            user = params.get("username")
            command = params.get("command")
            comment = params.get("message", params.get("comment"))
            break
    if event == "commit-started" and (user is None or command is None):
        um = _RE_USER_REQUESTED.match(msg.message)
        if um is not None:
            user = user if user is not None else um.group(1)
            command = command if command is not None else um.group(2)
            if comment is None and um.group(3) not in (None, "none"):
                comment = um.group(3)
    if command is not None and command.startswith("commit check"):
        event = "other"
    msg.event = event
    msg.commit_user, msg.commit_command, msg.commit_comment = user, command, comment


def parse_syslog(
    data: bytes | bytearray | memoryview | str,
    *,
    now: float | None = None,
    tz: _dt.tzinfo | None = None,
    max_size: int = MAX_MESSAGE_SIZE,
) -> SyslogMessage:
    """Parse one syslog message (RFC 5424 or RFC 3164, with or without PRI).

    ``now`` (epoch, default: the clock) picks the year of RFC 3164 timestamps; ``tz`` is
    the zone those timestamps are in (default UTC). Raises ``SyslogParseError`` only.
    """
    try:
        text = _decode(data, max_size)
        pri, body = _split_pri(text)
        if pri is not None and body[:2] == "1 ":
            msg = _parse_5424(pri, text)
        elif pri is not None and body[:1].isdigit() and body[1:2] == " ":
            raise SyslogParseError("bad-version", body[:1])
        else:
            msg = _parse_3164(pri, body, now, tz)
        _classify(msg)
        if msg.event == "other":  # Cisco IOS/NX-OS/IOS-XR, Arista EOS (see syslog_cli)
            classify_cli(msg, body)
        return msg
    except SyslogParseError:
        raise
    except Exception as exc:
        raise SyslogParseError("internal-error", type(exc).__name__) from exc
