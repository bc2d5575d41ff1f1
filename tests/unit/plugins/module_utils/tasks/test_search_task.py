"""The search module's task: options checked with clear messages, a read-only run."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.search import QUERY_OPTIONS, run_search_task


def _params(url: str, **kw: Any) -> dict[str, Any]:
    params = {"store": url, "pattern": "uplink", "regex": False, "ignore_case": False, "all_versions": False,
              "since": None, "until": None, "devices": None, "max_results": 1000}
    params.update(kw)
    return params


def test_run_and_errors(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        s.devices.add_snapshot("r1", "junos-xml", "<c/>", "a uplink\n", sha256_text("a uplink\n"))
    res = run_search_task(_params(url), check_mode=True)
    assert res == {"changed": False, "truncated": False, "texts_searched": 1, "matches": [
        {"device": "r1", "version": 1, "taken_at": res["matches"][0]["taken_at"], "line_number": 1,
         "line": "a uplink"}]}
    with pytest.raises(TaskFailed, match=r"pattern '\[' is not a valid regular expression"):
        run_search_task(_params(url, pattern="[", regex=True))
    with pytest.raises(TaskFailed, match="since must be epoch seconds or an ISO 8601 time"):
        run_search_task(_params(url, since="last tuesday"))
    with pytest.raises(TaskFailed, match="max_results must be 1 or more, got 0"):
        run_search_task(_params(url, max_results=0))
    with pytest.raises(TaskFailed, match="no store at"):
        run_search_task(_params(str(tmp_path / "missing.db")))
    assert not (tmp_path / "missing.db").exists()


def test_the_lookup_documents_the_modules_query_options() -> None:
    """The lookup reads QUERY_OPTIONS (the module's spec but pattern and store): each must be one of its options."""
    from ansible_collections.netsync.fleet.plugins.lookup import search as lookup

    documented = set(yaml.safe_load(lookup.DOCUMENTATION)["options"])
    assert documented == set(QUERY_OPTIONS) | {"_terms"}  # store: the doc fragment netsync.fleet.store.lookup
