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
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import yaml

from tests.system.helpers import REPO

USER, PASSWORD, ENABLE = "admin", "secret", "enpass"


def serve(names: list[str]) -> None:
    """Child process: one ``CliSim`` per name; JSON lines on stdin/stdout.

    Prints ``{"ports": {name: port}}`` when ready, then answers ``{"configure": name, "lines": [...]}``
    with ``{"ok": true}`` and ``{"reads": true}`` with ``{"reads": {name: count}}``; stops at end of input.
    """
    from tests.sims.cli_sim import CliSim

    sims = {name: CliSim(platform="ios", hostname=name, users={USER: PASSWORD}, enable_password=ENABLE)
            for name in names}
    try:
        ports = {name: sim.start() for name, sim in sims.items()}
        print(json.dumps({"ports": ports}), flush=True)
        for line in sys.stdin:
            msg = json.loads(line)
            try:
                if "configure" in msg:
                    sims[msg["configure"]].configure(list(msg["lines"]), user="ops")
                    print(json.dumps({"ok": True}), flush=True)
                else:
                    print(json.dumps({"reads": {n: s.device.state.reads for n, s in sims.items()}}), flush=True)
            except Exception as exc:  # reported to the parent, the simulators keep running
                print(json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)}), flush=True)
    finally:
        for sim in sims.values():
            sim.stop()


class _Child:
    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.proc: Optional[subprocess.Popen[str]] = None

    def start(self) -> dict[str, int]:
        cmd = [sys.executable, "-m", "benchmarks.resync.cli_fleet", *self.names]
        self.proc = subprocess.Popen(cmd, cwd=str(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError("the CLI simulators did not start (see stderr above)")
        return dict(json.loads(line)["ports"])

    def ask(self, msg: dict[str, Any]) -> dict[str, Any]:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            raise RuntimeError("simulators not started")
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self.proc.stdout.readline() or '{"error": "simulator process ended"}')
        if "error" in reply:
            raise RuntimeError("%s: %s" % (msg, reply["error"]))
        return reply

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


class CliFleet:
    """``devices`` simulated IOS devices named ``ios1``… in ``processes`` child processes."""

    def __init__(self, devices: int, processes: int, workdir: Path) -> None:
        self.names = ["ios%d" % (i + 1) for i in range(devices)]
        per = -(-devices // max(1, processes))
        self.children = [_Child(self.names[i:i + per]) for i in range(0, devices, per)]
        self.owner = {name: child for child in self.children for name in child.names}
        self.ports: dict[str, int] = {}
        self.inventory = workdir / "inventory.yml"

    def start(self) -> None:
        for child in self.children:
            self.ports.update(child.start())
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
