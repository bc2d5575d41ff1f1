"""A fleet of netconfd devices behind loopback sshd daemons, and its CLI.

``python -m tests.testbed.netconfd --count N --ready-file F`` starts N devices,
writes their connection facts as JSON to F and runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import TracebackType

from . import procs
from .device import NetconfdDevice
from .procs import Identity, TestbedError
from .sshd import (
    MAX_PORTS,
    PortInUse,
    SshServer,
    make_host_key,
    make_user_key,
    write_known_hosts,
    write_ssh_config,
)

__all__ = ["NetconfdDevice", "NetconfdFleet", "TestbedError", "main"]

_PORT_TRIES = 5


class NetconfdFleet:
    """``count`` netconfd devices; ``with NetconfdFleet(3) as devices: ...``.

    ``workdir`` is where the fleet makes its own run directory (default: the system
    temp dir); it must be traversable by the unprivileged test user when run as root.
    The run directory is removed on :meth:`stop` unless ``keep`` is true.
    """

    def __init__(self, count: int, workdir: str | os.PathLike[str] | None = None, *,
                 keep: bool = False, system_hostnames: bool = False) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        self.count = count
        self.workdir = workdir
        self.keep = keep
        # load ietf-system too, with /system/hostname "ncNN-host" in each startup config
        self.system_hostnames = system_hostnames
        self.devices: list[NetconfdDevice] = []
        self.sshds: list[SshServer] = []
        self.rundir: Path | None = None
        self.ident: Identity | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> list[NetconfdDevice]:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> list[NetconfdDevice]:
        """Start sshd(s) and every netconfd; returns the devices once all are ready."""
        procs.register(self)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self.devices

    def _start(self) -> None:
        ident = self.ident = procs.resolve_identity()
        rundir = self.rundir = procs.make_rundir(self.workdir, "nstb-", ident)
        host_key = make_host_key(rundir)
        key_file = make_user_key(rundir, ident)
        known_hosts, ssh_config = rundir / "known_hosts", rundir / "ssh_config"
        ports: list[int] = []
        for first in range(0, self.count, MAX_PORTS):
            group = range(first + 1, min(first + MAX_PORTS, self.count) + 1)
            ports += self._start_sshd(len(self.sshds), list(group), host_key, ports)
        write_known_hosts(known_hosts, host_key, ports)
        write_ssh_config(ssh_config, known_hosts)
        for index, port in enumerate(ports, start=1):
            self.devices.append(NetconfdDevice(
                name=f"nc{index:02d}", index=index, port=port, ident=ident,
                devdir=rundir / f"nc{index:02d}", key_file=key_file,
                known_hosts=known_hosts, ssh_config=ssh_config, system_hostname=self.system_hostnames))
        if len(str(self.devices[-1].socket)) > 100:
            raise TestbedError(f"socket paths under {rundir} are too long: use a shorter workdir")
        for device in self.devices:
            device.prepare()
            device.spawn_server()
        for device in self.devices:
            device.wait_ready()

    def _start_sshd(self, number: int, indexes: list[int], host_key: Path,
                    taken: list[int]) -> list[int]:
        assert self.rundir is not None and self.ident is not None
        for _ in range(_PORT_TRIES):
            ports: list[int] = []
            while len(ports) < len(indexes):
                port = procs.free_port()
                if port not in taken and port not in ports:
                    ports.append(port)
            routes = {port: self.rundir / f"nc{i:02d}" / "ncxserver.sock"
                      for port, i in zip(ports, indexes, strict=True)}
            server = SshServer(self.rundir, f"sshd{number}", self.ident, host_key,
                               self.rundir / "authorized_keys", routes)
            try:
                server.start()
            except PortInUse:
                continue
            self.sshds.append(server)
            return ports
        raise TestbedError(f"sshd could not bind free ports in {_PORT_TRIES} tries")

    def pids(self) -> list[int]:
        """pids of every sshd listener and netconfd ever started by this fleet."""
        found = [s.pid for s in self.sshds] + [d.pid for d in self.devices]
        return [pid for pid in found if pid is not None]

    def live_pids(self) -> list[int]:
        """Fleet processes still alive, including strays such as netconf-subsystem."""
        alive = {pid for pid in self.pids() if procs.is_alive(pid)}
        if self.rundir is not None:
            alive.update(procs.pids_referencing(self.rundir))
        return sorted(alive)

    def stop(self) -> None:
        """Kill every process of the fleet and remove its run directory. Idempotent."""
        with self._lock:
            for server in self.sshds:
                server.stop()
            procs.stop_processes([d.process for d in self.devices if d.process is not None])
            for device in self.devices:
                device.kill_server()  # already stopped: only removes the socket
            if self.rundir is not None:
                procs.kill_stragglers(self.rundir)
                if not self.keep:
                    procs.remove_tree(self.rundir)
            procs.unregister(self)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m tests.testbed.netconfd")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the run directory")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    fleet = NetconfdFleet(args.count, args.workdir, keep=args.keep)
    try:
        devices = fleet.start()
        payload = {"pid": os.getpid(), "rundir": str(fleet.rundir),
                   "devices": [device.as_dict() for device in devices]}
        tmp = args.ready_file.with_name(args.ready_file.name + ".tmp")
        tmp.write_text(json.dumps(payload, indent=2) + "\n")
        tmp.chmod(0o600)  # it holds the test password
        tmp.replace(args.ready_file)
        stop.wait()
    except TestbedError as exc:
        print(f"netconfd fleet failed: {exc}", file=sys.stderr)
        return 1
    finally:
        fleet.stop()
        args.ready_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
