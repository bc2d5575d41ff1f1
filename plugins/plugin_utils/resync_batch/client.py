# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A worker's side of the resync batch: join (or start) the batch, ask for its host, wait.

``batch_runner(action, task_vars)`` returns None when the task is not for the batch (then the
worker resyncs its host itself, as before), else a function with ``run_resync``'s signature
that returns this host's result from the batch. The first worker of the task to create the run
directory forks the batch (a double fork into its own session: no credential on a command line
or in a file; it inherits the worker's loaded play and variables and computes every host's
parameters itself). A worker whose batch cannot be reached, or died before answering, resyncs
its host itself with the job id the batch used (announced, or ``protocol.batch_job_id``), so a
claim the dead batch left is taken over at once (``store.devices.claim`` accepts its own job
id) and the device never stays ``Synchronizing``.
"""
from __future__ import annotations

import os
import socket
import time
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.parsing import parse_flag
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.context import in_process
from ansible_collections.netsync.fleet.plugins.plugin_utils.network_cli import NETWORK_CLI, connection_of
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch import protocol as proto

ENV, VAR = "NETSYNC_RESYNC_BATCH", "netsync_resync_batch"
MIN_HOSTS = 2
# Off by default: opt-in while its gain is small (3.15x the bare floor against 3.72x for the
# per-host path at 100 hosts). "auto" uses the batch up to this many play hosts: measured faster
# than the per-host path at 100 hosts, slower at 1,000 (one process, one core; docs/benchmarks.md)
AUTO_MAX_HOSTS = 100
CONNECT_WAIT = 10.0
IDLE_EXIT = 120.0


def enabled(action: Any, task_vars: dict[str, Any]) -> bool:
    """The batch is for plain per-host resync tasks over two hosts or more, run in worker processes
    (not inside ansible-playbook by the fleet strategy, which forks no worker)."""
    if in_process():
        return False
    task = action._task
    setting = action._templar.template(task_vars.get(VAR, os.environ.get(ENV, "false")))
    hosts = task_vars.get("ansible_play_batch") or []
    if str(setting).lower() == "auto":
        if len(hosts) > AUTO_MAX_HOSTS:
            return False
    else:
        try:
            if not parse_flag(setting):
                return False
        except (TypeError, ValueError):
            return False
    return (len(hosts) >= MIN_HOSTS and task_vars.get("inventory_hostname") in hosts
            and not task.loop and not getattr(task, "loop_with", None) and not task.delegate_to
            and not task.run_once and task.get_ds() is not None
            and connection_of(task_vars, action._templar, task) not in NETWORK_CLI)


def batch_runner(action: Any, task_vars: dict[str, Any]) -> Optional[Callable[..., dict[str, Any]]]:
    if not enabled(action, task_vars):
        return None
    hosts = [str(h) for h in task_vars["ansible_play_batch"]]
    try:
        path = proto.run_dir(os.getppid(), str(action._task._uuid), hosts)
        try:
            os.mkdir(path, 0o700)
            leader = True
        except FileExistsError:
            leader = False
        if leader:
            from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.spawn import spawn_batch

            try:
                spawn_batch(action, task_vars, path, hosts, _pool_size(action), IDLE_EXIT)
            except OSError:  # no fork: the next worker leads (or resyncs its host itself)
                os.rmdir(path)
                raise
    except OSError:
        return None
    host = str(task_vars["inventory_hostname"])

    def run(params: dict[str, Any], check_mode: bool, diff: bool, **extra: Any) -> dict[str, Any]:
        if extra:
            return run_resync(params, check_mode=check_mode, diff=diff, **extra)
        return ask(path, host, params, check_mode, diff)
    return run


def _pool_size(action: Any) -> int:
    """As many devices at once as ansible-core would run workers: ``--forks``, or the task's ``throttle``."""
    from ansible import context

    size = int(context.CLIARGS.get("forks") or 5)
    try:
        throttle = int(action._templar.template(action._task.throttle) or 0)
    except (TypeError, ValueError):
        throttle = 0
    return min(size, throttle) if throttle > 0 else size


def ask(path: str, host: str, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """This host's result from the batch at ``path``; resync here when the batch is not there."""
    key = proto.request_key(params, check_mode, diff)
    sock, pid = _connect(path)
    if sock is None:
        return run_resync(params, check_mode=check_mode, diff=diff)
    job_id: Optional[str] = None
    try:
        proto.send(sock, {"host": host, "params": params, "check_mode": check_mode, "diff": diff})
        reader = proto.LineReader(sock)
        while True:
            msg = reader.read()
            if msg is None:
                break
            if "started" in msg:
                job_id = msg["started"]
                continue
            if msg.get("host") != host or msg.get("key") != key:
                raise TaskFailed("resync of %s: the batch answered for another request (%s); nothing was used"
                                 % (host, msg.get("host")), error="batch")
            return _unpack(msg["outcome"])
    except (OSError, proto.ProtocolError, ValueError):
        pass
    finally:
        sock.close()
    # no answer: the batch ended (killed, or told to stop). Resync here once it is surely gone.
    deadline = time.monotonic() + 30
    while pid and proto.process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid and proto.process_alive(pid):
        raise TaskFailed("resync of %s: the batch process %d stopped answering and did not end" % (host, pid),
                         error="batch")
    if not params.get("job_id"):  # take over the dead batch's claim at once
        params = dict(params, job_id=job_id or proto.batch_job_id(path, host, 0))
    return run_resync(params, check_mode=check_mode, diff=diff)


def _connect(path: str) -> tuple[Optional[socket.socket], int]:
    """A connection to the batch and its pid; (None, pid) when there is no live batch."""
    deadline = time.monotonic() + CONNECT_WAIT
    pid = 0
    while True:
        pid = pid or _read_pid(path)
        if pid and not proto.process_alive(pid):
            return None, pid
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(os.path.join(path, proto.SOCKET))
            return sock, pid or _read_pid(path)
        except OSError:
            sock.close()
        if time.monotonic() >= deadline or not os.path.isdir(path):
            return None, pid
        time.sleep(0.005)


def _read_pid(path: str) -> int:
    try:
        with open(os.path.join(path, proto.PIDFILE)) as fh:
            return int(fh.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def _unpack(outcome: dict[str, Any]) -> dict[str, Any]:
    if "ok" in outcome:
        return dict(outcome["ok"], batch=True)
    if "failed" in outcome:
        raise TaskFailed(str(outcome["failed"]), **dict(outcome.get("result") or {}, batch=True))
    raise RuntimeError("%s\n%s" % (outcome.get("error"), outcome.get("exception", "")))
