# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The persistent ``network_cli`` connection of a host, for our controller-side action plugins.

Our action plugins say ``_requires_connection = False`` (a NETCONF inventory must not start
``ansible-connection``), so for them the task executor swaps the host's connection for
``local``. When the host's connection is ``ansible.netcommon.network_cli`` we start (or join)
its persistent connection ourselves, exactly as the task executor does for any network
module (``start_connection`` with the connection plugin's options and the play context),
and talk to the vendor collection's cliconf plugin through ``Connection(socket_path)``:
``get_config()``, ``get()``, ``edit_config()``. The socket goes into the task's
``_ansible_socket`` argument, so the strategy closes the connection at the end of the play,
as it does for ``cli_command``.
"""
from __future__ import annotations

import fcntl
import os
import socket
import time
from typing import Any, Optional

NETWORK_CLI = frozenset(("ansible.netcommon.network_cli", "network_cli"))


def connection_of(task_vars: dict[str, Any], templar: Any, task: Any) -> str:
    """The host's connection name (``ansible_connection``, else the task's/play's)."""
    if task_vars.get("ansible_connection") is not None:
        return str(templar.template(task_vars["ansible_connection"]))
    return str(getattr(task, "connection", "") or "")


def network_os_of(task_vars: dict[str, Any], templar: Any) -> Optional[str]:
    value = task_vars.get("ansible_network_os")
    return str(templar.template(value)) if value is not None else None


def start_network_cli(action: Any, task_vars: dict[str, Any]) -> str:
    """Start or join the host's persistent network_cli connection; returns its socket path.

    Raises ``AnsibleError`` (from ``start_connection``) when ansible-connection cannot start.
    """
    from ansible.executor.task_executor import start_connection
    from ansible.plugins.loader import connection_loader

    task, templar = action._task, action._templar
    play_context = action._play_context.set_task_and_variable_override(task=task, variables=task_vars,
                                                                       templar=templar)
    play_context.connection = "ansible.netcommon.network_cli"
    conn = connection_loader.get(play_context.connection, play_context, "/dev/null", task_uuid=task._uuid,
                                 ansible_playbook_pid=str(os.getppid()))
    if conn is None:
        raise RuntimeError("the connection plugin ansible.netcommon.network_cli is not installed")
    task_keys = task.dump_attrs()
    task_keys["timeout"] = play_context.timeout
    if play_context.password:
        task_keys["password"] = play_context.password
    task_keys.pop("retries", None)
    conn.set_options(task_keys=task_keys, var_options=conn._resolve_option_variables(task_vars, templar))
    play_context.set_attributes_from_plugin(conn)
    play_context.timeout = conn.get_option("persistent_command_timeout")
    try:
        socket_path: str = start_connection(play_context, conn.get_options(), task._uuid)
    except Exception:
        # ansible-connection crashes when the host's socket is still there but nobody answers on it:
        # the helper is shutting down after its idle timeout (persistent_connect_timeout) or was
        # killed. Once that socket is gone, a new helper (a new login) can start: once.
        if not dead_socket_cleared(play_context):
            raise
        socket_path = start_connection(play_context, conn.get_options(), task._uuid)
    task.args["_ansible_socket"] = socket_path  # the strategy closes it at the end of the play
    return socket_path


def control_socket(play_context: Any) -> str:
    """The socket path ansible-connection uses for this host in this run (as its stub computes it)."""
    from ansible import constants as C
    from ansible.plugins.loader import connection_loader
    from ansible.utils.path import unfrackpath

    ssh = connection_loader.get("ssh", class_only=True)
    pattern = ssh._create_control_path(play_context.remote_addr, play_context.port, play_context.remote_user,
                                       play_context.connection, str(os.getppid()))
    return str(unfrackpath(pattern % {"directory": unfrackpath(C.PERSISTENT_CONTROL_PATH_DIR)}))


def dead_socket_cleared(play_context: Any) -> bool:
    """:func:`cleared_dead_socket` for the host's control socket; False when that cannot be looked at
    (the path comes from a private function of ansible-core's ssh plugin: should it change, the start
    failure is reported as it came, not replaced by an error of this probe)."""
    try:
        return cleared_dead_socket(control_socket(play_context))
    except Exception:
        return False


def answers(path: str) -> bool:
    """Whether a process accepts connections on the unix socket ``path``."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def cleared_dead_socket(path: str, wait: float = 2.0) -> bool:
    """True when ``path`` was a socket nobody answers on and is gone now: a helper shutting down
    removes its own within ``wait`` seconds; one left by a killed helper is removed here, under
    the lock file ansible-connection itself takes before it looks at the socket."""
    if not os.path.exists(path) or answers(path):
        return False  # no socket (the failure was something else), or a live helper: not ours to touch
    deadline = time.monotonic() + wait
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not os.path.exists(path):
        return True
    head, tail = os.path.split(path)
    with open(os.path.join(head, ".ansible_pc_lock_%s" % tail), "a") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        try:
            if os.path.exists(path) and not answers(path):
                os.remove(path)
        finally:
            fcntl.lockf(lock, fcntl.LOCK_UN)
    return not os.path.exists(path)


def cli_task_opener(action: Any, task_vars: dict[str, Any]) -> Any:
    """An opener for ``tasks.device.run_*`` that starts the persistent connection only when the
    task needs the device (``state: absent`` does not), and names a failure to start it."""
    from ansible.module_utils.connection import Connection

    from ansible_collections.netsync.fleet.plugins.module_utils.device.cli import CliSession, classify_cli
    from ansible_collections.netsync.fleet.plugins.module_utils.device.cli_platforms import platform_for
    from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target

    network_os = network_os_of(task_vars, action._templar)

    def opener(target: Target) -> CliSession:
        platform = platform_for(network_os)
        try:
            socket_path = start_network_cli(action, task_vars)
        except Exception as exc:  # AnsibleError from ansible-connection: the cause is in its message
            raise classify_cli(exc, target) from exc
        return CliSession(target, Connection(socket_path), platform)

    return opener
