# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: fleet
short_description: Linear, with netsync.fleet.resync run for all hosts inside ansible-playbook
version_added: 1.0.0
description:
  - The C(linear) strategy of ansible-core, task by task in lockstep, with one change. A task whose action
    is C(netsync.fleet.resync) (by its full name or its short name through C(collections)) is not run by
    one forked worker process per host. Once ansible-core has computed each host's variables, the hosts
    are shared between a few pool processes (one per CPU, at most 2; C(NETSYNC_FLEET_PROCESSES) sets
    the number, C(0) runs them in threads inside ansible-playbook), with C(--forks) threads in all. Each
    thread takes the task's next host as soon as it is free, so a slow or unreachable device holds up
    only the thread reading it. Each host's result goes through
    ansible-core's normal result pipeline.
  - So every host still has its own result. The recap, failed and unreachable hosts, C(--limit),
    C(--check), C(--diff), C(register), C(ignore_errors), C(failed_when), C(changed_when),
    C(notify), C(any_errors_fatal), C(max_fail_percentage) and callback events (AWX/AAP job
    events, one C(v2_runner_on_ok), C(v2_runner_on_failed) or C(v2_runner_on_unreachable) per host)
    are unchanged. The hosts' variables are computed per host by ansible-core, as with C(linear).
  - A plain resync task (no C(when), C(changed_when), C(failed_when), C(retries), C(until) or C(become),
    and no template in its keywords, as in C(playbooks/resync.yml)) takes the direct path on hosts whose
    connection is C(local), C(ssh) or C(netconf) - the task is validated once for all its hosts and each
    host runs the action without ansible-core's per-host task executor, with the executor's result
    handling (the same results, events and recap). C(-vv) says which path a task takes;
    C(NETSYNC_FLEET_DIRECT=0) turns it off.
  - Every other task, and a resync task using C(delegate_to), C(async), C(timeout), C(throttle),
    C(loop)/C(with_*), C(until), or a templated action, runs in ansible-core's workers exactly as with
    C(linear). So does a host whose connection is C(ansible.netcommon.network_cli).
  - If the ansible-core internals this strategy relies on are missing, every task runs in the workers
    and a warning says so.
  - "Use it with C(strategy: netsync.fleet.fleet) in a play or in ansible.cfg, or
    C(ANSIBLE_STRATEGY=netsync.fleet.fleet)."
author:
  - Netsync Fleet Team (@netsync-fleet)
notes:
  - The speed-up is the fork and the start of a worker process per host. The threads of a pool
    process share one Python interpreter, so each pool process uses one core.
  - ansible-core's plugin loader is made safe for threads (its module loading is serialised with a lock).
  - A pool process freezes the objects it inherited from ansible-playbook (C(gc.freeze)) before its hosts
    start, so its garbage collector does not copy every inherited page; ansible-playbook freezes its own heap
    at exit (an C(atexit) handler), so the interpreter's last collection has nothing to walk. Reference cycles
    still alive at exit are then not collected (Python does not promise their C(__del__) at exit anyway).
    C(NETSYNC_FLEET_GC_FREEZE=0) turns both off.
  - The hosts' resync tasks in one process share their store connections (SQLite or PostgreSQL). A
    connection one host's task closed without an error is taken by the next host's task instead of
    connecting again; all are closed when the task's hosts have finished.
  - See docs/benchmarks.md "Resync at fleet size" of the collection for figures.
  - ansible-core 2.19 prints a deprecation warning for every strategy plugin outside ansible.builtin and
    plans to remove them; C(playbooks/resync.yml) therefore does not set this strategy itself.
"""

from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.strategy import FleetStrategyMixin


class StrategyModule(FleetStrategyMixin, LinearStrategyModule):
    """ansible-core's linear strategy; netsync.fleet.resync tasks run in a thread pool."""
