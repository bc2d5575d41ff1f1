"""netsync.fleet.git_export with real git: log and blame name who and when, idempotent runs,
backfill, two runs racing, a push to a bare repository, check mode."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, sha256_text
from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import ExportError, run_git_export
from tests.sims.junos_config import default_config
from tests.sims.junos_text import apply_set_lines
from tests.system.helpers import REPO
from tests.support.clock import Clock

T0 = 1_790_000_000  # 2026-09-21T...Z: commit times on the devices
HOUR = 3600


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def _snap(store: st.Store, name: str, config: etree._Element, user: str | None, at: float | None,
          job: str | None = None) -> int:
    xml = etree.tostring(config, encoding="unicode")
    text = render(config)
    version, created = store.devices.add_snapshot(name, "junos-xml", xml, text, sha256_text(text), at, user,
                                                  None, job)
    assert created
    return version


def build_store(path: str, clock: Clock) -> None:
    """r1: three versions by admin, ops (a job covering 2 notifications), alice; r2: one version
    without commit user or time; n1: a generic NETCONF device."""
    with st.open_store(path, clock=clock) as store:
        for name, platform in (("r1", "junos"), ("r2", "junos"), ("n1", "netconf")):
            store.devices.upsert(name, "127.0.0.1", 830, platform, {})
        r1 = default_config("r1", "21.4R1", ["admin"])
        _snap(store, "r1", r1, "admin", T0)
        clock.now += 60
        _snap(store, "r2", default_config("r2", "21.4R1", ["admin"]), None, None)
        for when in (T0 + HOUR + 5, T0 + HOUR + 9):
            store.jobs.record_notification("syslog", "commit", "r1", True, commit_time=when, commit_user="ops",
                                           received_at=when + 1)
        clock.now = T0 + HOUR + 30
        store.jobs.started("job-a", "r1", "auto")
        store.jobs.read("job-a", T0 + HOUR + 9)
        apply_set_lines(r1, ['set interfaces ge-0/0/1 description "uplink to core-2"',
                             "set system root-authentication encrypted-password $6$new$rootsecret"])
        _snap(store, "r1", r1, "ops", T0 + HOUR + 9, "job-a")
        store.jobs.finished("job-a", True)
        data = ('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><interfaces xmlns="urn:ietf:params:xml:'
                'ns:yang:ietf-interfaces"><interface><name>eth0</name><description>x</description></interface>'
                '</interfaces></data>')
        store.devices.add_snapshot("n1", "netconf-xml", data, "interfaces\n", "n1-1", T0 + 2 * HOUR, "netconf")
        clock.now = T0 + 3 * HOUR
        apply_set_lines(r1, ["set interfaces ge-0/0/2 description spare-2"])
        _snap(store, "r1", r1, "alice", T0 + 3 * HOUR)


@pytest.fixture
def fleet(tmp_path: Path, store_url: str) -> dict[str, Any]:
    """The store on SQLite, then on PostgreSQL (conftest's ``store_url``)."""
    store = store_url
    clock = Clock(T0 + 10 * HOUR)
    build_store(store, clock)
    return {"store": store, "repo": tmp_path / "configs", "clock": clock}


def params(fleet: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"store": fleet["store"], "repo": str(fleet["repo"]), "branch": "main",
                           "path_template": "{group}/{name}", "groups": {"r1": "paris", "r2": "paris"},
                           "authors": {"alice": "Alice Martin <alice@example.com>"},
                           "committer": "netsync <netsync@localhost>", "bare": False, "lock_timeout": 60.0}
    out.update(extra)
    return out


def test_log_and_blame_name_who_and_when(fleet: dict[str, Any]) -> None:
    result = run_git_export(params(fleet))
    repo = fleet["repo"]
    assert result["changed"] is True and result["commits"] == 5
    assert result["devices"] == ["n1", "r1", "r2"]
    log = git(repo, "log", "--format=%an|%ae|%at|%cn|%ce|%s", "--", "paris/r1").splitlines()
    assert log == ["Alice Martin|alice@example.com|%d|netsync|netsync@localhost|r1 v3 by alice" % (T0 + 3 * HOUR),
                   "ops|ops@r1|%d|netsync|netsync@localhost|r1 v2 by ops" % (T0 + HOUR + 9),
                   "admin|admin@r1|%d|netsync|netsync@localhost|r1 v1 by admin" % T0]
    body = git(repo, "log", "-1", "--format=%B", "--skip=1", "--", "paris/r1")
    assert "Job job-a covered 2 notifications." in body
    assert "Netsync-Device: r1\nNetsync-Version: 2\nNetsync-Path: paris/r1\n" in body
    # r2: no commit user or time on the device -> unknown author, the snapshot's time
    assert git(repo, "log", "--format=%an|%ae|%at", "--", "paris/r2").splitlines() == [
        "unknown|unknown@r2|%d" % (T0 + 10 * HOUR + 60)]
    assert git(repo, "log", "--format=%an", "--", "ungrouped/n1").splitlines() == ["netconf"]
    # all commits oldest first by author date (r2's is its snapshot time, the latest)
    assert git(repo, "log", "--reverse", "--format=%s").splitlines() == [
        "r1 v1 by admin", "r1 v2 by ops", "n1 v1 by netconf", "r1 v3 by alice", "r2 v1 by unknown user"]
    blame = {}
    porcelain = git(repo, "blame", "--line-porcelain", "paris/r1")
    author = ""
    for line in porcelain.splitlines():
        if line.startswith("author "):
            author = line[len("author "):]
        elif line.startswith("\t"):
            blame[line[1:]] = author
    assert blame["set system host-name r1"] == "admin"
    assert blame['set interfaces ge-0/0/1 description "uplink to core-2"'] == "ops"
    assert blame["set interfaces ge-0/0/2 description spare-2"] == "Alice Martin"
    secret_lines = [k for k in blame if "root-authentication encrypted-password" in k]
    assert len(secret_lines) == 1 and blame[secret_lines[0]] == "ops"  # a changed secret is a change
    assert "$6$" not in git(repo, "log", "-p", "--all")  # masked in every version
    assert (repo / "paris/r1").read_text() == git(repo, "show", "HEAD:paris/r1")  # the files are checked out
    assert git(repo, "status", "--porcelain") == ""


def test_second_run_adds_nothing_and_a_new_snapshot_adds_one(fleet: dict[str, Any]) -> None:
    first = run_git_export(params(fleet))
    again = run_git_export(params(fleet))
    assert again["changed"] is False and again["commits"] == 0 and again["head"] == first["head"]
    with st.open_store(fleet["store"]) as store:
        r2 = default_config("r2", "21.4R1", ["admin"])
        apply_set_lines(r2, ["set system host-name r2-new"])
        _snap(store, "r2", r2, "bob", T0 + 5 * HOUR)
    third = run_git_export(params(fleet))
    assert third["commits"] == 1 and third["exported"] == [
        {"device": "r2", "version": 2, "commit": third["head"], "path": "paris/r2"}]
    assert git(fleet["repo"], "rev-list", "--count", "HEAD").strip() == "6"
    assert git(fleet["repo"], "log", "-1", "--format=%P").strip() == first["head"]


def test_check_mode_writes_nothing_and_counts(fleet: dict[str, Any]) -> None:
    out = run_git_export(params(fleet), check_mode=True, diff=True)
    assert out["changed"] is True and out["commits"] == 5 and not fleet["repo"].exists()
    assert {d["after_header"] for d in out["diff"]} == {"paris/r1 (v3)", "paris/r2 (v1)", "ungrouped/n1 (v1)"}
    run_git_export(params(fleet, devices=["r1"]))
    out = run_git_export(params(fleet), check_mode=True)
    assert out["commits"] == 2 and out["devices"] == ["n1", "r2"]
    assert git(fleet["repo"], "rev-list", "--count", "HEAD").strip() == "3"


def test_backfill_of_a_device_added_later_and_a_moved_file(fleet: dict[str, Any]) -> None:
    run_git_export(params(fleet, devices=["r2"]))
    out = run_git_export(params(fleet, path_template="{group}/{platform}/{name}.set"))
    assert out["commits"] == 4  # r1's three versions and n1's, after r2's
    assert git(fleet["repo"], "log", "--format=%s", "--", "paris/junos/r1.set").count("\n") == 3
    assert sorted(git(fleet["repo"], "ls-files").split()) == ["paris/junos/r1.set", "paris/r2",
                                                             "ungrouped/netconf/n1.set"]


def test_bad_template_and_unknown_device_name_the_option(fleet: dict[str, Any]) -> None:
    with pytest.raises(ExportError, match="path_template must contain {name}"):
        run_git_export(params(fleet, path_template="{group}/all"))
    with pytest.raises(ExportError, match=r"path_template '\{nope\}/\{name\}': unknown field"):
        run_git_export(params(fleet, path_template="{nope}/{name}"))
    with pytest.raises(ExportError, match="devices: zz not in the store"):
        run_git_export(params(fleet, devices=["zz"]))


RACER = textwrap.dedent("""
    import json, sys
    sys.path[:0] = [%r, %r]
    from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import run_git_export
    print(json.dumps(run_git_export(json.loads(sys.argv[1]))["commits"]))
""") % (str(REPO / ".collections"), str(REPO))


def test_two_runs_racing_make_each_commit_once(fleet: dict[str, Any]) -> None:
    import json
    arg = json.dumps(params(fleet))
    procs = [subprocess.Popen([sys.executable, "-c", RACER, arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert sorted(int(o[0]) for o in outs) == [0, 5]
    trailers = git(fleet["repo"], "log", "--format=%(trailers:key=Netsync-Device,key=Netsync-Version,valueonly,"
                   "separator=%x20)").split("\n")
    pairs = [t for t in trailers if t.strip()]
    assert len(pairs) == 5 and len(set(pairs)) == 5


def test_push_to_a_bare_repository(fleet: dict[str, Any], tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    out = run_git_export(params(fleet, remote=str(remote)))
    assert out["pushed"] is True
    assert git(remote, "rev-parse", "refs/heads/main").strip() == out["head"]
    again = run_git_export(params(fleet, remote=str(remote)))
    assert again["pushed"] is False and again["changed"] is False
    with pytest.raises(ExportError, match=r"0 commit\(s\) are in .* but the push failed") as failed:
        run_git_export(params(fleet, remote="https://user:t0ken@127.0.0.1:9/x.git"))
    assert "t0ken" not in str(failed.value) and "127.0.0.1:9" in str(failed.value)


def test_bare_export_and_a_folder_inside_another_repository(fleet: dict[str, Any], tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    inner = outer / "configs.git"
    out = run_git_export(params(fleet, repo=str(inner), bare=True))
    assert out["commits"] == 5
    assert git(inner, "rev-parse", "--is-bare-repository").strip() == "true"
    assert subprocess.run(["git", "-C", str(outer), "rev-parse", "--verify", "-q", "HEAD"],
                          capture_output=True).returncode != 0  # the outer repository got nothing
    assert os.listdir(inner) and not (inner / "paris").exists()


def test_a_failure_while_exporting_moves_nothing(fleet: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.netsync.fleet.plugins.module_utils.history import git_export
    first = run_git_export(params(fleet, devices=["r2"]))
    real = git_export.snapshot_text
    calls = []

    def failing(snap: dict[str, Any], key: Any) -> str:
        calls.append(snap["version"])
        if len(calls) == 3:
            raise RuntimeError("store went away")
        return real(snap, key)
    monkeypatch.setattr(git_export, "snapshot_text", failing)
    with pytest.raises(RuntimeError, match="store went away"):
        run_git_export(params(fleet))
    assert git(fleet["repo"], "rev-parse", "main").strip() == first["head"]  # two commits were streamed: dropped
    monkeypatch.undo()
    assert run_git_export(params(fleet))["commits"] == 4


def test_odd_device_names_are_quoted_for_git(tmp_path: Path) -> None:
    store = str(tmp_path / "fleet.db")
    name = 'core "a" 1\\b'
    with st.open_store(store) as s:
        s.devices.upsert(name, "127.0.0.1", 830, "junos", {})
        _snap(s, name, default_config("x", "21.4R1", ["admin"]), "admin", T0)
    out = run_git_export({"store": store, "repo": str(tmp_path / "g"), "path_template": "{group}/{name}",
                          "branch": "main", "authors": {}, "committer": "netsync <n@l>", "lock_timeout": 5.0})
    assert out["exported"][0]["path"] == 'ungrouped/core "a" 1_b'
    assert (tmp_path / "g" / "ungrouped" / 'core "a" 1_b').read_text().startswith("set version 21.4R1\n")


def test_a_device_clock_going_back_keeps_its_versions_in_order(fleet: dict[str, Any]) -> None:
    with st.open_store(fleet["store"]) as store:
        store.devices.upsert("r9", "127.0.0.1", 830, "junos", {})
        config = default_config("r9", "21.4R1", ["admin"])
        _snap(store, "r9", config, "admin", T0 + 100)
        apply_set_lines(config, ["set system host-name r9-after-clock-reset"])
        _snap(store, "r9", config, "admin", T0 + 50)  # the device's clock was set back
    run_git_export(params(fleet))
    assert git(fleet["repo"], "log", "--reverse", "--format=%s", "--", "ungrouped/r9").splitlines() == [
        "r9 v1 by admin", "r9 v2 by admin"]
    assert "set system host-name r9-after-clock-reset\n" in (fleet["repo"] / "ungrouped/r9").read_text()


def test_local_changes_in_the_export_repository_are_kept_and_reported(fleet: dict[str, Any]) -> None:
    first = run_git_export(params(fleet))
    edited = fleet["repo"] / "paris/r2"
    edited.write_text("my own notes\n")
    with st.open_store(fleet["store"]) as store:
        r2 = default_config("r2", "21.4R1", ["admin"])
        apply_set_lines(r2, ["set system host-name r2-new"])
        _snap(store, "r2", r2, "bob", T0 + 5 * HOUR)
    out = run_git_export(params(fleet))
    assert out["commits"] == 1 and git(fleet["repo"], "log", "-1", "--format=%P").strip() == first["head"]
    assert len(out["warnings"]) == 1 and "left as they were (local changes)" in out["warnings"][0]
    assert edited.read_text() == "my own notes\n"
    assert "set system host-name r2-new" in git(fleet["repo"], "show", "main:paris/r2")
