"""The CLI benchmark's devices: simulated Cisco IOS (``tests.sims.cli_sim``) in child processes.

``CliFleet(devices=50, processes=5, workdir)`` starts ``processes`` children of
``devices / processes`` simulators each (so the simulators' SSH work does not share one GIL
with each other or with us) and writes one inventory in the form ``cisco.ios`` users write
theirs (``ansible.netcommon.network_cli``, ``cisco.ios.ios``, ``enable`` with a password).
Both arms of the benchmark use that same inventory. ``configure(name, lines)`` changes a
device out of band (a CLI user); ``reads()`` says how often each device printed its running
configuration, so the benchmark checks that both arms read every device.
``stop()`` ends every process it started; it is idempotent.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from benchmarks.resync import sim_process

USER, PASSWORD, ENABLE = "admin", "secret", "enpass"


def serve(names: list[str]) -> None:
    """Child process: one ``CliSim`` per name, spoken to through ``sim_process.serve``.

    Ready line ``{"ports": {name: port}}``; answers ``{"configure": name, "lines": [...]}`` with
    ``{"ok": true}`` and ``{"reads": true}`` with ``{"reads": {name: count}}``.
    """
    from tests.sims.cli_sim import CliSim

    sims = {name: CliSim(platform="ios", hostname=name, users={USER: PASSWORD}, enable_password=ENABLE)
            for name in names}

    def answer(msg: dict[str, Any]) -> dict[str, Any]:
        if "configure" in msg:
            sims[msg["configure"]].configure(list(msg["lines"]), user="ops")
            return {"ok": True}
        return {"reads": {n: s.device.state.reads for n, s in sims.items()}}

    try:
        sim_process.serve({"ports": {name: sim.start() for name, sim in sims.items()}}, answer)
    finally:
        for sim in sims.values():
            sim.stop()


class CliFleet:
    """``devices`` simulated IOS devices named ``ios1``… in ``processes`` child processes."""

    def __init__(self, devices: int, processes: int, workdir: Path) -> None:
        self.names = ["ios%d" % (i + 1) for i in range(devices)]
        per = -(-devices // max(1, processes))
        self.children: list[sim_process.SimChild] = []
        self.owner: dict[str, sim_process.SimChild] = {}
        for i in range(0, devices, per):
            group = self.names[i:i + per]
            self.children.append(sim_process.SimChild("benchmarks.resync.cli_fleet", group, "CLI simulators"))
            self.owner.update(dict.fromkeys(group, self.children[-1]))
        self.ports: dict[str, int] = {}
        self.inventory = workdir / "inventory.yml"

    def start(self) -> None:
        for child in self.children:
            self.ports.update(child.start()["ports"])
        hosts = {name: {"ansible_host": "127.0.0.1", "ansible_port": self.ports[name]} for name in self.names}
        group = {"ansible_connection": "ansible.netcommon.network_cli", "ansible_network_os": "cisco.ios.ios",
                 "ansible_user": USER, "ansible_password": PASSWORD, "ansible_become": True,
                 "ansible_become_method": "enable", "ansible_become_password": ENABLE,
                 # the simulators make a new host key per run; network_cli reads only ~/.ssh/known_hosts
                 "ansible_host_key_checking": False}
        data = {"all": {"children": {"routers": {"hosts": hosts, "vars": group}}}}
        self.inventory.write_text(yaml.safe_dump(data, sort_keys=False))

    def configure(self, name: str, lines: list[str]) -> None:
        self.owner[name].ask({"configure": name, "lines": lines})

    def reads(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for child in self.children:
            out.update(child.ask({"reads": True})["reads"])
        return out

    def stop(self) -> None:
        for child in self.children:
            child.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.resync.cli_fleet")
    parser.add_argument("names", nargs="+")
    serve(parser.parse_args().names)
