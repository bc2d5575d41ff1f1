"""The two lookup plugins under real ansible-playbook and ansible-doc: options from args, ansible.cfg and
environment, unsafe values, warnings."""
from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.alarms.rules import Signal
from ansible_collections.netsync.fleet.plugins.module_utils.alarms.service import apply_signals
from tests.system.helpers import REPO, VENV_BIN, ansible_env
from tests.system.plugins.lookup.conftest import Fed

pytestmark = pytest.mark.system  # child servers, the Junos simulator or ansible-* processes

TEMPLATE = "{{ lookup('pipe','id') }}"
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Alarms
      ansible.builtin.set_fact:
        alarms: "{{ query('netsync.fleet.alarms', severity='major') }}"
    - name: Show the first message as it came
      ansible.builtin.debug:
        msg: "{{ alarms[0].message }}"
    - name: Show all
      ansible.builtin.debug:
        var: alarms
    - name: Metrics
      ansible.builtin.debug:
        msg: "{{ lookup('netsync.fleet.metrics', 'resync_duration', device='r1', start='-1d') }}"
"""


def playbook(fed: Fed, cfg_text: str, **env: str) -> dict[str, Any]:
    (fed.tmp / "play.yml").write_text(PLAY)
    (fed.tmp / "inv.ini").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                     % (VENV_BIN / "python"))
    (fed.tmp / "ansible.cfg").write_text("[defaults]\ncollections_path = %s\n%s" % (REPO / ".collections", cfg_text))
    run_env = ansible_env(str(fed.tmp / "unused.db"), ANSIBLE_CONFIG=str(fed.tmp / "ansible.cfg"), **env)
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(fed.tmp / "inv.ini"),
                           str(fed.tmp / "play.yml")], cwd=str(fed.tmp), env=run_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(proc.stdout[proc.stdout.find("{"):])
    tasks = {t["task"]["name"]: t["hosts"]["localhost"] for t in data["plays"][0]["tasks"]}
    tasks["stderr"] = proc.stderr
    tasks["stdout"] = proc.stdout
    return tasks


def test_lookups_in_a_playbook(fed: Fed) -> None:
    now = time.time()
    apply_signals(fed.stores["east"].alarms, [Signal("device_syslog", "r1", True, now, TEMPLATE, subject="X",
                                             severity="critical")])
    fed.stores["west"].metrics.record([("resync_duration", "r1", now - 60, 3.5)])
    fed.stores["east"].metrics.record([("resync_duration", "r1", now - 120, 1.5)])
    cfg = "[netsync_fleet]\nfederation_config = %s\nmax_alarm_update_delay = 0\n" % fed.path
    tasks = playbook(fed, cfg)
    assert tasks["Show the first message as it came"]["msg"] == TEMPLATE  # never templated
    alarms = tasks["Show all"]["alarms"]
    assert [(a["child"], a["device"], a["severity"]) for a in alarms] == [("east", "r1", "critical")]
    series = tasks["Metrics"]["msg"]
    assert [p[1] for p in series["points"]] == [1.5, 3.5] and series["sources"] == ["east", "west"]
    assert fed.requests("east", "/alarms/changes") == 1
    # delay 0 from ansible.cfg: every run pulls; from the environment, 50 s: the next run uses the copy
    playbook(fed, cfg)
    assert fed.requests("east", "/alarms/changes") == 2
    tasks = playbook(fed, cfg, NETSYNC_MAX_ALARM_UPDATE_DELAY="50", NETSYNC_METRIC_SOURCE_REUSE="180")
    assert fed.requests("east", "/alarms/changes") == 2
    assert fed.requests("east", "/metrics/index") == 1  # the source set is shared by the three runs
    assert fed.requests("east", "/metrics/series") == 3


def test_down_child_warns(fed: Fed) -> None:
    apply_signals(fed.stores["west"].alarms, [Signal("device_syslog", "r7", True, time.time(), "x", severity="major")])
    cfg = "[netsync_fleet]\nfederation_config = %s\n" % fed.path
    playbook(fed, cfg)
    fed.children["east"].stop()
    tasks = playbook(fed, cfg, NETSYNC_MAX_ALARM_UPDATE_DELAY="0")
    warnings = " ".join(str(w) for w in tasks["Alarms"].get("warnings", [])) + tasks["stderr"]
    assert "federation child east: alarm pull failed" in warnings and "stale" in warnings, tasks["stdout"][-3000:]
    assert [a["device"] for a in tasks["Show all"]["alarms"]] == ["r7"]


def test_ansible_doc_shows_both() -> None:
    for name in ("netsync.fleet.alarms", "netsync.fleet.metrics"):
        proc = subprocess.run([str(VENV_BIN / "ansible-doc"), "-t", "lookup", name], cwd=str(REPO),
                              env=ansible_env("unused.db"), capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and "federation_config" in proc.stdout, proc.stderr[-2000:]
        assert "ERROR" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr
