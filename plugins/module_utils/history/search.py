# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Search every stored configuration: a substring or a regular expression, line by line.

What is searched is each snapshot's stable rendering (one statement a line, ``device/render.py``)
as it is shown everywhere else: with device secrets masked (``device/secrets.py``). A secret in
clear never matches and is never returned. How, fast:

1. The stored (unmasked) text is scanned by one compiled pattern over the whole text (C speed,
   no Python loop per line); for a plain substring PostgreSQL drops texts without it first.
2. Each line found is masked and tested again; only lines that still match are returned, masked.
   So a pattern that matches a secret's clear value finds nothing there.
3. A pattern that may match a marker (it mentions ``secret`` or ``<``, or matches a marker on its
   own) is searched on fully masked texts instead: exact, but every line is masked (slower).

Patterns with look-arounds or ``\\A``/``\\Z`` are tested line by line (exact, slower). Line
semantics: a line matches when ``re.search(pattern, line)`` does (Python ``re`` syntax).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import mask_line, mask_text
from ansible_collections.netsync.fleet.plugins.module_utils.store.snapshot_feed import SnapshotFeed

__all__ = ["SearchError", "SearchQuery", "Matcher", "compile_query", "scan_text", "search", "parse_time"]

# a line that may hold a secret leaf (``secrets.is_secret_leaf``): only such lines are masked
_HINT = re.compile(r"pass|secret|pre-shared|key|community", re.I)
_PROBE = "<secret:0123456789ab>"
_LINEWISE = re.compile(r"\(\?<?[=!]|\\[AZ]")
DEFAULT_MAX_RESULTS = 1000


class SearchError(Exception):
    """A search that cannot run: a bad pattern or option (the message names it)."""


@dataclass
class SearchQuery:
    """What to search. ``since``/``until`` (epoch seconds) select every version taken in that range
    instead of each device's latest."""

    pattern: str
    regex: bool = False
    ignore_case: bool = False
    since: Optional[float] = None
    until: Optional[float] = None
    all_versions: bool = False
    devices: Optional[list[str]] = None
    max_results: int = DEFAULT_MAX_RESULTS


@dataclass
class Matcher:
    """A compiled query: ``scan`` runs over a whole text, ``line`` decides on one (masked) line."""

    scan: "re.Pattern[str]"
    line: "re.Pattern[str]"
    prefilter: Optional[str]  # a substring every matching raw text contains (database-side filter)
    masked: bool  # search fully masked texts (the pattern may match a secret marker)
    linewise: bool  # test line by line (look-arounds, \A, \Z)
    notes: list[str] = field(default_factory=list)


def compile_query(query: SearchQuery) -> Matcher:
    """Compile ``query``; ``SearchError`` for an empty pattern or an invalid regular expression."""
    if not query.pattern:
        raise SearchError("pattern must not be empty")
    if query.max_results < 1:
        raise SearchError("max_results must be 1 or more, got %d" % query.max_results)
    source = query.pattern if query.regex else re.escape(query.pattern)
    flags = re.IGNORECASE if query.ignore_case else 0
    try:
        line = re.compile(source, flags)
        # The scan may find more than the line test accepts (never less): a leading ``^`` is dropped,
        # since Python's re cannot use a pattern's literal start after a line anchor (10x slower).
        scan = re.compile(source, flags | re.MULTILINE)
        if source.startswith("^") and len(source) > 1:
            try:
                scan = re.compile(source[1:], flags | re.MULTILINE)
            except re.error:  # "^" was needed for the pattern to compile: keep it
                pass
    except re.error as exc:
        raise SearchError("pattern %r is not a valid regular expression: %s" % (query.pattern, exc)) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise SearchError("pattern %r cannot be compiled: %s" % (query.pattern, exc)) from None
    masked = ("secret" in query.pattern.lower() or "<" in query.pattern or line.search(_PROBE) is not None)
    linewise = bool(query.regex and _LINEWISE.search(query.pattern))
    prefilter = query.pattern if not query.regex and not query.ignore_case and not masked else None
    return Matcher(scan=scan, line=line, prefilter=prefilter, masked=masked, linewise=linewise)


def _shown(line: str, key: bytes) -> str:
    return mask_line(line, key) if _HINT.search(line) else line


def scan_text(text: str, matcher: Matcher, key: bytes) -> Iterator[tuple[int, str]]:
    """``(line number, masked line)`` of each line of the stored ``text`` that matches, masked."""
    if matcher.masked:
        text = mask_text(text, key)
    if matcher.linewise:
        for number, raw in enumerate(text.splitlines(), 1):
            if matcher.line.search(raw):
                shown = raw if matcher.masked else _shown(raw, key)
                if shown is raw or matcher.line.search(shown):
                    yield number, shown
        return
    pos, number, counted, size = 0, 1, 0, len(text)
    while pos < size:
        found = matcher.scan.search(text, pos)
        if found is None:
            return
        start = text.rfind("\n", 0, found.start()) + 1 if found.start() > pos else pos
        end = text.find("\n", found.start())
        end = size if end < 0 else end
        if start < pos:  # a match that began on a newline ending the previous line
            start = pos
        number += text.count("\n", counted, start)
        counted = start
        raw = text[start:end]
        shown = raw if matcher.masked else _shown(raw, key)
        if matcher.line.search(shown):
            yield number, shown
        pos = end + 1


def parse_time(value: Any, option: str) -> Optional[float]:
    """Epoch seconds from a number or an ISO 8601 text (``2026-11-30T10:00:00Z``; no zone: UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SearchError("%s must be epoch seconds or an ISO 8601 time, got %r" % (option, value))
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SearchError("%s must be epoch seconds or an ISO 8601 time such as 2026-11-30T10:00:00Z, got %r"
                          % (option, value)) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


def _texts(feed: SnapshotFeed, query: SearchQuery, matcher: Matcher) -> Iterable[tuple[str, int, float, str]]:
    if query.all_versions or query.since is not None or query.until is not None:
        if query.since is not None and query.until is not None and query.since > query.until:
            raise SearchError("since (%s) is after until (%s)" % (query.since, query.until))
        return feed.texts_between(query.since, query.until, matcher.prefilter, query.devices)
    return feed.latest_texts(matcher.prefilter, query.devices)


def search(feed: SnapshotFeed, key: bytes, query: SearchQuery) -> dict[str, Any]:
    """Run ``query`` over the store: ``matches`` (device, version, taken_at, line_number, line; by device,
    version, line), ``truncated`` when more than ``max_results`` lines matched, ``texts`` searched."""
    matcher = compile_query(query)
    matches: list[dict[str, Any]] = []
    texts = 0
    truncated = False
    for device, version, taken_at, text in _texts(feed, query, matcher):
        texts += 1
        for number, line in scan_text(text, matcher, key):
            if len(matches) >= query.max_results:
                truncated = True
                break
            matches.append({"device": device, "version": version, "taken_at": taken_at,
                            "line_number": number, "line": line})
        if truncated:
            break
    return {"matches": matches, "truncated": truncated, "texts_searched": texts,
            "masked_scan": matcher.masked}
