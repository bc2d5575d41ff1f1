"""Junos NETCONF device simulator for tests, the demo and benchmarks.

``JunosSim`` is one device (SSH on 127.0.0.1, NETCONF subsystem, Junos XML API);
``SimFleet`` runs many on one event loop. Both run their loop in a background thread so
synchronous code can use them; ``python -m tests.sims.junos_sim`` runs a fleet until
SIGTERM (see ``--help``).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import asyncssh

from tests.sims.junos_config import ConfigError, Element, default_config, parse_xml
from tests.sims.junos_db import CommitRecord
from tests.sims.junos_device import JunosDevice
from tests.sims.junos_rpc import Handler, Platform
from tests.sims.junos_ssh import Faults, SimCore, listen
from tests.sims.junos_text import parse_text
from tests.sims.lifecycle import LoopThread, StartStop, close_server

DEFAULT_VERSION = "21.4R3.15"


def _load_config(config: Element | str | None, hostname: str, users: Iterable[str], version: str) -> Element:
    if config is None:
        return default_config(hostname, version, users)
    if isinstance(config, str):
        tree = parse_xml(config) if config.lstrip().startswith("<") else parse_text(config)
    else:
        tree = config
    if tree.tag != "configuration":
        raise ConfigError("initial config must be a <configuration> element")
    return tree


def _host_key(path: str | Path | None) -> asyncssh.SSHKey:
    if path is not None and Path(path).exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    if path is not None:
        key.write_private_key(str(path))
        Path(path).chmod(0o600)
    return key


class JunosSim(StartStop):
    """One simulated Junos device.

    ``users`` maps user name to password; ``authorized_keys`` maps user name to OpenSSH
    public key lines. ``config`` is the initial configuration (XML text, curly-brace
    text or an lxml element; default: a small typical one). ``host_key`` is a private
    key file kept across runs (created when missing); without it a key is generated
    per simulator and kept across stop/start.
    """

    def __init__(
        self,
        hostname: str = "r1",
        users: Mapping[str, str] | None = None,
        authorized_keys: Mapping[str, Iterable[str]] | None = None,
        port: int = 0,
        config: Element | str | None = None,
        version: str = DEFAULT_VERSION,
        model: str = "vmx",
        serial: str | None = None,
        host_key: str | Path | None = None,
        model_oid: str = "129",
        loop_thread: LoopThread | None = None,
    ) -> None:
        users = dict(users) if users is not None else {"admin": "secret"}
        keys = {
            user: [asyncssh.import_public_key(line) for line in lines]
            for user, lines in (authorized_keys or {}).items()
        }
        names = set(users) | set(keys)
        self.hostname = hostname
        checksum = zlib.crc32(hostname.encode())
        self.device = JunosDevice(
            hostname,
            _load_config(config, hostname, names, version),
            version,
            model_oid=model_oid,
            mgd_pid=10000 + checksum % 80000,
        )
        platform = Platform(model=model, serial=serial or f"VM{checksum:08X}")
        self._core = SimCore(self.device, Handler(self.device, platform), users, keys)
        self._key = _host_key(host_key)
        self.port = port
        self._server: asyncssh.SSHAcceptor | None = None
        self._loop_thread = loop_thread
        self._own_loop = False

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        """Fault injection switches (see :class:`Faults`)."""
        return self._core.faults

    @property
    def running(self) -> bool:
        """True while listening."""
        return self._server is not None

    @property
    def session_count(self) -> int:
        """Open NETCONF sessions."""
        return self._core.sessions

    async def start_async(self) -> int:
        """Listen (on the running loop); returns the port. Restarts on the same port."""
        if self._server is None:
            self._server = await listen(self._core, self._key, self.port)
            self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop_async(self) -> None:
        """Stop listening and close every session."""
        server, self._server = self._server, None
        if server is not None:
            await close_server(server, self._core.connections)

    def start(self) -> int:
        """Start in the background loop thread; returns the bound port."""
        if self._loop_thread is None:
            self._loop_thread = LoopThread(f"junos-sim-{self.hostname}")
            self._own_loop = True
        return self._loop_thread.run(self.start_async())

    def stop(self) -> None:
        """Stop the server (the device goes down); ``start()`` brings it back."""
        if self._loop_thread is None:
            return
        self._loop_thread.run(self.stop_async())
        if self._own_loop:
            self._loop_thread.close()
            self._loop_thread, self._own_loop = None, False

    # -- host key --------------------------------------------------------------------------
    @property
    def rpcs_received(self) -> int:
        """RPCs read off the wire so far (before any ``faults.delay``), all sessions."""
        return self._core.rpcs_received

    def operations(self) -> dict[str, int]:
        """Operations answered so far by element name (``get-configuration``: 2), all sessions."""
        return dict(self._core.operations)

    @property
    def host_public_key(self) -> str:
        """``ssh-ed25519 AAAA...`` of the host key."""
        text = self._key.export_public_key("openssh").decode()
        return " ".join(text.split()[:2])

    def known_hosts_line(self, host: str = "127.0.0.1") -> str:
        """known_hosts line for ``[host]:port``."""
        return f"[{host}]:{self.port} {self.host_public_key}"

    def write_known_hosts(self, path: str | Path, append: bool = True) -> Path:
        """Write (or append) this simulator's known_hosts line to ``path``."""
        path = Path(path)
        with path.open("a" if append else "w") as out:
            out.write(self.known_hosts_line() + "\n")
        return path

    # -- out-of-band and inspection --------------------------------------------------------
    @property
    def cli_commit(self) -> Callable[..., CommitRecord]:
        """``cli_commit(user="ops", set_commands=(), xml=None, comment=None)``: commit as a CLI user
        would (client "cli"); thread-safe. The device's own: see JunosDevice.cli_commit."""
        return self.device.cli_commit

    def committed_config(self) -> Element:
        """A copy of the committed configuration."""
        return self.device.committed()[0]

    def commit_history(self) -> list[CommitRecord]:
        """Commit history, newest first."""
        return self.device.history()


