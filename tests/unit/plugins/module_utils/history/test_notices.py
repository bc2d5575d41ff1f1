"""Change notices over a real SQLite store (the same tests run on PostgreSQL from
tests/system/plugins/module_utils/history/test_notices_postgresql.py)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.device.secrets import marker
from ansible_collections.netsync.fleet.plugins.module_utils.history import notices

# CLI snapshots (EOS): their readable text is the stored rendering, so a test states it directly
BASE = "hostname r1\nusername ops secret 5 $6$old$pw\n"


@pytest.fixture
def store_url(tmp_path: Any) -> str:
    return str(tmp_path / "fleet.db")


def _snap(s: st.Store, name: str, text: str, user: str = "ops") -> int:
    version, created = s.devices.add_snapshot(name, "eos-cli", text, text, sha256_text(text), commit_time=5.0,
                                              commit_user=user, job_id="job-%s" % name)
    assert created
    return version


def test_poll_gives_one_notice_per_new_version_with_masked_diff(store_url: str) -> None:
    with st.open_store(store_url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        _snap(s, "r1", BASE)
        cursor = s.snapshot_feed.heads()
        assert cursor == {"r1": 1}
        assert notices.poll(s.snapshot_feed, s.mask_key(), cursor) == ([], {"r1": 1})
        _snap(s, "r1", BASE.replace("$old$", "$new$") + "interface Ethernet1\n   description {{ 6 * 7 }}\n",
              user="alice")
        found, after = notices.poll(s.snapshot_feed, s.mask_key(), cursor)
        key = s.mask_key()
    assert after == {"r1": 2} and len(found) == 1
    notice = found[0]
    old, new = marker("$6$old$pw", key), marker("$6$new$pw", key)
    assert notice["diff"] == (
        "--- r1 v1\n+++ r1 v2\n@@ -1,2 +1,4 @@\n hostname r1\n"
        "-username ops secret 5 %s\n"
        "+username ops secret 5 %s\n"
        "+interface Ethernet1\n+   description {{ 6 * 7 }}\n" % (old, new))
    assert "$6$" not in repr(notice)  # a changed secret shows as a changed marker, never in clear
    assert {k: notice[k] for k in ("device", "old_version", "new_version", "user", "comment", "job_id",
                                   "diff_truncated", "diff_lines", "lines_added", "lines_removed")} == {
        "device": "r1", "old_version": 1, "new_version": 2, "user": "alice", "comment": None, "job_id": "job-r1",
        "diff_truncated": False, "diff_lines": 8, "lines_added": 3, "lines_removed": 1}
    assert notice["summary"] == "r1 v1 -> v2 by alice: 3 lines added, 1 removed"


def test_poll_across_devices_first_versions_limits_and_reimport(store_url: str) -> None:
    with st.open_store(store_url) as s:
        for name in ("a", "b"):
            s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
        for n in range(4):  # a: v1..v4
            _snap(s, "a", BASE + "x %d\n" % n)
        _snap(s, "b", BASE)  # b: v1 only, its import: no notice
        feed, key = s.snapshot_feed, s.mask_key()
        found, after = notices.poll(feed, key, {}, limit=2)
        assert [(n["device"], n["old_version"], n["new_version"]) for n in found] == [("a", 1, 2), ("a", 2, 3)]
        assert after == {"a": 3}
        found, after = notices.poll(feed, key, after, limit=2)
        assert [(n["device"], n["new_version"]) for n in found] == [("a", 4)] and after == {"a": 4, "b": 1}
        assert notices.poll(feed, key, after) == ([], after)
        # b removed and imported again: its versions start over, so does its cursor
        s.devices.remove("b")
        s.devices.upsert("b", "127.0.0.1", 830, "junos", {})
        _snap(s, "b", BASE)
        _snap(s, "b", BASE + "y\n")
        found, after = notices.poll(feed, key, {"a": 4, "b": 5, "gone": 3})
        assert [(n["device"], n["new_version"]) for n in found] == [("b", 2)] and after == {"a": 4, "b": 2}


def test_cursor_is_saved_in_the_store(store_url: str) -> None:
    with st.open_store(store_url) as s:
        assert notices.load_cursor(s.snapshot_feed, "team") is None
        notices.save_cursor(s.snapshot_feed, "team", {"r2": 3, "r1": 7})
        notices.save_cursor(s.snapshot_feed, "team", {"r2": 4, "r1": 7})
        notices.save_cursor(s.snapshot_feed, "other", {})
    with st.open_store(store_url) as s:
        assert notices.load_cursor(s.snapshot_feed, "team") == {"r1": 7, "r2": 4}
        assert notices.load_cursor(s.snapshot_feed, "other") == {}


def test_diff_is_bounded() -> None:
    diff = "".join("+line %03d\n" % i for i in range(300))
    text, cut, total = notices.bound_diff(diff, max_lines=200, max_bytes=100000)
    assert cut and total == 300 and text.splitlines()[-1] == "... (100 more diff lines not shown)"
    assert len(text.splitlines()) == 201
    text, cut, total = notices.bound_diff(diff, max_lines=200, max_bytes=100)
    assert text == "".join("+line %03d\n" % i for i in range(10)) + "... (290 more diff lines not shown)\n"
    assert notices.bound_diff("+a\n-b\n", 2, 100) == ("+a\n-b\n", False, 2)


def test_commit_comment_is_read_when_the_store_has_the_column(store_url: str) -> None:
    with st.open_store(store_url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        _snap(s, "r1", BASE)
        _snap(s, "r1", BASE + "ip routing\n")
        assert notices.notice_for(s.snapshot_feed, s.mask_key(), "r1", 2)["comment"] is None
        if not s.snapshot_feed.has_commit_comment():  # schema 7 adds it; before, a store without it still works
            s.db.execute("ALTER TABLE snapshots ADD COLUMN commit_comment TEXT")
        s.db.execute("UPDATE snapshots SET commit_comment = 'change 42' WHERE version = 2")
    with st.open_store(store_url) as s:
        notice = notices.notice_for(s.snapshot_feed, s.mask_key(), "r1", 2)
        assert notice["comment"] == "change 42"
        assert notice["summary"] == 'r1 v1 -> v2 by ops: 1 line added, 0 removed ("change 42")'
        with pytest.raises(notices.NoticeError, match="device 'r1' has no snapshot version 3"):
            notices.notice_for(s.snapshot_feed, s.mask_key(), "r1", 3)
        with pytest.raises(notices.NoticeError, match="old_version must be between 1 and 1"):
            notices.notice_for(s.snapshot_feed, s.mask_key(), "r1", 2, old_version=2)


JUNOS = ("<configuration><system><host-name>r1</host-name><login><user><name>ops</name><authentication>"
         "<encrypted-password>{pw}</encrypted-password></authentication></user></login></system>{extra}"
         "</configuration>")


def test_a_junos_notice_is_delete_and_set_lines_with_masked_secrets(store_url: str) -> None:
    """A Junos device's notice carries what a Junos engineer pastes: delete then set lines."""
    ge1 = "<interfaces><interface><name>ge-0/0/1</name><description>uplink</description></interface></interfaces>"
    with st.open_store(store_url) as s:
        s.devices.upsert("r1", "127.0.0.1", 830, "junos", {})
        for pw, extra in (("$6$old$pw", ge1), ("$6$new$pw", "")):
            xml = JUNOS.format(pw=pw, extra=extra)
            s.devices.add_snapshot("r1", "junos-xml", xml, "rendered", sha256_text(xml), commit_user="ops")
        notice = notices.notice_for(s.snapshot_feed, s.mask_key(), "r1", 2)
        new = marker("$6$new$pw", s.mask_key())
    assert notice["diff"] == ("delete interfaces\n"  # the whole stanza went: deleted at its top
                              "set system login user ops authentication encrypted-password %s\n" % new)
    assert "$6$" not in repr(notice) and (notice["lines_added"], notice["lines_removed"]) == (1, 1)
