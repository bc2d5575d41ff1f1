# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task of the ``search`` module and action (and the lookup's options): :func:`history.search.search`."""
from __future__ import annotations

from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.history.search import (
    DEFAULT_MAX_RESULTS, SearchError, SearchQuery, parse_time, search,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import StoreError
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed, open_task_store

__all__ = ["SEARCH_SPEC", "QUERY_OPTIONS", "query_from_options", "run_search_task"]

SEARCH_SPEC: dict[str, Any] = {
    "store": {"type": "str"},
    "pattern": {"type": "str", "required": True},
    "regex": {"type": "bool", "default": False},
    "ignore_case": {"type": "bool", "default": False},
    "all_versions": {"type": "bool", "default": False},
    "since": {"type": "raw"},
    "until": {"type": "raw"},
    "devices": {"type": "list", "elements": "str"},
    "max_results": {"type": "int", "default": DEFAULT_MAX_RESULTS},
}
QUERY_OPTIONS = tuple(name for name in SEARCH_SPEC if name not in ("store", "pattern"))  # the lookup's too


def query_from_options(pattern: str, options: dict[str, Any]) -> SearchQuery:
    """A ``SearchQuery`` from module or lookup options; ``SearchError`` naming a bad option."""
    devices = options.get("devices")
    limit = options.get("max_results")
    return SearchQuery(pattern=pattern, regex=bool(options.get("regex")), ignore_case=bool(options.get("ignore_case")),
                       since=parse_time(options.get("since"), "since"), until=parse_time(options.get("until"), "until"),
                       all_versions=bool(options.get("all_versions")),
                       devices=None if devices is None else [str(d) for d in devices],
                       max_results=DEFAULT_MAX_RESULTS if limit is None else int(limit))


def run_search_task(params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """Search the store (read-only: check mode is the same run). Failures as ``TaskFailed``."""
    try:
        query = query_from_options(str(params.get("pattern") or ""), params)
    except SearchError as exc:
        raise TaskFailed(str(exc)) from None
    store = open_task_store(params)
    try:
        result = search(store.snapshot_feed, store.mask_key(), query)
    except SearchError as exc:
        raise TaskFailed(str(exc)) from None
    except StoreError as exc:
        raise TaskFailed("store: %s" % exc) from exc
    finally:
        store.close()
    return {"changed": False, "matches": result["matches"], "truncated": result["truncated"],
            "texts_searched": result["texts_searched"]}
