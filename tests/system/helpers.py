"""Helpers for system tests: inventories for real peers, and running real ansible-playbook."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Device:
    """What an inventory needs to reach one test device."""

    name: str
    host: str
    port: int
    username: str
    password: Optional[str] = None
    key_file: Optional[str] = None
    platform: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)


def from_sim(name: str, sim: Any, user: str = "admin", password: str = "secret") -> Device:
    return Device(name=name, host="127.0.0.1", port=sim.port, username=user, password=password)


def from_netconfd(dev: Any) -> Device:
    return Device(name=dev.name, host=dev.host, port=dev.port, username=dev.username,
                  password=dev.password, key_file=None if dev.password else dev.key_file)


def write_inventory(path: Path, devices: Iterable[Device], known_hosts: Optional[Path] = None,
                    connection: str = "local", group: str = "routers",
                    extra_vars: Optional[dict[str, Any]] = None) -> Path:
    hosts: dict[str, Any] = {}
    for dev in devices:
        hv: dict[str, Any] = {"ansible_host": dev.host, "ansible_port": dev.port, "ansible_user": dev.username}
        if dev.password is not None:
            hv["ansible_password"] = dev.password
        if dev.key_file:
            hv["ansible_ssh_private_key_file"] = dev.key_file
        if dev.platform:
            hv["netsync_platform"] = dev.platform
        hv.update(dev.extra)
        hosts[dev.name] = hv
    group_vars: dict[str, Any] = {"ansible_connection": connection}
    if connection == "ansible.netcommon.netconf":
        group_vars["ansible_network_os"] = "junipernetworks.junos.junos"
    if known_hosts is not None:
        group_vars["netsync_known_hosts_file"] = str(known_hosts)
    group_vars.update(extra_vars or {})
    data = {"all": {"children": {group: {"hosts": hosts, "vars": group_vars}}}}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def listener_inventory(directory: Path, sim: Any, udp: int) -> Path:
    """``directory/inventory.yml``: the simulator ``sim`` as r1 (its key in ``directory/known_hosts``),
    onboarded with auto-resync sending commit syslog to the listener at 127.0.0.1:``udp``."""
    known = sim.write_known_hosts(directory / "known_hosts")
    return write_inventory(directory / "inventory.yml", [from_sim("r1", sim)], known_hosts=known,
                           extra_vars={"netsync_listener_host": "127.0.0.1", "netsync_listener_port": udp})


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    data: dict[str, Any]

    def results(self, task_name: str) -> dict[str, dict[str, Any]]:
        """Per-host results of the task named ``task_name`` (last occurrence; role prefix optional).

        Under a strategy other than linear (e.g. ``netsync.fleet.fleet``), ansible.posix.json lists the
        task once per host, all with the same id: those entries are merged."""
        found: dict[str, dict[str, Any]] = {}
        found_id = None
        for play in self.data.get("plays", []):
            for task in play.get("tasks", []):
                name = task["task"]["name"]
                if name == task_name or name.endswith(" : " + task_name):  # role tasks: "role : task"
                    if task["task"].get("id") is None or task["task"].get("id") != found_id:
                        found = {}
                    found_id = task["task"].get("id")
                    found = {**found, **task["hosts"]}
        if not found:
            raise AssertionError("no task %r in the run; stderr: %s" % (task_name, self.stderr[-2000:]))
        return found

    @property
    def stats(self) -> dict[str, Any]:
        return dict(self.data.get("stats", {}))

    def changed(self, host: str) -> list[str]:
        """The names of the tasks that changed on ``host``, in order (role tasks: "role : task")."""
        return [task["task"]["name"] for play in self.data.get("plays", []) for task in play.get("tasks", [])
                if task.get("hosts", {}).get(host, {}).get("changed") is True]


def ansible_env(store: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "NETSYNC_STORE": store,
        "PATH": "%s:%s" % (VENV_BIN, env.get("PATH", "")),
    })
    env.update(extra)
    return env


def run_playbook(playbook: str | Path, inventory: Path, store: str, *args: str, timeout: float = 300,
                 env_extra: Optional[dict[str, str]] = None) -> PlaybookRun:
    """Run real ansible-playbook with the json callback and parse what it printed."""
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    proc = subprocess.run(cmd, cwd=str(REPO), env=ansible_env(store, **(env_extra or {})),
                          capture_output=True, text=True, timeout=timeout)
    start = proc.stdout.find("{")
    try:
        data = json.loads(proc.stdout[start:]) if start >= 0 else {}
    except json.JSONDecodeError:
        data = {}
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, data)


def onboarded_junos_fleet(directory: Path, junos_sim: Any, names: Iterable[str]) -> dict[str, Any]:
    """Simulated Junos devices ``names`` (from the ``junos_sim`` fixture), their keys in
    ``directory/known_hosts``, onboarded by ``playbooks/onboard.yml`` into ``directory/fleet.db``."""
    sims = {name: junos_sim(hostname=name) for name in names}
    known = directory / "known_hosts"
    for sim in sims.values():
        sim.write_known_hosts(known)
    inv = write_inventory(directory / "inventory.yml", [from_sim(n, s) for n, s in sims.items()], known_hosts=known)
    store = str(directory / "fleet.db")
    run = run_playbook(REPO / "playbooks/onboard.yml", inv, store)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {"sims": sims, "inventory": inv, "store": store}


def jobs_since(store: str, since: float, names: Iterable[str]) -> dict[str, int]:
    """device -> how many of its jobs started at or after ``since``."""
    from ansible_collections.netsync.fleet.plugins.module_utils import store as st

    with st.open_store(store) as s:
        return {n: len([j for j in s.jobs.recent(n, 100) if j["started_at"] >= since]) for n in names}
