"""The fleet strategy (netsync.fleet.fleet) through real ansible-playbook against simulated Junos
devices: every host's own result, recap and callback events with a failing and an unreachable
device, --limit, check and diff mode, register/ignore_errors/handlers read by later tasks, the
short action name, and the tasks it leaves to ansible-core's workers (a loop)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.system import helpers
from tests.system.helpers import REPO, onboarded_junos_fleet, run_playbook

pytestmark = pytest.mark.system

RESYNC = REPO / "playbooks/resync.yml"
PLAY = REPO / "tests/system/playbooks/fleet_strategy.yml"
DIRECT_PLAY = REPO / "tests/system/playbooks/fleet_strategy_direct.yml"
TASK = "Read the committed configuration and store a snapshot if it changed"
NAMES = ["r1", "r2", "r3", "r4", "r5"]


@pytest.fixture
def fleet(tmp_path: Path, junos_sim: Callable[..., Any]) -> dict[str, Any]:
    """Five simulated Junos devices, onboarded into a SQLite store; an event log callback."""
    events = tmp_path / "events.jsonl"
    env = {"ANSIBLE_CALLBACK_PLUGINS": str(REPO / "tests/system/files/callback_plugins"),
           "ANSIBLE_CALLBACKS_ENABLED": "event_log", "NETSYNC_TEST_EVENT_LOG": str(events),
           "ANSIBLE_DEPRECATION_WARNINGS": "0"}
    return dict(onboarded_junos_fleet(tmp_path, junos_sim, NAMES), events=events, env=env)


def strategy_env(fleet: dict[str, Any]) -> dict[str, str]:
    return dict(fleet["env"], ANSIBLE_STRATEGY="netsync.fleet.fleet")


def events_of(fleet: dict[str, Any], task: str) -> dict[str, list[str]]:
    """host -> the events of ``task`` in order."""
    out: dict[str, list[str]] = {}
    for line in fleet["events"].read_text().splitlines():
        event = json.loads(line)
        if event["task"] == task:
            out.setdefault(event["host"], []).append(event["event"])
    return out


def jobs_since(store: str, since: float) -> dict[str, int]:
    return helpers.jobs_since(store, since, NAMES)


# two pool processes; threads in ansible-playbook itself; the direct path (a plain task) or, switched
# off, ansible-core's task executor in the pool's threads
@pytest.mark.parametrize("processes,direct", [("2", "1"), ("0", "1"), ("2", "0")])
def test_recap_and_events_per_host_with_a_failing_and_an_unreachable_device(fleet: dict[str, Any],
                                                                            processes: str, direct: str) -> None:
    sims = fleet["sims"]
    sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description fleet-change"])
    sims["r4"].faults.reject_auth = True
    sims["r5"].faults.rpc_error_on = "get-configuration"
    since = time.time()
    env = dict(strategy_env(fleet), NETSYNC_FLEET_PROCESSES=processes, NETSYNC_FLEET_DIRECT=direct)
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "-vv", env_extra=env)
    assert run.rc == 4, run.stderr[-3000:]  # ansible-playbook: 4 when a host was unreachable
    path = "direct" if direct == "1" else "through ansible-core's task executor: NETSYNC_FLEET_DIRECT is off"
    assert "task %r runs in-process %s" % (TASK, path) in run.stdout
    stats = run.stats
    assert {h: (stats[h]["ok"], stats[h]["changed"], stats[h]["failures"], stats[h]["unreachable"]) for h in NAMES} == {
        "r1": (1, 1, 0, 0), "r2": (1, 0, 0, 0), "r3": (1, 0, 0, 0), "r4": (0, 0, 0, 1), "r5": (0, 0, 1, 0)}
    res = run.results(TASK)
    assert sorted(res) == NAMES
    assert all(res[h]["in_process"] is True for h in NAMES)  # no worker process ran them
    assert res["r1"]["changed"] is True and res["r1"]["snapshot_version"] == 2 and res["r1"]["commit_user"] == "ops"
    assert [res[h]["changed"] for h in ("r2", "r3")] == [False, False]
    assert res["r4"]["unreachable"] is True and res["r4"]["error"] == "auth_failed"
    assert res["r5"]["failed"] is True and res["r5"]["error"] == "rpc_error" and "r5" in res["r5"]["msg"]
    assert events_of(fleet, TASK) == {"r1": ["start", "ok"], "r2": ["start", "ok"], "r3": ["start", "ok"],
                                      "r4": ["start", "unreachable"], "r5": ["start", "failed"]}
    with st.open_store(fleet["store"]) as s:
        status = {n: s.devices.get(n)["managed_status"] for n in NAMES}  # type: ignore[index]
        assert status == {"r1": "In Sync", "r2": "In Sync", "r3": "In Sync", "r4": "Sync Failed",
                          "r5": "Sync Failed"}
        for name in ("r1", "r2", "r3"):  # each host's result is its own device's job
            job = s.jobs.get(res[name]["job_id"])
            assert job is not None and job["device"] == name and job["state"] == "done"
        latest = s.devices.latest_snapshot("r1")
        assert latest is not None and latest["job_id"] == res["r1"]["job_id"] and latest["version"] == 2
    assert jobs_since(fleet["store"], since) == {n: 1 for n in NAMES}  # one resync per device, no more


def test_a_slow_device_holds_up_only_the_thread_reading_it(fleet: dict[str, Any]) -> None:
    """forks 2: two pool processes of one thread each. While r1 answers slowly, the other process
    reads every other device: hosts are handed out as threads free up, not dealt to the processes
    beforehand (dealt round-robin, r3 and r5 waited behind r1 in its process)."""
    fleet["sims"]["r1"].faults.delay = 2.0  # before each reply: its read takes 4 s or more
    env = dict(strategy_env(fleet), NETSYNC_FLEET_PROCESSES="2")
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "--forks", "2", "-vv", env_extra=env)
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == NAMES and all(res[h]["in_process"] is True for h in NAMES)
    finished = [json.loads(line)["host"] for line in fleet["events"].read_text().splitlines()
                if json.loads(line)["task"] == TASK and json.loads(line)["event"] != "start"]
    assert sorted(finished) == NAMES
    assert finished[-1] == "r1", finished  # every other device was read while r1 was being read


def test_limit_check_and_diff(fleet: dict[str, Any]) -> None:
    sims = fleet["sims"]
    for name in ("r1", "r3"):
        sims[name].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/2 description seen-%s" % name])
    since = time.time()
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "--limit", "r1,r2", "--check", "--diff",
                       env_extra=strategy_env(fleet))
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == ["r1", "r2"] and all(res[h]["in_process"] is True for h in res)
    assert res["r1"]["changed"] is True and res["r1"]["snapshot_version"] == 2 and res["r1"]["job_id"] is None
    assert "seen-r1" in res["r1"]["diff"]["after"] and "seen-r1" not in res["r1"]["diff"]["before"]
    assert res["r2"]["changed"] is False and "diff" not in res["r2"]
    assert events_of(fleet, TASK) == {"r1": ["start", "diff", "ok"], "r2": ["start", "ok"]}
    assert jobs_since(fleet["store"], since) == {n: 0 for n in NAMES}  # check mode wrote no job
    with st.open_store(fleet["store"]) as s:
        assert [len(s.devices.list_snapshots(n)) for n in NAMES] == [1, 1, 1, 1, 1]

    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "--limit", "r1,r3", env_extra=strategy_env(fleet))
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == ["r1", "r3"]
    assert [res[h]["snapshot_version"] for h in ("r1", "r3")] == [2, 2]
    assert jobs_since(fleet["store"], since) == {"r1": 1, "r2": 0, "r3": 1, "r4": 0, "r5": 0}


def test_register_handlers_short_name_and_a_loop_left_to_the_workers(fleet: dict[str, Any]) -> None:
    sims = fleet["sims"]
    sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description registered"])
    sims["r5"].faults.rpc_error_on = "get-configuration"
    run = run_playbook(PLAY, fleet["inventory"], fleet["store"], env_extra=fleet["env"])  # strategy: in the play
    assert run.rc == 0, run.stderr[-3000:]  # r5's failure is ignored
    res = run.results("Resync")
    assert all(res[h]["in_process"] is True for h in NAMES)
    assert res["r5"]["failed"] is True and run.stats["r5"]["ignored"] == 1 and run.stats["r5"]["failures"] == 0
    seen = {h: r["ansible_facts"]["seen"] for h, r in run.results("Read the registered result").items()}
    # host:registered snapshot_version:registered failed (a failed read reports the kept snapshot)
    assert seen == {"r1": "r1:2:False", "r2": "r2:1:False", "r3": "r3:1:False", "r4": "r4:1:False",
                    "r5": "r5:1:True"}
    assert sorted(run.results("Changed device")) == ["r1"]  # the handler, for the changed host only
    looped = run.results("Resync in a loop")
    assert looped["r1"]["results"][0]["snapshot_version"] == 2
    assert "in_process" not in looped["r1"]["results"][0]  # a loop runs in ansible-core's worker
    assert all(looped[h]["skipped"] is True for h in NAMES[1:])


def test_the_batch_stands_down_inside_the_strategy(fleet: dict[str, Any]) -> None:
    since = time.time()
    run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "-e", "netsync_resync_batch=true",
                       env_extra=strategy_env(fleet))
    assert run.rc == 0, run.stderr[-3000:]
    res = run.results(TASK)
    assert sorted(res) == NAMES
    assert all(r["in_process"] is True and "batch" not in r for r in res.values())
    assert jobs_since(fleet["store"], since) == {n: 1 for n in NAMES}


VOLATILE = ("job_id", "snapshot_version", "commit_time", "commit_seq", "sha256")


def test_the_direct_path_gives_what_the_task_executor_gives(fleet: dict[str, Any]) -> None:
    """The same play over the same faults, direct and through the executor: the same result keys and
    values per host (but the job's own ids and versions), the same events, recap and exit code."""
    sims = fleet["sims"]
    sims["r4"].faults.reject_auth = True
    sims["r5"].faults.rpc_error_on = "get-configuration"
    seen: dict[str, Any] = {}
    for direct in ("1", "0"):
        sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description run-%s" % direct])
        fleet["events"].write_text("")
        env = dict(strategy_env(fleet), NETSYNC_FLEET_DIRECT=direct)
        run = run_playbook(RESYNC, fleet["inventory"], fleet["store"], "--diff", env_extra=env)
        res = run.results(TASK)
        seen[direct] = {
            "rc": run.rc, "stats": run.stats, "events": events_of(fleet, TASK),
            "results": {h: {k: ("<%s>" % type(v).__name__ if k in VOLATILE or k == "diff" else v)
                            for k, v in r.items()} for h, r in res.items()},
        }
    assert seen["1"]["results"]["r1"]["changed"] is True and seen["1"]["rc"] == 4
    assert seen["1"]["results"]["r5"]["failed"] is True and seen["1"]["results"]["r4"]["unreachable"] is True
    assert seen["1"] == seen["0"]


@pytest.mark.parametrize("direct", ["1", "0"])
def test_register_handlers_and_no_log_on_the_direct_path(fleet: dict[str, Any], direct: str) -> None:
    sims = fleet["sims"]
    sims["r1"].cli_commit(user="ops", set_commands=["set interfaces ge-0/0/1 description registered"])
    sims["r5"].faults.rpc_error_on = "get-configuration"
    run = run_playbook(DIRECT_PLAY, fleet["inventory"], fleet["store"], "-vv",
                       env_extra=dict(fleet["env"], NETSYNC_FLEET_DIRECT=direct))
    assert run.rc == 0, run.stderr[-3000:]  # r5's failure is ignored in the first play; the second ignores nothing
    path = "direct" if direct == "1" else "through ansible-core's task executor"
    assert "task 'Resync' runs in-process %s" % path in run.stdout
    assert "task 'Resync quietly' runs in-process %s" % path in run.stdout
    res = run.results("Resync")
    assert all(res[h]["in_process"] is True for h in NAMES)
    assert res["r5"]["failed"] is True and res["r5"]["error"] == "rpc_error"
    seen = {h: r["ansible_facts"]["seen"] for h, r in run.results("Read the registered result").items()}
    assert seen == {"r1": "r1:2:False", "r2": "r2:1:False", "r3": "r3:1:False", "r4": "r4:1:False",
                    "r5": "r5:1:True"}
    assert sorted(run.results("Changed device")) == ["r1"]  # the handler, for the changed host only
    quiet = run.results("Resync quietly")
    assert sorted(quiet) == NAMES[:4]
    for result in quiet.values():  # censored by ansible-core: nothing of the result but changed
        assert "hidden" in result["censored"] and "snapshot_version" not in result and "job_id" not in result
