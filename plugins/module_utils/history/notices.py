# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change notices: each new snapshot becomes one notice with the (masked, bounded) diff.

``poll`` compares each device's newest version (``store.snapshot_feed.heads()``) with a cursor
(``{device: last version noticed}``) and returns the notices of the versions in between, oldest
first, plus the cursor after them. Versions of one device are numbered without gaps and only
committed in order (the store assigns them under the device's row lock), so no version is skipped
and no clock is involved. A device's first snapshot (version 1) is its import, not a change: it
gives no notice. A device whose newest version is below the cursor was removed and imported again:
its cursor starts over. The event source ``netsync.fleet.changes`` saves the cursor in the store
after the events were queued (at least once: a crash in between repeats them, never loses them).

The diff is in the platform's own text with every secret masked (``history/text.py``: Junos
``delete``/``set`` lines a Junos engineer can paste, other platforms a unified diff), bounded to
``max_lines`` lines and ``max_bytes`` bytes; a longer diff is cut and says how many lines were left
out (``diff_truncated``, ``diff_lines``).
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_diff
from ansible_collections.netsync.fleet.plugins.module_utils.store.snapshot_feed import SnapshotFeed

__all__ = ["MAX_DIFF_LINES", "MAX_DIFF_BYTES", "NoticeError", "bound_diff", "build_notice", "notice_for", "poll",
           "load_cursor", "save_cursor", "summary"]

MAX_DIFF_LINES = 200
MAX_DIFF_BYTES = 16384


class NoticeError(Exception):
    """A notice that cannot be made (no such device or version)."""


def bound_diff(diff: str, max_lines: int = MAX_DIFF_LINES, max_bytes: int = MAX_DIFF_BYTES) -> tuple[str, bool, int]:
    """``(text, truncated, total lines)``: at most ``max_lines`` whole lines and ``max_bytes`` UTF-8 bytes,
    with a last line saying how many were left out."""
    lines = diff.splitlines(True)
    kept: list[str] = []
    size = 0
    for line in lines[:max_lines]:
        size += len(line.encode("utf-8"))
        if size > max_bytes:
            break
        kept.append(line)
    if len(kept) == len(lines):
        return diff, False, len(lines)
    return "".join(kept) + "... (%d more diff lines not shown)\n" % (len(lines) - len(kept)), True, len(lines)


def _counts(diff: str) -> tuple[int, int]:
    """Lines added and removed: ``+``/``-`` of a unified diff; Junos ``delete`` lines remove, its other
    statements (``set``, ``activate``, ``deactivate``) add."""
    added = removed = 0
    if diff and not diff.startswith("--- "):
        for line in diff.splitlines():
            if line.startswith("delete "):
                removed += 1
            elif line.strip():
                added += 1
        return added, removed
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def summary(notice: Mapping[str, Any]) -> str:
    """``r1 v1 -> v2 by ops: 3 lines added, 1 removed ("comment")`` (one line)."""
    by = " by %s" % notice["user"] if notice.get("user") else ""
    comment = ' ("%s")' % notice["comment"] if notice.get("comment") else ""
    added = notice["lines_added"]
    return "%s v%s -> v%s%s: %d line%s added, %d removed%s" % (
        notice["device"], notice["old_version"], notice["new_version"], by, added, "" if added == 1 else "s",
        notice["lines_removed"], comment)


def build_notice(feed: SnapshotFeed, key: bytes, meta: Mapping[str, Any], old_version: int,
                 max_lines: int = MAX_DIFF_LINES, max_bytes: int = MAX_DIFF_BYTES) -> dict[str, Any]:
    """The notice of the snapshot ``meta`` (a ``feed.versions`` row) against ``old_version`` of its device."""
    device, new_version = str(meta["device"]), int(meta["version"])
    snaps = feed.snapshots(device, [old_version, new_version])
    if new_version not in snaps:
        raise NoticeError("%s has no snapshot version %d" % (device, new_version))
    # each platform's own text, secrets masked (history.text): Junos delete/set lines, else a unified diff
    full = snapshot_diff(snaps.get(old_version), snaps[new_version], key, "%s v%d" % (device, old_version),
                         "%s v%d" % (device, new_version))
    added, removed = _counts(full)
    diff, truncated, total = bound_diff(full, max_lines, max_bytes)
    notice = {
        "device": device, "old_version": old_version, "new_version": new_version,
        "user": meta.get("commit_user"), "comment": meta.get("commit_comment"),
        "commit_time": meta.get("commit_time"), "taken_at": meta.get("taken_at"), "job_id": meta.get("job_id"),
        "diff": diff, "diff_truncated": truncated, "diff_lines": total, "lines_added": added, "lines_removed": removed,
    }
    notice["summary"] = summary(notice)
    return notice


def notice_for(feed: SnapshotFeed, key: bytes, device: str, new_version: int, old_version: Optional[int] = None,
               max_lines: int = MAX_DIFF_LINES, max_bytes: int = MAX_DIFF_BYTES) -> dict[str, Any]:
    """The notice of ``device`` version ``new_version`` against ``old_version`` (default: the one before)."""
    old = int(new_version) - 1 if old_version is None else int(old_version)
    rows = feed.versions(device, int(new_version) - 1, limit=1)
    if not rows or int(rows[0]["version"]) != int(new_version):
        raise NoticeError("device %r has no snapshot version %s in the store" % (device, new_version))
    if not 1 <= old < int(new_version):
        raise NoticeError("old_version must be between 1 and %d (the version before new_version), got %s"
                          % (int(new_version) - 1, old))
    return build_notice(feed, key, rows[0], old, max_lines, max_bytes)


def poll(feed: SnapshotFeed, key: bytes, cursor: Mapping[str, int], limit: int = 100, max_lines: int = MAX_DIFF_LINES,
         max_bytes: int = MAX_DIFF_BYTES) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Notices of the versions after ``cursor`` (at most ``limit``), and the cursor after them."""
    heads = feed.heads()
    after = {d: v for d, v in cursor.items() if d in heads}  # removed devices leave the cursor
    notices: list[dict[str, Any]] = []
    for device in sorted(heads):
        last = after.get(device, 0)
        if heads[device] < last:  # removed and imported again
            last = 0
        if heads[device] == last:
            after[device] = last
            continue
        for meta in feed.versions(device, last, limit=limit - len(notices) + 1):
            version = int(meta["version"])
            if version > 1:
                if len(notices) >= limit:
                    return notices, after
                notices.append(build_notice(feed, key, meta, version - 1, max_lines, max_bytes))
            after[device] = version
        if len(notices) >= limit:
            return notices, after
    return notices, after


def load_cursor(feed: SnapshotFeed, name: str) -> Optional[dict[str, int]]:
    """The saved cursor of the notice feed ``name`` (None when it never ran)."""
    text = feed.get_cursor("changes:" + name)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else None


def save_cursor(feed: SnapshotFeed, name: str, cursor: Mapping[str, int]) -> None:
    feed.set_cursor("changes:" + name, json.dumps(dict(sorted(cursor.items())), separators=(",", ":")))
