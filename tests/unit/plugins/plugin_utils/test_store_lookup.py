"""The store lookups' base: options set, the store opened without creating it, the user's errors
named after the lookup; a bug is not dressed as a lookup error. (That configuration text from a
lookup is never templated is checked through ansible-playbook: tests/system/test_search_playbook.py.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.store_lookup import StoreLookup


class _Lookup(StoreLookup):
    """Options from the call only (the real lookups' come from their DOCUMENTATION)."""

    lookup_name = "netsync.fleet.test"
    lookup_errors = (ValueError,)

    def set_options(self, task_keys: Any = None, var_options: Any = None, direct: Any = None) -> None:
        self.options = dict(direct or {})

    def get_option(self, option: str, hostvars: Optional[dict[str, Any]] = None) -> Any:
        return self.options.get(option)

    def lookup(self, terms: list[Any]) -> list[Any]:
        if terms == ["bug"]:
            raise KeyError("bug")
        if terms == ["bad"]:
            raise ValueError("bad option")
        with self.open_store() as store:
            return [{"device": row["name"]} for row in store.devices.all()] + ["{{ 6 * 7 }}"]


def test_items_come_back_from_the_store_option(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as store:
        store.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
    items = _Lookup().run([], {}, store=url)
    assert items == [{"device": "r1"}, "{{ 6 * 7 }}"]


def test_a_missing_store_is_named_and_not_created(tmp_path: Path) -> None:
    url = str(tmp_path / "none.db")
    with pytest.raises(AnsibleLookupError, match=r"^netsync\.fleet\.test: no store at %s" % url):
        _Lookup().run([], {}, store=url)
    assert not (tmp_path / "none.db").exists()


def test_the_lookups_own_errors_are_named_a_bug_is_not() -> None:
    with pytest.raises(AnsibleLookupError, match=r"^netsync\.fleet\.test: bad option$"):
        _Lookup().run(["bad"], {})
    with pytest.raises(KeyError):
        _Lookup().run(["bug"], {})
