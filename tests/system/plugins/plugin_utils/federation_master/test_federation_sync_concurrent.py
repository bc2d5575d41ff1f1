"""Two runs of the federation inventory on one master store at once (two AWX jobs, a job and a scheduled
update, two master machines on one PostgreSQL store), one of them possibly killed: one sync cycle runs at a
time, the other run waits for it, and the store ends exactly as one uninterrupted cycle leaves it."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master import sync
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.inventory import inventory_data
from tests.support.datagen import ietf_config, put_device
from tests.system.federation.master import expected_hosts, hosts, killed_run

pytestmark = pytest.mark.system  # child servers

HOLD = 3.0  # seconds a hook holds a run at a point of the race (it gives up when the other run cannot come)


class Cycles:
    """Records each sync cycle's thread and start and end times (``sync.run_cycle`` wrapped)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at_start: Optional[Callable[[], None]] = None) -> None:
        self.spans: list[tuple[str, float, float]] = []
        self.real = sync.run_cycle
        self.at_start = at_start
        monkeypatch.setattr(sync, "run_cycle", self.run)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        if self.at_start is not None:
            self.at_start()
        start = time.monotonic()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.spans.append((threading.current_thread().name, start, time.monotonic()))


def test_two_runs_at_once_run_their_cycles_one_after_the_other(two_sites: dict[str, Any], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The race two interleaved cycles lose: run B fetches a page of child a, the device changes, run A
    stores the newer page, B stores its older page and its cursor, then A its newer cursor. The master
    would keep B's older objects under A's cursor, and no later cycle would fetch them again."""
    cfg = dataclasses.replace(two_sites["config"], refresh_interval=0)  # every run is due
    child_a = two_sites["stores"]["a"]
    first = st.open_store(two_sites["url"])
    sync.run_cycle(first.fed_topology, cfg)
    first.close()
    put_device(child_a, "sw0", "netconf", ietf_config("sw0", 2, tag="v1"))
    b_fetched, a_stored, b_done = threading.Event(), threading.Event(), threading.Event()
    real_apply = sync.apply_objects

    def apply(copies: Any, child: str, objects: Any, deleted: Any) -> Any:
        if threading.current_thread().name == "B" and child == "a" and objects and not b_fetched.is_set():
            b_fetched.set()
            a_stored.wait(HOLD)  # B's older page waits until A has stored the newer one
        return real_apply(copies, child, objects, deleted)

    def cursor_after_b(store: st.Store) -> None:
        real_save = store.fed_topology.pulls.save

        def save(child: str, **fields: Any) -> Any:
            if child == "a" and "cursor" in fields:
                a_stored.set()
                b_done.wait(HOLD)  # A's newer cursor is saved after B's run
            return real_save(child, **fields)
        monkeypatch.setattr(store.fed_topology.pulls, "save", save)

    monkeypatch.setattr(sync, "apply_objects", apply)
    cycles = Cycles(monkeypatch)
    errors: dict[str, BaseException] = {}

    def run(prepare: Optional[Callable[[st.Store], None]] = None) -> None:
        try:
            store = st.open_store(two_sites["url"])
            try:
                if prepare is not None:
                    prepare(store)
                inventory_data(store.fed_topology, cfg)
            finally:
                store.close()
        except BaseException as exc:  # reported by the test
            errors[threading.current_thread().name] = exc
        finally:
            if threading.current_thread().name == "B":
                b_done.set()

    run_b = threading.Thread(target=run, name="B")
    run_b.start()
    assert b_fetched.wait(30), "run B fetched no page of child a"
    put_device(child_a, "sw0", "netconf", ietf_config("sw0", 2, tag="v2"))  # newer than B's page
    run_a = threading.Thread(target=run, args=(cursor_after_b,), name="A")
    run_a.start()
    for thread in (run_b, run_a):
        thread.join(120)
        assert not thread.is_alive()
    assert errors == {}
    (_n1, _s1, end1), (_n2, start2, _e2) = sorted(cycles.spans, key=lambda span: span[1])
    assert end1 <= start2, "the two runs' cycles overlapped: %s" % cycles.spans
    master = st.open_store(two_sites["url"])
    try:
        stored = hosts(master)
    finally:
        master.close()
    expected = expected_hosts(cfg, tmp_path / "reference-now.db")
    assert "sw0 eth0 v2" in str(expected["sw0"])
    assert stored == expected


def test_a_run_waiting_for_a_killed_run_goes_on_and_loses_no_host(two_sites: dict[str, Any], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "holder.pid"
    # a run that holds the cycle, stores 2 batches, writes its pid, waits 2 s and is SIGKILLed
    holder = subprocess.Popen(killed_run(two_sites, 2, "inventory", str(marker)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={"PYTHONPATH": ":".join(sys.path)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and holder.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the holder stored no batch: %s" % (holder.communicate(timeout=30),)
        seen: list[Optional[int]] = []
        Cycles(monkeypatch, at_start=lambda: seen.append(holder.poll()))
        master = st.open_store(two_sites["url"])
        try:
            data = inventory_data(master.fed_topology, two_sites["config"])
            assert seen == [-signal.SIGKILL], "the waiting run's cycle began while the holder ran: %s" % seen
            assert data["warnings"] == []
            assert hosts(master) == two_sites["expected"]
            assert sorted(doc for doc in data["hosts"]) == sorted(master.fed_topology.all_host_texts())
        finally:
            master.close()
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGKILL)
        holder.communicate(timeout=30)
