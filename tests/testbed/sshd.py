"""A loopback OpenSSH server whose ``netconf`` subsystem fans out to netconfd sockets.

One ``Subsystem netconf`` line carries every ``PORT@SOCKET`` pair:
``netconf-subsystem`` reads the local port from ``SSH_CONNECTION`` and picks the
socket of that port, so no ``Match LocalPort`` blocks are needed. OpenSSH listens
on at most 16 sockets per daemon (``MAX_LISTEN_SOCKS``), hence :data:`MAX_PORTS`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from . import procs
from .procs import Identity, TestbedError

MAX_PORTS = 16
SSHD = shutil.which("sshd", path="/usr/sbin:/usr/bin:/sbin") or "/usr/sbin/sshd"
SUBSYSTEM = "/usr/sbin/netconf-subsystem"


def make_host_key(directory: Path) -> Path:
    """Generate an ed25519 host key (no passphrase) in ``directory``."""
    key = directory / "ssh_host_ed25519_key"
    _keygen(key)
    return key


def make_user_key(directory: Path, ident: Identity) -> Path:
    """Generate the test user's key pair; returns the private key path."""
    key = directory / "id_ed25519"
    _keygen(key)
    auth = directory / "authorized_keys"
    auth.write_text(key.with_suffix(".pub").read_text())
    procs.own(auth, ident, 0o644)
    return key


def _keygen(path: Path) -> None:
    done = subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "netsync-testbed", "-f", str(path)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise TestbedError(f"ssh-keygen failed: {done.stderr.strip()}")


def write_known_hosts(path: Path, host_key: Path, ports: list[int]) -> None:
    """known_hosts with the host key for every ``[127.0.0.1]:PORT``."""
    keytype, blob = host_key.with_suffix(".pub").read_text().split()[:2]
    path.write_text("".join(f"[127.0.0.1]:{port} {keytype} {blob}\n" for port in ports))


def write_ssh_config(path: Path, known_hosts: Path) -> None:
    """An ssh_config for ncclient's ``ssh_config=``: only the known_hosts location."""
    path.write_text(f"Host *\n    UserKnownHostsFile {known_hosts}\n"
                    "    StrictHostKeyChecking yes\n")


class PortInUse(TestbedError):
    """sshd could not bind one of its ports (another process took it): pick others."""


class SshServer:
    """One ``sshd -D`` on 127.0.0.1 serving up to 16 ports, each mapped to a socket."""

    def __init__(self, rundir: Path, name: str, ident: Identity, host_key: Path,
                 authorized_keys: Path, routes: dict[int, Path]) -> None:
        if not 0 < len(routes) <= MAX_PORTS:
            raise ValueError(f"an sshd serves 1..{MAX_PORTS} ports, got {len(routes)}")
        self.ident = ident
        self.routes = dict(routes)
        self.config = rundir / f"{name}_config"
        self.log = rundir / f"{name}.log"
        self.pid_file = rundir / f"{name}.pid"
        self.rundir = rundir
        self.host_key = host_key
        self.authorized_keys = authorized_keys
        self.proc: subprocess.Popen[bytes] | None = None

    def render_config(self) -> str:
        """The sshd_config text (documented in README.md)."""
        users = sorted({self.ident.username, self.ident.oob_username})
        pairs = " ".join(f"--ncxserver-sockname={port}@{sock}"
                         for port, sock in self.routes.items())
        lines = [
            "ListenAddress 127.0.0.1",
            *(f"Port {port}" for port in self.routes),
            f"HostKey {self.host_key}",
            f"PidFile {self.pid_file}",
            "UsePAM no",
            "StrictModes no",
            f"PasswordAuthentication {'yes' if self.ident.password else 'no'}",
            "PubkeyAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PermitEmptyPasswords no",
            f"AuthorizedKeysFile {self.authorized_keys}",
            f"AllowUsers {' '.join(users)}",
            "PermitRootLogin no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            "PermitTTY no",
            "PrintMotd no",
            "MaxStartups 200",
            "MaxSessions 50",
            "LoginGraceTime 30",
            "LogLevel VERBOSE",
            f"Subsystem netconf {SUBSYSTEM} {pairs}",
        ]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 15.0) -> None:
        """Write the config, start sshd and wait until every port listens."""
        if os.geteuid() == 0:  # privilege separation directory; root sshd insists on it
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.config.write_text(self.render_config())
        self.log.write_text("")
        check = subprocess.run([SSHD, "-t", "-f", str(self.config)],
                               capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise TestbedError(f"sshd -t rejected {self.config}: {check.stderr.strip()}")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        # absolute path: sshd re-executes itself
        self.proc = procs.spawn([SSHD, "-D", "-f", str(self.config), "-E", str(self.log)],
                                ident=None, log=self.rundir / "sshd.stdout", env=env,
                                cwd=self.rundir)
        try:
            procs.wait_for(self._all_listening, timeout, "sshd to listen")
        except PortInUse:
            self.stop()
            raise
        except TestbedError as exc:
            self.stop()
            raise TestbedError(f"{exc}\n--- {self.log}\n{procs.tail(self.log)}") from None

    def _all_listening(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise TestbedError(f"sshd exited with {self.proc.returncode}")
        text = self.log.read_text(errors="replace")
        if "Bind to port" in text:
            raise PortInUse("sshd could not bind a port")
        found = re.findall(r"Server listening on 127\.0\.0\.1 port (\d+)", text)
        listening = {int(port) for port in found}
        return listening >= set(self.routes)

    @property
    def pid(self) -> int | None:
        """The listener's pid while started."""
        return self.proc.pid if self.proc is not None else None

    def stop(self) -> None:
        """Stop the daemon and its connection handlers (each is a session leader)."""
        if self.proc is not None and self.proc.returncode is None:
            handlers = procs.descendants(self.proc.pid)
            procs.stop_process(self.proc)
            procs.kill_pids(handlers)
