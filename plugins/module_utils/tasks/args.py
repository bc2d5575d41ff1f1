# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by the modules and their action plugins, and Target building.

A module's ``*_SPEC`` is its argument spec; its ``*_CHECKS`` the checks between
options that a spec expresses (``required_by``, ``required_one_of``, ...), given
to ``AnsibleModule`` and to the action plugin's ``ArgumentSpecValidator`` alike.

The action plugins fill the connection options from the usual inventory
variables (``ansible_host``, ``ansible_port``, ``ansible_user``,
``ansible_password``, ``ansible_ssh_private_key_file``, ``netsync_platform``,
``netsync_host_key_checking``); a playbook never repeats credentials.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target

# no_log: a PostgreSQL URL may carry a password (messages name the store through store.redact_url)
STORE_SPEC: dict[str, Any] = {"store": {"type": "str", "no_log": True}}

CONNECTION_SPEC: dict[str, Any] = {
    "name": {"type": "str"},
    "host": {"type": "str"},
    "port": {"type": "int", "default": 830},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "private_key_file": {"type": "path"},
    "platform": {"type": "str", "default": "auto", "choices": ["auto", "junos", "netconf"]},
    "host_key_checking": {"type": "bool", "default": True},
    "known_hosts_file": {"type": "path"},
    "timeout": {"type": "float", "default": 30.0},
}

# option -> inventory variables tried in order (first defined wins)
HOSTVARS: dict[str, tuple[str, ...]] = {
    "name": ("inventory_hostname",),
    "host": ("ansible_host", "inventory_hostname"),
    "port": ("ansible_port", "ansible_netconf_port"),
    "username": ("ansible_user", "ansible_ssh_user", "ansible_netconf_user"),
    "password": ("ansible_password", "ansible_ssh_pass", "ansible_netconf_password"),
    "private_key_file": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
    "platform": ("netsync_platform",),
    "host_key_checking": ("netsync_host_key_checking", "ansible_netconf_host_key_checking"),
    "known_hosts_file": ("netsync_known_hosts_file",),
    "timeout": ("netsync_timeout",),
    "store": ("netsync_store",),
}

# resync options a play or a rulebook gives as variables (the extra vars the auto-resync rulebook
# passes): used when the task leaves the option unset. ``netsync_job_ids`` maps host -> job id.
RESYNC_VARS: dict[str, str] = {"origin": "netsync_origin", "only_if_changed": "netsync_only_if_changed"}
RESYNC_JOB_IDS = "netsync_job_ids"


def resync_defaults(task_vars: dict[str, Any], template: Callable[[Any], Any]) -> dict[str, Any]:
    """Values of ``origin``, ``only_if_changed`` and ``job_id`` from the play's variables (``RESYNC_VARS``;
    ``job_id``: this host's entry of ``netsync_job_ids``), each templated; unset or null ones are left out.
    Only the host's own entry of the job map is templated, not the map of the whole fleet."""
    found: dict[str, Any] = {}
    for option, var in RESYNC_VARS.items():
        value = task_vars.get(var)
        if value is not None:
            value = template(value)
            if value is not None:
                found[option] = value
    jobs = task_vars.get(RESYNC_JOB_IDS)
    if isinstance(jobs, str):  # a template giving the map
        jobs = template(jobs)
    if isinstance(jobs, Mapping):
        job = jobs.get(str(task_vars.get("inventory_hostname", "")))
        if job is not None:
            job = template(job)
            if job is not None and str(job) != "":
                found["job_id"] = str(job)
    elif jobs is not None:
        raise ValueError("%s must be a mapping of host to job id, not %s" % (RESYNC_JOB_IDS, type(jobs).__name__))
    return found


DEVICE_SPEC: dict[str, Any] = dict(CONNECTION_SPEC, **STORE_SPEC, state={
    "type": "str", "default": "present", "choices": ["present", "absent"]})
DEVICE_CHECKS: dict[str, Any] = {"required_one_of": [["name", "host"]]}

RESYNC_SPEC: dict[str, Any] = dict(CONNECTION_SPEC, **STORE_SPEC, job_id={"type": "str"}, origin={
    "type": "str", "default": "manual", "choices": ["manual", "auto"]},
    only_if_changed={"type": "bool", "default": False})

DEVICE_INFO_SPEC: dict[str, Any] = dict(
    STORE_SPEC,
    name={"type": "str"},
    version={"type": "int"},
    diff_from={"type": "int"},
    diff_to={"type": "int"},
    history={"type": "int", "default": 0},
    show_secrets={"type": "bool", "default": False},
)
DEVICE_INFO_CHECKS: dict[str, Any] = {"required_by": {"version": ["name"], "diff_from": ["name"],
                                                      "diff_to": ["name"]}}

SETTINGS_SPEC: dict[str, Any] = dict(
    STORE_SPEC,
    device={"type": "str"},
    auto_resync={"type": "bool"},
    resync_delay={"type": "float"},
    damping_window={"type": "float"},
    damper_interval={"type": "float"},
    reset={"type": "list", "elements": "str", "default": [],
           "choices": ["auto_resync", "resync_delay", "damping_window", "damper_interval"]},
)


def target_from_params(params: dict[str, Any]) -> Target:
    if not params.get("host"):
        raise ValueError("no device address: set ansible_host in the inventory or the host option")
    return Target(
        name=params.get("name") or params["host"],
        host=params["host"],
        port=int(params.get("port") or 830),
        username=params.get("username"),
        password=params.get("password"),
        key_file=params.get("private_key_file"),
        platform=params.get("platform") or "auto",
        host_key_checking=bool(params.get("host_key_checking", True)),
        known_hosts_file=params.get("known_hosts_file"),
        timeout=float(params.get("timeout") or 30.0),
    )


GIT_EXPORT_SPEC: dict[str, Any] = dict(
    STORE_SPEC,
    repo={"type": "path", "required": True},
    branch={"type": "str", "default": "main"},
    path_template={"type": "str", "default": "{group}/{name}"},
    groups={"type": "dict"},
    devices={"type": "list", "elements": "str"},
    authors={"type": "dict", "default": {}},
    committer={"type": "str", "default": "netsync <netsync@localhost>"},
    remote={"type": "str"},
    bare={"type": "bool", "default": False},
    lock_timeout={"type": "float", "default": 300.0},
)
RESTORE_SPEC: dict[str, Any] = dict(
    CONNECTION_SPEC, **STORE_SPEC,
    version={"type": "int", "required": True},
    confirm_timeout={"type": "int", "default": 300},
    comment={"type": "str"},
)
