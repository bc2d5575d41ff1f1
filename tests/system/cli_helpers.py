"""Inventories for the CLI simulators, written the way cisco.ios / cisco.nxos / cisco.iosxr /
arista.eos users write theirs (``ansible.netcommon.network_cli``, ``ansible_network_os``,
``ansible_become_method: enable`` where the login lands in user EXEC)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import yaml

from tests.sims.cli_sim import CliSim

NETWORK_OS = {"ios": "cisco.ios.ios", "nxos": "cisco.nxos.nxos", "iosxr": "cisco.iosxr.iosxr",
              "eos": "arista.eos.eos"}
NEEDS_ENABLE = ("ios", "eos")
PLATFORMS = tuple(NETWORK_OS)


def host_vars(sim: CliSim, user: str = "admin", password: str = "secret",
              enable_password: Optional[str] = None) -> dict[str, Any]:
    hv: dict[str, Any] = {
        "ansible_host": "127.0.0.1", "ansible_port": sim.port, "ansible_user": user, "ansible_password": password,
        "ansible_network_os": NETWORK_OS[sim.platform],
    }
    if sim.platform in NEEDS_ENABLE:
        hv.update(ansible_become=True, ansible_become_method="enable",
                  ansible_become_password=enable_password if enable_password is not None else sim.enable_password)
    return hv


def cli_inventory(path: Path, hosts: dict[str, dict[str, Any]], **group_vars: Any) -> Path:
    """An inventory of ``hosts`` (name -> host vars) in one group over network_cli.

    The simulators generate a host key per run; network_cli (paramiko) reads known_hosts only
    from ~/.ssh, so these inventories turn its host key checking off. Our own NETCONF path
    keeps checking keys (netsync_known_hosts_file).
    """
    gv: dict[str, Any] = {"ansible_connection": "ansible.netcommon.network_cli",
                          "ansible_host_key_checking": False}
    gv.update(group_vars)
    data = {"all": {"children": {"routers": {"hosts": hosts, "vars": gv}}}}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
