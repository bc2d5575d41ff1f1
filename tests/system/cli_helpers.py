"""Inventories for the CLI simulators, written the way cisco.ios / cisco.nxos / cisco.iosxr /
arista.eos users write theirs (``ansible.netcommon.network_cli``, ``ansible_network_os``,
``ansible_become_method: enable`` where the login lands in user EXEC)."""
from __future__ import annotations

import contextlib
import os
import signal
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


def helpers_of(playbook_pid: int) -> list[int]:
    """The ansible-connection processes started by the ansible-playbook ``playbook_pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path("/proc/%s/cmdline" % entry).read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"ansible_connection_cli_stub" in a or a.endswith(b"ansible-connection") for a in args[:2]) \
                and str(playbook_pid).encode() in args:
            found.append(int(entry))
    return found


def control_socket(host: str, port: int, user: str, playbook_pid: int) -> Path:
    from ansible import constants as C
    from ansible.plugins.connection.ssh import Connection as Ssh
    from ansible.utils.path import unfrackpath

    pattern = Ssh._create_control_path(host, port, user, "ansible.netcommon.network_cli", str(playbook_pid))
    return Path(unfrackpath(pattern % {"directory": unfrackpath(C.PERSISTENT_CONTROL_PATH_DIR)}))


def stop_helpers(playbook_pid: int) -> None:
    """Stop the persistent connection helpers of a run that was killed or failed (a run that ends
    closes its own; these would otherwise wait for their idle timeout)."""
    for pid in helpers_of(playbook_pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
