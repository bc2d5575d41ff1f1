# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netsync.fleet.changes: one event per new snapshot in the store, with the masked diff."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

DOCUMENTATION = r"""
---
short_description: Emit a change notice (with the masked diff) for every new snapshot in the store.
description:
  - Polls the store every O(interval) seconds for snapshots stored since the last poll (by any resync, the
    auto-resync listener's, a playbook's or an AWX job's) and emits one event per new version, oldest first.
  - "The event: C({\"netsync_change\": {\"device\": \"r1\", \"old_version\": 4, \"new_version\": 5,
    \"user\": \"ops\", \"comment\": \"...\", \"commit_time\": ..., \"taken_at\": ..., \"job_id\": ...,
    \"diff\": \"--- r1 v4 ...\", \"diff_truncated\": false, \"diff_lines\": 7, \"lines_added\": 2,
    \"lines_removed\": 1, \"summary\": \"r1 v4 -> v5 by ops: 2 lines added, 1 removed\"}})."
  - The diff is a unified diff of the two stable renderings with every device secret masked
    (C(<secret:XXXXXXXXXXXX>)), cut after O(max_diff_lines) lines or O(max_diff_bytes) bytes (the last
    line then says how many lines were left out, and C(diff_truncated) is true).
  - C(comment) is the device's commit comment when the store records it (null otherwise).
  - A device's first snapshot (its import) gives no event.
  - Where it got to is saved in the store (C(store_meta) key C(cursor:changes:<name>), see O(name)) after
    the events were queued, so a restart neither repeats nor loses notices (a crash between the two
    repeats them, at least once). On its very first start it begins at the store's current versions, or
    with O(from_start) at every device's first version.
options:
  store:
    description: Store URL or SQLite path. Empty or unset means C($NETSYNC_STORE), else C(~/.netsync/fleet.db).
    type: str
  interval:
    description: Seconds between two polls of the store.
    type: float
    default: 5
  name:
    description: Name of the saved cursor; rulebooks with different names each get every notice.
    type: str
    default: default
  from_start:
    description: On the first start (no saved cursor), notify every stored version instead of only new ones.
    type: bool
    default: false
  max_diff_lines:
    description: At most this many diff lines in an event.
    type: int
    default: 200
  max_diff_bytes:
    description: At most this many bytes of diff in an event.
    type: int
    default: 16384
  batch:
    description: At most this many events per poll (the rest come at the next poll, without waiting).
    type: int
    default: 100
"""

EXAMPLES = r"""
- name: Change notices
  hosts: all
  sources:
    - netsync.fleet.changes:
        store: /var/lib/netsync/fleet.db
        interval: 5
  rules:
    - name: Tell the team
      condition: event.netsync_change is defined
      action:
        run_playbook:
          name: netsync.fleet.change_notice
          extra_vars:
            netsync_change_device: "{{ event.netsync_change.device }}"
            netsync_change_old: "{{ event.netsync_change.old_version }}"
            netsync_change_new: "{{ event.netsync_change.new_version }}"
"""

LOG = logging.getLogger("netsync.fleet.changes")
KNOWN = ("store", "interval", "name", "from_start", "max_diff_lines", "max_diff_bytes", "batch")


def _collection_on_path() -> None:
    """Make ``ansible_collections.netsync.fleet`` importable (a collections path, or a repo's .collections/)."""
    try:
        import ansible_collections.netsync.fleet.plugins  # noqa: F401
    except ImportError:
        paths = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
        extra = [p for p in paths.split(os.pathsep) if p]
        for parent in Path(__file__).absolute().parents:
            for root in (parent, parent / ".collections"):
                if (root / "ansible_collections" / "netsync" / "fleet").is_dir():
                    extra.append(str(root))
        sys.path[:0] = [p for p in extra if p not in sys.path]


def parse_args(args: dict[str, Any]) -> dict[str, Any]:
    """Checked options; ``ValueError`` naming a bad one."""
    unknown = sorted(set(args) - set(KNOWN))
    if unknown:
        raise ValueError("netsync.fleet.changes: unknown argument(s) %s; known: %s."
                         % (", ".join(unknown), ", ".join(KNOWN)))

    def number(name: str, default: float, low: float) -> float:
        raw = args.get(name)
        try:
            value = float(default if raw in (None, "") else raw)
        except (TypeError, ValueError):
            raise ValueError("netsync.fleet.changes: %s must be a number, got %r" % (name, raw)) from None
        if not value >= low:
            raise ValueError("netsync.fleet.changes: %s must be at least %s, got %r" % (name, low, raw))
        return value

    from_start = args.get("from_start", False)
    if isinstance(from_start, str):
        from_start = from_start.strip().lower() in ("1", "true", "yes", "on")
    return {"store": str(args.get("store") or "") or None, "interval": number("interval", 5, 0.05),
            "name": str(args.get("name") or "default"), "from_start": bool(from_start),
            "max_diff_lines": int(number("max_diff_lines", 200, 1)),
            "max_diff_bytes": int(number("max_diff_bytes", 16384, 256)), "batch": int(number("batch", 100, 1))}


def _poll_once(store: Any, opts: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One poll (in a thread): the notices after the saved cursor and the cursor after them (saved by
    ``_save`` once the events are queued)."""
    from ansible_collections.netsync.fleet.plugins.module_utils.history import notices
    feed = store.snapshot_feed
    cursor = notices.load_cursor(feed, opts["name"])
    if cursor is None:
        cursor = {} if opts["from_start"] else feed.heads()
        notices.save_cursor(feed, opts["name"], cursor)
    return notices.poll(feed, store.mask_key(), cursor, limit=opts["batch"], max_lines=opts["max_diff_lines"],
                        max_bytes=opts["max_diff_bytes"])


def _save(store: Any, name: str, cursor: dict[str, int]) -> None:
    from ansible_collections.netsync.fleet.plugins.module_utils.history import notices
    if notices.load_cursor(store.snapshot_feed, name) != cursor:
        notices.save_cursor(store.snapshot_feed, name, cursor)


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Poll and emit until cancelled; a store error is logged and the next poll tries again."""
    opts = parse_args(args)
    _collection_on_path()
    from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store

    store = await asyncio.to_thread(open_store, opts["store"], create=False)
    try:
        LOG.info("netsync.fleet.changes: polling %s every %ss (cursor %r)", store.url, opts["interval"], opts["name"])
        while True:
            try:
                found, cursor = await asyncio.to_thread(_poll_once, store, opts)
                for notice in found:
                    await queue.put({"netsync_change": notice})
                await asyncio.to_thread(_save, store, opts["name"], cursor)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a store that is busy or gone for a while: try again later
                LOG.warning("netsync.fleet.changes: poll failed: %s: %s", type(exc).__name__, exc)
                found = []
            if len(found) < opts["batch"]:
                await asyncio.sleep(opts["interval"])
    finally:
        store.close()


if __name__ == "__main__":

    class MockQueue(asyncio.Queue[Any]):
        async def put(self, item: Any) -> None:
            print(item, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(MockQueue(), {"store": os.environ.get("NETSYNC_STORE", ""), "from_start": True}))
