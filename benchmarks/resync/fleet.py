"""The benchmark's devices: simulated Junos (in a child process) and netconfd behind sshd.

``Testbed(junos=12, netconfd=12, workdir)`` starts both, writes one known_hosts file,
one ssh_config (for netcommon's ``ansible_netconf_ssh_config``) and the two inventories:
ours (``ansible_connection: local``) and the peer's (``ansible.netcommon.netconf``).
``oob_commit(names, marker)`` commits on devices from outside (CLI user, other client).
``stop()`` ends every process it started; it is idempotent.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Optional

from benchmarks.resync import sim_process
from tests.system.helpers import Device, from_netconfd, write_inventory

SIM_USER, SIM_PASSWORD = "admin", "secret"


def serve_sims(count: int, prefix: str = "r") -> None:
    """Child process: a SimFleet, spoken to through ``sim_process.serve``.

    Ready line ``{"ports": ..., "known_hosts": [...]}``; answers each ``{"commit": name, "set": [...]}``
    with ``{"ok": true}``.
    """
    from tests.sims.junos_sim import SimFleet

    fleet = SimFleet(count, prefix=prefix, users={SIM_USER: SIM_PASSWORD})

    def answer(msg: dict[str, Any]) -> dict[str, Any]:
        fleet[msg["commit"]].cli_commit(user="ops", set_commands=list(msg["set"]))
        return {"ok": True}

    try:
        ports = fleet.start()
        sim_process.serve({"ports": ports, "known_hosts": fleet.known_hosts_lines()}, answer)
    finally:
        fleet.stop()


class SimProcess:
    """A ``SimFleet`` in its own process, so its event loop does not share our GIL."""

    def __init__(self, count: int, prefix: str = "r") -> None:
        self.count = count
        self.prefix = prefix
        self.ports: dict[str, int] = {}
        self.known_hosts_lines: list[str] = []
        self._child = sim_process.SimChild("benchmarks.resync.fleet", ["--sims", str(count), "--prefix", prefix],
                                           "Junos simulators", stop_wait=20)

    def start(self) -> dict[str, int]:
        ready = self._child.start()
        self.ports, self.known_hosts_lines = dict(ready["ports"]), list(ready["known_hosts"])
        return self.ports

    def cli_commit(self, name: str, set_commands: list[str]) -> None:
        self._child.ask({"commit": name, "set": set_commands})

    def stop(self) -> None:
        self._child.stop()


class Testbed:
    """``junos`` simulated Junos devices plus ``netconfd`` netconfd devices, on loopback."""

    def __init__(self, junos: int, netconfd: int, workdir: Path) -> None:
        self.n_junos = junos
        self.n_netconfd = netconfd
        self.workdir = workdir
        self.sims: Optional[SimProcess] = None
        self.nc_fleet: Optional[Any] = None
        self.nc_devices: dict[str, Any] = {}
        self.devices: list[Device] = []
        self.known_hosts = workdir / "known_hosts"
        self.ssh_config = workdir / "ssh_config"
        self.ours_inventory = workdir / "ours.yml"
        self.peer_inventory = workdir / "peer.yml"

    def start(self) -> None:
        lines: list[str] = []
        if self.n_junos:
            sims = self.sims = SimProcess(self.n_junos)
            ports = sims.start()
            lines += sims.known_hosts_lines
            for name in sorted(ports, key=lambda n: int(n[len(sims.prefix):])):
                dev = Device(name, "127.0.0.1", ports[name], SIM_USER, SIM_PASSWORD)
                dev.extra["ansible_network_os"] = "junipernetworks.junos.junos"
                self.devices.append(dev)
        if self.n_netconfd:
            from tests.testbed.netconfd import NetconfdFleet

            self.nc_fleet = NetconfdFleet(self.n_netconfd)
            for nc in self.nc_fleet.start():
                self.nc_devices[nc.name] = nc
                dev = from_netconfd(nc)
                dev.extra["ansible_network_os"] = "ansible.netcommon.default"
                self.devices.append(dev)
            lines += Path(self.nc_fleet.devices[0].known_hosts).read_text().splitlines()
        self.known_hosts.write_text("".join(line + "\n" for line in lines if line.strip()))
        self.ssh_config.write_text("Host *\n    UserKnownHostsFile %s\n    StrictHostKeyChecking yes\n"
                                   % self.known_hosts)
        ours = [Device(d.name, d.host, d.port, d.username, d.password, d.key_file) for d in self.devices]
        write_inventory(self.ours_inventory, ours, known_hosts=self.known_hosts, connection="local")
        write_inventory(self.peer_inventory, self.devices, connection="ansible.netcommon.netconf",
                        extra_vars={"ansible_netconf_ssh_config": str(self.ssh_config),
                                    "ansible_host_key_checking": True})

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.devices]

    def is_junos(self, name: str) -> bool:
        return name not in self.nc_devices

    def oob_commit(self, name: str, marker: str) -> None:
        """Commit an interface description ``marker`` on ``name`` from outside Ansible."""
        if name in self.nc_devices:
            self.nc_devices[name].oob_commit(description=marker)
        elif self.sims is not None:
            self.sims.cli_commit(name, ["set interfaces ge-0/0/1 description %s" % marker])
        else:
            raise KeyError(name)

    def stop(self) -> None:
        try:
            if self.sims is not None:
                self.sims.stop()
                self.sims = None
        finally:
            if self.nc_fleet is not None:
                self.nc_fleet.stop()
                self.nc_fleet = None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.resync.fleet")
    parser.add_argument("--sims", type=int, required=True)
    parser.add_argument("--prefix", default="r")
    opts = parser.parse_args()
    serve_sims(opts.sims, opts.prefix)
