"""CLI device simulators (Cisco IOS/IOS-XE, NX-OS, IOS-XR, Arista EOS) for tests.

``CliSim(platform="ios", hostname="r1")`` is one device: SSH on 127.0.0.1 with an
interactive shell that the vendor collections' own terminal and cliconf plugins accept over
``ansible.netcommon.network_cli``. ``configure(lines, user=...)`` makes an out-of-band change
as a CLI user would (with the platform's commit syslog). The loop runs in a background thread
(``tests.sims.lifecycle.LoopThread``) so synchronous tests can use it; every server a test
starts is stopped by the ``cli_sim`` fixture (``tests.sims.cli_fixtures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import asyncssh

from tests.sims.cli_device import Change, CliDevice
from tests.sims.cli_restore_shell import RestoreServer
from tests.sims.cli_shell import Faults
from tests.sims.lifecycle import LoopThread, StartStop, close_server


class CliSim(StartStop):
    """One simulated CLI device.

    ``users`` maps user name to login password; ``enable_password`` is asked by ``enable``
    on IOS and EOS (whose logins land in user EXEC, ``r1>``); NX-OS and IOS-XR logins land
    privileged. ``syslog_hosts`` receive the commit syslog besides the ``logging`` lines of
    the running configuration (loopback only). ``rfc5424`` selects the RFC 5424 format.
    """

    def __init__(self, platform: str = "ios", hostname: str = "r1", users: Mapping[str, str] | None = None,
                 enable_password: str | None = "enpass", config: str | None = None, port: int = 0,
                 syslog_hosts: Iterable[tuple[str, int]] = (), rfc5424: bool = False,
                 serial: str | None = None) -> None:
        self.platform = platform
        self.device = CliDevice(platform, hostname, config, serial=serial or "SIM%08X" % (hash(hostname) & 0xFFFFFFF),
                                syslog_hosts=list(syslog_hosts), rfc5424=rfc5424)
        self.users = dict(users) if users is not None else {"admin": "secret"}
        self.enable_password = enable_password
        self.faults = Faults()
        self.port = port
        self._key = asyncssh.generate_private_key("ssh-ed25519")
        self._server: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._loop: LoopThread | None = None

    @property
    def hostname(self) -> str:
        return self.device.hostname

    # -- lifecycle ------------------------------------------------------------------------------
    async def _start(self) -> int:
        self._server = await asyncssh.create_server(
            lambda: RestoreServer(self.device, self.users, self.enable_password, self.faults, self._connections),
            "127.0.0.1", self.port, server_host_keys=[self._key], encoding=None, line_editor=False,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False, keepalive_interval=0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await close_server(server, self._connections)

    def start(self) -> int:
        """Listen on 127.0.0.1 (the same port again after a stop); returns the port."""
        if self._loop is None:
            self._loop = LoopThread(f"cli-sim-{self.platform}-{self.device.state.hostname}")
        if self._server is None:
            self._loop.run(self._start())
        return self.port

    def stop(self) -> None:
        """Stop listening and drop every session; the loop thread ends."""
        if self._loop is None:
            return
        self._loop.run(self._stop())
        self._loop.close()
        self._loop = None

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- host key -----------------------------------------------------------------------------
    def known_hosts_line(self, host: str = "127.0.0.1") -> str:
        text = self._key.export_public_key("openssh").decode()
        return f"[{host}]:{self.port} " + " ".join(text.split()[:2])

    def write_known_hosts(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("a") as out:
            out.write(self.known_hosts_line() + "\n")
        return path

    # -- out-of-band changes and inspection --------------------------------------------------
    def configure(self, lines: Iterable[str], user: str = "ops", source: str = "192.0.2.9",
                  notify: bool = True) -> Change | None:
        """Enter ``lines`` in configuration mode as ``user`` and commit (XR) / leave config mode.

        ``notify=False``: a change whose syslog is lost (a test then sends the line itself)."""
        candidate = self.device.config.copy()
        context: str | None = None
        entered = []
        for line in lines:
            if line.strip() == "exit":
                context = None
                continue
            context, changed = candidate.apply(line, context)
            if changed:
                entered.append(line)
        if not entered:
            return None
        return self.device.commit(candidate, user, source, entered, notify=notify)

    def running_config(self) -> str:
        return self.device.running_config()

    @property
    def syslog_sent(self) -> list[str]:
        return list(self.device.syslog_sent)


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.sims.cli_sim ios nxos iosxr eos --syslog 127.0.0.1:5514``: one simulator
    per platform named, until SIGTERM or Ctrl-C; prints ``platform hostname port`` per line."""
    import argparse
    import signal
    import threading

    parser = argparse.ArgumentParser(prog="python -m tests.sims.cli_sim", description=main.__doc__)
    parser.add_argument("platforms", nargs="+", choices=["ios", "nxos", "iosxr", "eos"])
    parser.add_argument("--syslog", action="append", default=[], help="extra UDP syslog destination HOST:PORT")
    parser.add_argument("--rfc5424", action="store_true", help="send RFC 5424 syslog")
    args = parser.parse_args(argv)
    hosts = [(h, int(p)) for h, p in (s.rsplit(":", 1) for s in args.syslog)]
    sims = [CliSim(platform=p, hostname="%s%d" % (p, i + 1), syslog_hosts=hosts, rfc5424=args.rfc5424)
            for i, p in enumerate(args.platforms)]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for sim in sims:
            print(sim.platform, sim.hostname, sim.start(), flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for sim in sims:
            sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