class SimFleet(StartStop):
    """Many simulators (``{prefix}1`` .. ``{prefix}N``) sharing one loop thread.

    ``base_port`` > 0 gives consecutive ports from it; 0 picks free ports.
    Extra keyword arguments go to every :class:`JunosSim`.
    """

    def __init__(
        self,
        count: int,
        prefix: str = "r",
        base_port: int = 0,
        host_key_dir: str | Path | None = None,
        **sim_kwargs: Any,
    ) -> None:
        self._loop_thread: LoopThread | None = None
        self.sims = [
            JunosSim(
                hostname=f"{prefix}{i}",
                port=base_port + i - 1 if base_port else 0,
                host_key=Path(host_key_dir) / f"{prefix}{i}.key" if host_key_dir else None,
                **sim_kwargs,
            )
            for i in range(1, count + 1)
        ]

    async def start_async(self) -> dict[str, int]:
        """Start every simulator on the running loop; returns name -> port."""
        await asyncio.gather(*(sim.start_async() for sim in self.sims))
        return self.ports

    async def stop_async(self) -> None:
        """Stop every simulator."""
        await asyncio.gather(*(sim.stop_async() for sim in self.sims))

    def start(self) -> dict[str, int]:
        """Start all in one background loop thread; returns name -> port."""
        if self._loop_thread is None:
            self._loop_thread = LoopThread("junos-fleet")
            for sim in self.sims:
                sim._loop_thread = self._loop_thread
        return self._loop_thread.run(self.start_async())

    def stop(self) -> None:
        """Stop all and end the loop thread."""
        if self._loop_thread is None:
            return
        try:
            self._loop_thread.run(self.stop_async())
        finally:
            self._loop_thread.close()
            self._loop_thread = None
            for sim in self.sims:
                sim._loop_thread = None

    @property
    def ports(self) -> dict[str, int]:
        """Host name -> port."""
        return {sim.hostname: sim.port for sim in self.sims}

    def known_hosts_lines(self) -> list[str]:
        """One known_hosts line per simulator."""
        return [sim.known_hosts_line() for sim in self.sims]

    def write_known_hosts(self, path: str | Path) -> Path:
        """Write every simulator's known_hosts line to ``path`` (overwrites)."""
        path = Path(path)
        path.write_text("".join(line + "\n" for line in self.known_hosts_lines()))
        return path

    def __getitem__(self, key: int | str) -> JunosSim:
        if isinstance(key, int):
            return self.sims[key]
        for sim in self.sims:
            if sim.hostname == key:
                return sim
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.sims)

    def __iter__(self) -> Any:
        return iter(self.sims)


if __name__ == "__main__":
    from tests.sims.junos_cli import main

    raise SystemExit(main())
