# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which task, and which host of it, the fleet strategy runs in-process (pure logic, no I/O).

A task qualifies when its action resolves to one of ``IN_PROCESS_ACTIONS`` and it uses none of
the keywords whose machinery needs a process of its own or that we chose not to carry into
threads (``TASK_KEYWORDS_FOR_WORKERS``). A host of such a task qualifies unless its connection is
a persistent CLI connection (those open ``ansible-connection``: per-host workers keep them).
Anything else goes to ansible-core's worker, unchanged.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Callable, Optional

IN_PROCESS_ACTIONS = frozenset(("netsync.fleet.resync",))

# keyword -> why a task using it runs in ansible-core's workers
TASK_KEYWORDS_FOR_WORKERS = {
    "delegate_to": "delegate_to (another host's variables and connection)",
    "async_val": "async (a background job polled by the worker)",
    "timeout": "timeout (a SIGALRM in the worker's main thread)",
    "throttle": "throttle (ansible-core's worker slots)",
    "loop": "loop",
    "loop_with": "with_* loops (lookup plugins)",
    "until": "until/retries",
}
PERSISTENT_CLI = frozenset(("ansible.netcommon.network_cli", "network_cli"))
# connections whose magic variables (ansible_host, ansible_port, ansible_user) the play context gives as
# the connection plugin would (no port default but NETCONF's 830): the direct path needs no plugin loaded
DIRECT_CONNECTIONS = frozenset(("", "local", "ansible.builtin.local", "ssh", "ansible.builtin.ssh", "netconf",
                                "ansible.netcommon.netconf"))


def switched_on(name: str, environ: Optional[Mapping[str, str]] = None) -> bool:
    """An on/off environment switch of the strategy: on unless set to 0, false, no or off."""
    value = (environ if environ is not None else os.environ).get(name, "1")
    return value.strip().lower() not in ("0", "false", "no", "off")


def is_set(value: Any) -> bool:
    """A keyword the task uses (ansible-core leaves an unused one None, 0, empty or False)."""
    return value not in (None, 0, "", [], False)


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def task_verdict(action: Any, keywords: dict[str, Any],
                 resolve: Callable[[str], Optional[str]]) -> tuple[bool, str]:
    """(runs in-process, reason) for a task: its raw ``action`` and the keywords above (raw)."""
    if not isinstance(action, str) or is_template(action):
        return False, "the action is templated"
    fqcn = resolve(action)
    if fqcn not in IN_PROCESS_ACTIONS:
        return False, "action %s" % (fqcn or action)
    for keyword, why in TASK_KEYWORDS_FOR_WORKERS.items():
        if is_set(keywords.get(keyword)):
            return False, why
    return True, fqcn or action


def host_connection(task_vars: dict[str, Any], template: Callable[[Any], Any], task_connection: Any) -> str:
    """The host's connection name: ``ansible_connection``, else the task's (play's)."""
    value = task_vars.get("ansible_connection")
    if value is not None:
        return str(template(value))
    return str(task_connection or "")


def host_in_process(connection: str) -> bool:
    return connection not in PERSISTENT_CLI


def host_direct(connection: str) -> bool:
    """The host may take the direct path (``direct.py``) when its task does."""
    return connection in DIRECT_CONNECTIONS
