"""The event source netsync.fleet.changes: documentation, schema, arguments, and a run on a mock queue."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import changes
from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text


def test_documentation_schema_and_arguments_agree() -> None:
    options = yaml.safe_load(changes.DOCUMENTATION)["options"]
    assert set(options) == set(changes.KNOWN)
    schema = json.loads((Path(changes.__file__).parent / "schemas" / "changes.json").read_text())
    assert set(schema["properties"]) == set(options)
    types = {"str": "string", "float": "number", "bool": "boolean", "int": "integer"}
    for name, opt in options.items():
        prop = schema["properties"][name]
        assert prop["type"] == types[opt["type"]] and prop.get("default") == opt.get("default"), name
        assert prop["description"] == opt["description"], name
    defaults = changes.parse_args({})
    assert {k: defaults[k] for k in options if k != "store"} == {k: o["default"] for k, o in options.items()
                                                                 if k != "store"}
    assert yaml.safe_load(changes.EXAMPLES)[0]["sources"][0]["netsync.fleet.changes"]


@pytest.mark.parametrize("args, words", [
    ({"interval": "soon"}, "interval must be a number, got 'soon'"),
    ({"interval": 0}, "interval must be at least 0.05"),
    ({"max_diff_bytes": 10}, "max_diff_bytes must be at least 256"),
    ({"intervall": 1}, "unknown argument(s) intervall; known: store, interval"),
])
def test_bad_arguments_are_refused(args: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        changes.parse_args(args)


def test_new_snapshots_become_events_and_the_cursor_survives_a_restart(tmp_path: Path) -> None:
    url = str(tmp_path / "fleet.db")
    with st.open_store(url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        s.devices.add_snapshot("r1", "eos-cli", "a\n", "a\n", sha256_text("a\n"))  # CLI: text as stored

    def add(text: str) -> None:
        with st.open_store(url) as s:
            s.devices.add_snapshot("r1", "eos-cli", text, text, sha256_text(text), commit_user="ops")

    async def run(steps: list[str], want: int) -> list[dict[str, Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(changes.main(queue, {"store": url, "interval": 0.05}))
        try:
            await asyncio.sleep(0.5)  # the first poll saved the cursor: the store's current versions
            for text in steps:
                await asyncio.to_thread(add, text)
            events = [await asyncio.wait_for(queue.get(), 30) for _ in range(want)]
            await asyncio.sleep(0.5)  # nothing more comes
            assert queue.empty()
            return events
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    events = asyncio.run(run(["a\nb\n", "a\nc\n"], 2))
    assert [(e["netsync_change"]["old_version"], e["netsync_change"]["new_version"]) for e in events] == [(1, 2),
                                                                                                       (2, 3)]
    assert events[1]["netsync_change"]["diff"] == "--- r1 v2\n+++ r1 v3\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    add("a\nd\n")  # while stopped: comes at the next start, and nothing comes twice
    events = asyncio.run(run([], 1))
    assert events[0]["netsync_change"]["new_version"] == 4
