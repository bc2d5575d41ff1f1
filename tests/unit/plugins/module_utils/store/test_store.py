"""The store on SQLite (the same tests run on PostgreSQL from tests/system/plugins/module_utils/store/)."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import SCHEMA_VERSION


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    """SQLite here; tests/system/plugins/module_utils/store/test_store_postgresql.py runs these tests on PostgreSQL."""
    return str(tmp_path / "fleet.db")


def _clock(start: float = 1000.0) -> Any:
    now = [start]

    def tick() -> float:
        now[0] += 1.0
        return now[0]
    return tick


def test_new_store_records_schema_version(store_url: str) -> None:
    with st.open_store(store_url) as s:
        rows = s.db.query("SELECT value FROM store_meta WHERE key = 'schema_version'")
        assert rows == [{"value": str(SCHEMA_VERSION)}]
    with st.open_store(store_url) as s:  # reopen: no second migration, same version
        assert s.db.query("SELECT COUNT(*) AS n FROM store_meta")[0]["n"] == 1


def test_store_newer_than_code_is_refused(store_url: str) -> None:
    with st.open_store(store_url) as s:
        s.db.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 5),))
    with pytest.raises(st.StoreError, match="newer than this collection"):
        st.open_store(store_url)
    with _raw(store_url) as db:
        db.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def test_migration_merges_the_pull_state_twins(store_url: str) -> None:
    """A store at schema 4 (fed_children, fed_alarm_children) opens with one fed_pulls table, rows kept."""
    from ansible_collections.netsync.fleet.plugins.module_utils.store._schema import migrate

    with _raw(store_url) as db:
        assert migrate(db, target=4) == 4
        db.execute("INSERT INTO fed_children (name, url, epoch, cursor, last_pull, last_success, clock_offset, stale, "
                   "suspect, error) VALUES ('paris', 'https://p', 'e1', 42, 10.0, 9.0, 0.5, 0, 1, '')")
        db.execute("INSERT INTO fed_alarm_children (name, url, epoch, cursor, last_pull, stale, error) "
                   "VALUES ('paris', 'https://p', 'e2', 7, 11.0, 1, 'refused')")
        db.execute("INSERT INTO fed_alarm_children (name, url) VALUES ('lyon', 'https://l')")
    with st.open_store(store_url) as s:
        topo, alarms = s.fed_topology.pulls.all(), s.fed_alarms.pulls.all()
        tables = {r["name"] for r in s.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if s.backend == "sqlite" else
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")}
    assert list(topo) == ["paris"] and sorted(alarms) == ["lyon", "paris"]
    assert {k: topo["paris"][k] for k in ("url", "epoch", "cursor", "last_pull", "last_success", "clock_offset",
                                          "stale", "suspect", "error")} == {
        "url": "https://p", "epoch": "e1", "cursor": 42, "last_pull": 10.0, "last_success": 9.0,
        "clock_offset": 0.5, "stale": 0, "suspect": 1, "error": ""}
    assert (alarms["paris"]["epoch"], alarms["paris"]["cursor"], alarms["paris"]["stale"],
            alarms["paris"]["error"]) == ("e2", 7, 1, "refused")
    assert (alarms["lyon"]["url"], alarms["lyon"]["cursor"], alarms["lyon"]["last_pull"]) == ("https://l", 0, None)
    assert "fed_pulls" in tables and not tables & {"fed_children", "fed_alarm_children"}


def test_pull_states_are_per_stream(store_url: str) -> None:
    with st.open_store(store_url) as s:
        s.fed_topology.pulls.save("paris", url="https://p", cursor=3)
        assert s.fed_alarms.pulls.claim("paris", "https://p", 100.0, 50.0)
        assert not s.fed_alarms.pulls.claim("paris", "https://p", 120.0, 50.0)  # pulled 20 s ago
        assert s.fed_topology.pulls.all()["paris"]["last_pull"] is None  # the other stream is untouched
        s.fed_alarms.forget("paris")
        assert s.fed_alarms.pulls.all() == {} and list(s.fed_topology.pulls.all()) == ["paris"]
        with pytest.raises(ValueError, match="unknown child fields"):
            s.fed_topology.pulls.save("paris", color="red")


class _raw:
    def __init__(self, url: str) -> None:
        from ansible_collections.netsync.fleet.plugins.module_utils.store._db import connect
        self.db = connect(url)

    def __enter__(self) -> Any:
        return self.db

    def __exit__(self, *exc: Any) -> None:
        self.db.close()


def test_device_import_is_idempotent_and_keeps_no_credentials(store_url: str) -> None:
    with st.open_store(store_url, clock=_clock()) as s:
        facts = {"hostname": "r1", "model": "mx960", "serial": None}
        assert s.devices.upsert("r1", "127.0.0.1", 830, "junos", facts) == "created"
        assert s.devices.upsert("r1", "127.0.0.1", 830, "junos", dict(facts)) == "unchanged"
        assert s.devices.upsert("r1", "127.0.0.2", 830, "junos", facts) == "updated"
        row = s.devices.get("r1")
        assert row is not None and row["host"] == "127.0.0.2" and row["facts"] == facts
        assert row["managed_status"] == st.OUT_OF_SYNC
        columns = {c for r in s.db.query("SELECT * FROM devices") for c in r}
        assert not any("pass" in c or "secret" in c or "key" in c for c in columns)


def test_snapshots_version_only_on_change(store_url: str) -> None:
    with st.open_store(store_url, clock=_clock()) as s:
        s.devices.upsert("r1", "h", 830, "junos", {})
        assert s.devices.add_snapshot("r1", "junos-xml", "<c/>", "a\n", "sha-a", 100.0, "ops") == (1, True)
        assert s.devices.add_snapshot("r1", "junos-xml", "<c/>", "a\n", "sha-a", 100.0, "ops") == (1, False)
        assert s.devices.add_snapshot("r1", "junos-xml", "<c2/>", "b\n", "sha-b", 200.0, "ops") == (2, True)
        assert [x["version"] for x in s.devices.list_snapshots("r1")] == [1, 2]
        snap = s.devices.get_snapshot("r1", 1)
        assert snap is not None and snap["rendered"] == "a\n" and snap["commit_user"] == "ops"
        assert s.devices.get_snapshot("r1", 3) is None
        with pytest.raises(st.StoreError, match="not in the store"):
            s.devices.add_snapshot("nope", "x", "", "", "s")


def test_status_history_and_remove(store_url: str) -> None:
    with st.open_store(store_url, clock=_clock()) as s:
        s.devices.upsert("r1", "h", 830, "netconf", {})
        s.devices.set_status("r1", st.SYNCHRONIZING, "job 1")
        s.devices.set_status("r1", st.IN_SYNC, "job 1 read", "up")
        assert [h["status"] for h in s.devices.status_history("r1")] == [st.OUT_OF_SYNC, st.SYNCHRONIZING, st.IN_SYNC]
        with pytest.raises(st.StoreError, match="unknown managed status"):
            s.devices.set_status("r1", "Bogus")
        with pytest.raises(st.StoreError, match="not in the store"):
            s.devices.set_status("ghost", st.IN_SYNC)
        s.devices.add_snapshot("r1", "f", "c", "r", "x")
        assert s.devices.remove("r1") is True
        assert s.devices.remove("r1") is False
        assert s.devices.list_snapshots("r1") == [] and s.devices.status_history("r1") == []


def test_settings_defaults_global_and_device_override(store_url: str) -> None:
    with st.open_store(store_url) as s:
        assert s.devices.get_settings() == st.DEFAULT_SETTINGS
        s.devices.upsert("r1", "h", 830, "junos", {})
        assert s.devices.set_settings({"resync_delay": 20}) == {}  # equal to the default: nothing stored
        changed = s.devices.set_settings({"resync_delay": 5, "auto_resync": "no"})
        assert changed == {"resync_delay": 5.0, "auto_resync": False}
        assert s.devices.set_settings({"damping_window": 1.5}, device="r1") == {"damping_window": 1.5}
        eff = s.devices.get_settings("r1")
        assert eff["resync_delay"] == 5.0 and eff["damping_window"] == 1.5 and eff["auto_resync"] is False
        assert s.devices.get_settings()["damping_window"] == 25.0
        assert s.devices.set_settings({"damping_window": 1.5}, device="r1") == {}
        assert s.devices.set_settings({"damping_window": None}, device="r1") == {"damping_window": None}
        assert s.devices.get_settings("r1")["damping_window"] == 25.0
        for bad in ({"resync_delay": -1}, {"resync_delay": "soon"}, {"nope": 1}, {"auto_resync": "maybe"}):
            with pytest.raises(st.StoreError):
                s.devices.set_settings(bad)
        with pytest.raises(st.StoreError, match="not in the store"):
            s.devices.set_settings({"resync_delay": 1}, device="ghost")
        s.devices.upsert("r2", "h", 830, "junos", {})
        s.devices.set_settings({"resync_delay": 7}, device="r2")
        global_values, per_device = s.devices.settings_by_device()  # one read, what get_settings gives
        assert global_values == s.devices.get_settings() and set(per_device) == {"r2"}
        assert per_device["r2"] == s.devices.get_settings("r2") and per_device["r2"]["resync_delay"] == 7.0


def test_jobs_notifications_and_inbox(store_url: str) -> None:
    clock = _clock()
    with st.open_store(store_url, clock=clock) as s:
        s.devices.upsert("r1", "h", 830, "junos", {})
        s.jobs.started("j1", "r1", "auto")
        since = clock()
        s.jobs.read("j1", 500.0)
        # a late notification for a commit the read included does not count
        s.jobs.record_notification("127.0.0.1", "syslog", "r1", True, commit_time=400.0)
        assert s.jobs.notified_since("r1", since, 500.0) is False
        s.jobs.record_notification("127.0.0.1", "syslog", "r1", True, commit_time=600.0)
        assert s.jobs.notified_since("r1", since, 500.0) is True
        s.jobs.record_notification("10.9.9.9", "syslog", None, False, reason="unknown source")
        s.jobs.finished("j1", True, "ok")
        job = s.jobs.get("j1")
        assert job is not None and job["state"] == "done" and job["read_commit_time"] == 500.0
        ids = [s.jobs.inbox_put("r1", "callback", "junos_config changed") for _n in range(3)]
        assert [r["id"] for r in s.jobs.inbox_take(2)] == ids[:2]
        assert [r["id"] for r in s.jobs.inbox_take(10)] == ids[2:]
        assert s.jobs.inbox_take(10) == []


def _writer(url: str, name: str, count: int) -> None:
    with st.open_store(url) as s:
        s.devices.upsert(name, "h", 830, "junos", {})
        for i in range(count):
            s.devices.add_snapshot(name, "f", "c%d" % i, "r%d" % i, "sha-%s-%d" % (name, i))
            s.devices.set_status(name, st.IN_SYNC if i % 2 else st.SYNCHRONIZING, "w%d" % i)
            s.jobs.inbox_put(name, "test")


def test_concurrent_writers_lose_nothing(store_url: str) -> None:
    """Eight processes writing at once: no 'database is locked', every row present."""
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(store_url, "d%d" % i, 25))
             for i in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 8
    with st.open_store(store_url) as s:
        assert len(s.devices.all()) == 8
        for i in range(8):
            assert len(s.devices.list_snapshots("d%d" % i)) == 25
        assert len(s.jobs.inbox_take(1000)) == 200


def test_bad_urls_are_clear_errors(tmp_path: Any) -> None:
    with pytest.raises(st.StoreError, match="unsupported store URL"):
        st.open_store("mysql://u:secret@h/db")
    try:
        st.open_store("mysql://u:secret@h/db")
    except st.StoreError as exc:
        assert "secret" not in str(exc)
    with pytest.raises(st.StoreError, match="cannot connect") as info:
        st.open_store("postgresql://u:topsecret@127.0.0.1:1/db")
    assert "topsecret" not in str(info.value)


def test_default_url_from_environment(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("NETSYNC_STORE", str(tmp_path / "x.db"))
    assert st.default_store_url() == str(tmp_path / "x.db")
    monkeypatch.delenv("NETSYNC_STORE")
    assert st.default_store_url() == os.path.expanduser("~/.netsync/fleet.db")


def test_sqlite_store_is_wal(tmp_path: Any) -> None:
    path = tmp_path / "f.db"
    st.open_store(str(path)).close()
    assert sqlite3.connect(str(path)).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_damper_state_round_trip(store_url: str) -> None:
    with st.open_store(store_url) as s:
        assert s.jobs.load_damper_states() == {}
        s.jobs.save_damper_states({"r1": {"status": "Out of Sync", "pending": {"due": 20.0}},
                                   "r2": {"status": "In Sync"}})
        s.jobs.save_damper_states({"r1": {"status": "Synchronizing"}})
    with st.open_store(store_url) as s:  # survives a restart of whoever wrote it
        assert s.jobs.load_damper_states() == {"r1": {"status": "Synchronizing"}, "r2": {"status": "In Sync"}}
