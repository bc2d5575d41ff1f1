# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: where the listener gets the connection settings of the devices it subscribes to.

ansible-rulebook does not hand its ``-i`` inventory to event sources, so the
listener reads the same inventory itself (the event source's ``inventory``
option): the variables the modules use (``args.HOSTVARS``: ``ansible_host``,
``ansible_port``, ``ansible_user``, ``ansible_password``,
``ansible_ssh_private_key_file``, ``netsync_known_hosts_file``, ...), templated
and vault-decrypted by ansible-core as for a playbook (vault password from
``ANSIBLE_VAULT_PASSWORD_FILE`` / ``ansible.cfg``). Without an inventory, the
store's host and port are used with the listener user's SSH keys and
``~/.ssh/known_hosts``. Targets live in memory only; nothing is stored or logged.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import (
    CONNECTION_SPEC, HOSTVARS, target_from_params,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import wants_subscription
from ansible_collections.netsync.fleet.plugins.module_utils.store import DeviceStore

__all__ = ["load_inventory_targets", "wanted_targets"]

_CONNECTION_OPTIONS = tuple(k for k in HOSTVARS if k in CONNECTION_SPEC)


def _vault_secrets(loader: Any) -> None:
    from ansible import constants as C
    from ansible.cli import CLI
    files = [C.DEFAULT_VAULT_PASSWORD_FILE] if C.DEFAULT_VAULT_PASSWORD_FILE else []
    ids = list(C.DEFAULT_VAULT_IDENTITY_LIST or [])
    if files or ids:
        loader.set_vault_secrets(CLI.setup_vault_secrets(loader, vault_ids=ids, vault_password_files=files,
                                                         ask_vault_pass=False, auto_prompt=False))


def load_inventory_targets(path: str) -> tuple[dict[str, Target], list[str]]:
    """Targets of every host of an Ansible inventory, and the hosts whose settings are unusable.

    The second list names hosts and the reason, never a value.
    """
    from ansible.inventory.manager import InventoryManager
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    _vault_secrets(loader)
    inventory = InventoryManager(loader=loader, sources=[path])
    variables = VariableManager(loader=loader, inventory=inventory)
    validator = ArgumentSpecValidator(CONNECTION_SPEC)
    targets: dict[str, Target] = {}
    problems: list[str] = []
    for host in inventory.get_hosts():
        hostvars = variables.get_vars(host=host, include_hostvars=False)
        templar = Templar(loader=loader, variables=hostvars)
        params: dict[str, Any] = {}
        try:
            for option in _CONNECTION_OPTIONS:
                for var in HOSTVARS[option]:
                    if hostvars.get(var) is not None:
                        params[option] = templar.template(hostvars[var])
                        break
        except Exception as exc:  # an undefined variable in a template, a vault error, ...
            problems.append("%s: %s" % (host.name, type(exc).__name__))
            continue
        result = validator.validate(params)
        if result.error_messages:
            names = sorted({n for m in result.error_messages for n in re.findall(r"'(\w+)'", m)
                            if n in CONNECTION_SPEC})
            problems.append("%s: invalid connection settings (%s)" % (host.name, ", ".join(names) or "?"))
            continue
        try:
            targets[host.name] = target_from_params(result.validated_parameters)
        except ValueError as exc:
            problems.append("%s: %s" % (host.name, exc))
    return targets, problems


def wanted_targets(devices: DeviceStore, inventory: Optional[dict[str, Target]]) -> tuple[dict[str, Target], list[str]]:
    """The devices to subscribe to, with their targets, and those left out for want of settings.

    ``inventory`` None: no inventory option; the store's host and port are used.
    """
    wanted: dict[str, Target] = {}
    missing: list[str] = []
    for row in devices.all():
        name = row["name"]
        if not wants_subscription(row["platform"], devices.device_overrides(name)):
            continue
        if inventory is None:
            wanted[name] = Target(name=name, host=str(row["host"]), port=int(row["port"] or 830))
        elif name in inventory:
            wanted[name] = inventory[name]
        else:
            missing.append(name)
    return wanted, missing
