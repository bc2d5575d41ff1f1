"""The master side of metrics: source sets (reuse, expiry, configuration change), merged series."""
from __future__ import annotations

import time

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import (
    load_federation,
    master_store,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.metrics import metric_query, query_metric
from tests.system.plugins.lookup.conftest import Fed
from tests.system.plugins.lookup.test_alarms_lookup import Clock

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes


def ask(f: Fed, clock: Clock, name: str = "resync_duration", obj: str = "r1", start: float = 0.0,
        end: float = 2e9, reuse: float = 180.0) -> dict:  # type: ignore[type-arg]
    fed = load_federation(str(f.path))
    with st.open_store(master_store(None, fed)) as store:
        return query_metric(store.fed_alarms, fed, name, obj, start, end, reuse, clock)


def fill(f: Fed) -> None:
    f.stores["east"].metrics.record([("resync_duration", "r1", float(t), 1.0) for t in (100, 200, 300)])
    f.stores["west"].metrics.record([("resync_duration", "r1", float(t), 2.0) for t in (300, 400)])
    f.stores["west"].metrics.record([("config_size", "r9", 50.0, 9.0)])


def index_requests(f: Fed) -> dict[str, int]:
    return {n: f.requests(n, "/metrics/index") for n in f.children}


def test_merged_series_and_source_reuse(fed: Fed) -> None:
    fill(fed)
    clock = Clock()
    first = ask(fed, clock)
    assert first["points"] == [[100.0, 1.0], [200.0, 1.0], [300.0, 1.0], [400.0, 2.0]]  # deduplicated by time
    assert first["sources"] == ["east", "west"] and first["sources_reused"] is False and first["warnings"] == []
    assert index_requests(fed) == {"east": 1, "west": 1}
    clock.now += 179
    second = ask(fed, clock, start=250.0)  # within 3 minutes: the same sources, no index request
    assert second["sources_reused"] is True and second["points"] == [[300.0, 1.0], [400.0, 2.0]]
    assert index_requests(fed) == {"east": 1, "west": 1}
    assert {n: fed.requests(n, "/metrics/series") for n in fed.children} == {"east": 2, "west": 2}
    clock.now += 2
    third = ask(fed, clock)  # after 3 minutes: determined again
    assert third["sources_reused"] is False and index_requests(fed) == {"east": 2, "west": 2}


def test_period_selects_sources(fed: Fed) -> None:
    fill(fed)
    out = ask(fed, Clock(), end=250.0)  # west's data begins at 300: not asked for points
    assert out["sources"] == ["east"] and fed.requests("west", "/metrics/series") == 0
    only = ask(fed, Clock(), name="config_size", obj="r9")
    assert only["sources"] == ["west"] and only["points"] == [[50.0, 9.0]]
    assert ask(fed, Clock(), obj="nobody")["points"] == []


def test_configuration_change_redetermines(fed: Fed) -> None:
    fill(fed)
    clock = Clock()
    ask(fed, clock)
    fed.start("north").cfg.metrics.record([("resync_duration", "r1", 500.0, 5.0)])
    fed.write()
    clock.now += 10
    out = ask(fed, clock)
    assert out["sources_reused"] is False and out["sources"] == ["east", "north", "west"]
    assert out["points"][-1] == [500.0, 5.0] and index_requests(fed) == {"east": 2, "west": 2, "north": 1}


def test_down_child_is_missing_and_warned(fed: Fed) -> None:
    fill(fed)
    clock = Clock()
    ask(fed, clock)
    fed.children["west"].stop()
    clock.now += 10
    out = ask(fed, clock)
    assert out["missing"] == ["west"] and out["sources"] == ["east"]
    assert [p[0] for p in out["points"]] == [100.0, 200.0, 300.0]
    (warning,) = out["warnings"]
    assert warning.startswith("federation child west: "), warning
    clock.now += 200
    fresh = ask(fed, clock)  # determined again while west is down: it is not a source, and said so
    # and east is clock-suspect: this test's master clock is now 210 s ahead of the children's real clocks
    assert fresh["sources"] == ["east"] and fresh["clock_suspect"] == ["east"]
    assert [w.split(" (")[0] for w in fresh["warnings"]] == [
        "federation child west: cannot tell whether it holds resync_duration of r1",
        "federation child east: clock differs from the master's; its points are suspect"], fresh["warnings"]


def test_skewed_child_loses_ties(fed: Fed) -> None:
    fill(fed)
    fed.children["east"].stop()
    fed.start("east", clock_offset=900)
    fed.write()
    out = ask(fed, Clock())
    assert out["clock_suspect"] == ["east"] and out["warnings"] == [
        "federation child east: clock differs from the master's; its points are suspect"]
    assert [300.0, 2.0] in out["points"]  # the trusted child wins the point both have


def test_several_names(fed: Fed) -> None:
    fill(fed)
    fed_cfg = load_federation(str(fed.path))
    with st.open_store(master_store(None, fed_cfg)) as store:
        out = metric_query(store.fed_alarms, fed_cfg, ["resync_duration", "jobs_run"], "r1", 0, time.time())
    assert [r["name"] for r in out] == ["resync_duration", "jobs_run"] and out[1]["points"] == []


def test_wire_check_refuses_non_numbers() -> None:
    from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.metrics import _numbers
    assert _numbers([1, 2.5]) and _numbers([])
    assert not _numbers([1, True]) and not _numbers(["1"]) and not _numbers(None) and not _numbers([[1, 2]])
