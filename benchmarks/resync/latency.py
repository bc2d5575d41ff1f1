"""One device's resync latency: end to end through ansible-playbook, and in-process phases.

The in-process phases call the collection's own code (``open_session``, ``render``,
``tasks.run_resync`` and the store) with ``time.perf_counter``; nothing is re-implemented
except the order of the calls.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Callable

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf

from ansible_collections.netsync.fleet.plugins.module_utils.tasks import device as tasks
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import resync as resync_task
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import ConfigRead
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import (
    DEVICE_SPEC, RESYNC_SPEC, target_from_params,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.render import render, sha256_text
from benchmarks.resync.checks import failed_hosts
from tests.system.helpers import REPO, Device, run_playbook

NOOP_PLAY = """---
- name: Baseline (ansible-playbook start-up, one forked worker, one trivial action)
  hosts: all
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}"
"""

# What a forked ansible worker imports on its first netsync task (its parent never did).
IMPORT_PROBE = """
import time, sys
sys.path[:0] = [%r, %r]
import ansible.plugins.action, sqlite3
t = time.perf_counter()
import ncclient.manager, ncclient.transport, ncclient.transport.session, lxml.etree
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import resync
from ansible_collections.netsync.fleet.plugins.module_utils.device import session as netconf
print(time.perf_counter() - t)
""" % (str(REPO), str(REPO / ".collections"))


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000.0, 2)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def params_for(dev: Device, known_hosts: Path, store: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Validated task parameters, as the action plugin builds them from hostvars."""
    args: dict[str, Any] = {"name": dev.name, "host": dev.host, "port": dev.port, "username": dev.username,
                            "password": dev.password, "private_key_file": dev.key_file,
                            "known_hosts_file": str(known_hosts), "store": store}
    args.update(extra)
    result = ArgumentSpecValidator(spec).validate({k: v for k, v in args.items() if v is not None})
    if result.error_messages:
        raise RuntimeError("; ".join(result.error_messages))
    return dict(result.validated_parameters)


def _tick_env(tick: float) -> None:
    os.environ["NETSYNC_NCCLIENT_TICK"] = repr(tick)


class _Canned:
    """A DeviceSession stand-in that returns an already-read configuration (no network)."""

    def __init__(self, read: ConfigRead) -> None:
        self.read = read

    @staticmethod
    def opener(read: ConfigRead) -> Callable[[Any], Any]:
        return lambda _target: _Canned(read)

    def read_config(self) -> ConfigRead:
        return self.read

    def __enter__(self) -> "_Canned":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def _render_sha(read: ConfigRead) -> str:
    return sha256_text(render(read.root))


def in_process(dev: Device, known_hosts: Path, store: str, runs: int) -> dict[str, Any]:
    """Phases of one resync of ``dev`` in this process (default TICK), medians in ms."""
    _tick_env(netconf.DEFAULT_TICK)
    tasks.run_device(params_for(dev, known_hosts, store, DEVICE_SPEC), check_mode=False, diff=False)
    params = params_for(dev, known_hosts, store, RESYNC_SPEC)
    target = target_from_params(params)
    phases: dict[str, list[float]] = {k: [] for k in ("connect", "rpc", "close", "render_sha", "store", "total")}
    size = 0
    for _ in range(runs):
        t_conn, session = timed(lambda: netconf.open_session(target))
        t_rpc, read = timed(session.read_config)
        t_close, _ = timed(session.close)
        t_render, _ = timed(partial(_render_sha, read))
        size = len(read.config)
        t_store_render, _ = timed(partial(resync_task.run_resync, params, False, False, opener=_Canned.opener(read)))
        t_total, out = timed(lambda: resync_task.run_resync(params, False, False))
        if out.get("managed_status") != "In Sync":
            raise RuntimeError("in-process resync of %s did not end In Sync: %r" % (dev.name, out))
        for key, value in (("connect", t_conn), ("rpc", t_rpc), ("close", t_close), ("render_sha", t_render),
                           ("store", max(t_store_render - t_render, 0.0)), ("total", t_total)):
            phases[key].append(value)
    result: dict[str, Any] = {k: median_ms(v) for k, v in phases.items()}
    result["config_bytes"] = size
    return result


def tick_effect(dev: Device, known_hosts: Path, rpcs: int, sessions: int = 7) -> dict[str, Any]:
    """Connect, a first read_config, ``rpcs`` more round trips, close: under our TICK and ncclient's."""
    out: dict[str, Any] = {}
    target = target_from_params(params_for(dev, known_hosts, "unused", RESYNC_SPEC))
    for label, tick in (("ours_0.002", netconf.DEFAULT_TICK), ("ncclient_0.1", 0.1)):
        _tick_env(tick)
        conn, first, rtt, close = [], [], [], []
        for _ in range(sessions):
            t_conn, session = timed(lambda: netconf.open_session(target))
            conn.append(t_conn)
            first.append(timed(session.read_config)[0])
            for _ in range(rpcs):
                rtt.append(timed(session.read_config)[0])
            close.append(timed(session.close)[0])
        out[label] = {"connect_ms": median_ms(conn), "first_rpc_ms": median_ms(first), "rpc_ms": median_ms(rtt),
                      "close_ms": median_ms(close)}
    _tick_env(netconf.DEFAULT_TICK)
    return out


def cold_imports(runs: int = 3) -> float:
    """Median ms a fresh process spends importing ncclient and our module_utils (after ansible)."""
    values = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True)
        values.append(float(proc.stdout.strip()))
    return median_ms(values)


def python_startup(runs: int = 5) -> float:
    values = [timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))[0] for _ in range(runs)]
    return median_ms(values)


def end_to_end(playbook: Path, inventory: Path, store: str, host: str, runs: int,
               extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Median wall ms of ``ansible-playbook --limit host`` and of the play itself (json callback)."""
    walls, plays = [], []
    per_task: dict[str, list[float]] = {}
    failures: list[str] = []
    for _ in range(runs):
        wall, run = timed(lambda: run_playbook(playbook, inventory, store, "--limit", host, *extra))
        if run.rc != 0:  # recorded, never hidden: the medians are over the runs that succeeded
            failures.append("rc %s: %s %s" % (run.rc, failed_hosts(run), run.stderr[-500:]))
            continue
        walls.append(wall)
        plays.append(play_seconds(run.data))
        for name, secs in task_seconds(run.data).items():
            per_task.setdefault(name, []).append(secs)
    if not walls:
        raise RuntimeError("%s on %s failed every run: %s" % (playbook.name, host, failures))
    return {"wall_ms": median_ms(walls), "play_ms": median_ms(plays),
            "tasks_ms": {name: median_ms(v) for name, v in per_task.items()}, "failures": failures}


def _span(duration: dict[str, str]) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(duration["end"], fmt) - datetime.strptime(duration["start"], fmt)).total_seconds()


def play_seconds(data: dict[str, Any]) -> float:
    """Duration of the first play as the json callback recorded it."""
    return _span(data["plays"][0]["play"]["duration"])


def task_seconds(data: dict[str, Any]) -> dict[str, float]:
    """Task name -> duration (all hosts) as the json callback recorded it."""
    return {t["task"]["name"]: round(_span(t["task"]["duration"]), 3) for t in data["plays"][0]["tasks"]}
