# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the batch from the leading worker: a double fork into a session of its own.

The batch inherits the worker's memory (the play, the inventory, the variable manager, the
collection already imported), so nothing is passed on a command line or through a file and it
starts in milliseconds. Its standard streams go to /dev/null and it closes inherited pipes (so
nobody waiting for ansible-playbook's output waits for it), and it never writes to ansible-core's
result queue. It writes its pid, then listens on ``<run dir>/s``.
"""
from __future__ import annotations

import os
import shutil
import stat
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import cancellable
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch import protocol as proto
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.batch import Batch
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.prefetch import host_requests
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.server import listen, run_until_done


def spawn_batch(action: Any, task_vars: dict[str, Any], path: str, hosts: list[str], size: int,
                idle: float) -> None:
    playbook_pid = os.getppid()
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:  # the intermediate child: a new session, then the batch itself, reparented away
        os.setsid()
        if os.fork():
            os._exit(0)
        _detach()
        _batch_main(action, task_vars, path, hosts, size, idle, playbook_pid)
    finally:
        os._exit(0)


def _detach() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    for fd in range(3, 1024):  # pipes and sockets of ansible-playbook and its callers
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) or stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass
    try:
        from ansible.utils.display import Display

        Display()._final_q = None  # never write into ansible-core's result queue
    except Exception:
        pass


def _batch_main(action: Any, task_vars: dict[str, Any], path: str, hosts: list[str], size: int, idle: float,
                playbook_pid: int) -> None:
    try:
        pidfile = os.path.join(path, proto.PIDFILE)
        with open(pidfile + ".new", "w") as fh:
            fh.write("%d\n" % os.getpid())
        os.replace(pidfile + ".new", pidfile)
        sock_path = os.path.join(path, proto.SOCKET)
        sock = listen(sock_path)
        proto.sweep(os.path.dirname(path))
        batch = Batch(size, run_resync, lambda host, n: proto.batch_job_id(path, host, n))
        try:
            with cancellable():  # SIGTERM/SIGINT to the batch: its resyncs in flight give their devices back
                run_until_done(batch, sock, sock_path, playbook_pid, idle, host_requests(action, task_vars, hosts))
        finally:
            batch.close()
    finally:
        shutil.rmtree(path, ignore_errors=True)
