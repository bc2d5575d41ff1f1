"""One generic RFC 6241 device: a netconfd (yuma123) process behind the fleet's sshd."""

from __future__ import annotations

import glob
import subprocess
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ncclient import manager

from . import procs
from .procs import Identity, TestbedError

NETCONFD = "/usr/sbin/netconfd"
MODULE_DIR = "/usr/share/yuma/modules/ietf"
# Loaded by file path so no SIL library (which would touch the host) is looked for.
MODULES = ("iana-if-type", "ietf-interfaces", "ietf-ip", "ietf-netconf-notifications")
IF_NS = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
SYSTEM_NS = "urn:ietf:params:xml:ns:yang:ietf-system"


def module_path(name: str) -> str:
    """Newest ``name@REV.yang`` shipped by libyuma-base."""
    found = sorted(glob.glob(f"{MODULE_DIR}/{name}@*.yang"))
    if not found:
        raise TestbedError(f"YANG module {name} not found in {MODULE_DIR} (libyuma-base)")
    return found[-1]


def startup_xml(index: int) -> str:
    """Startup config of device ``index``: two interfaces with IPv4 (documentation nets)."""
    return f"""<config xmlns="{NC_NS}">
  <interfaces xmlns="{IF_NS}" xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">
    <interface>
      <name>eth0</name>
      <description>uplink of nc{index:02d}</description>
      <type>ianaift:ethernetCsmacd</type>
      <enabled>true</enabled>
      <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip">
        <address><ip>192.0.2.{index}</ip><prefix-length>24</prefix-length></address>
      </ipv4>
    </interface>
    <interface>
      <name>eth1</name>
      <description>access port</description>
      <type>ianaift:ethernetCsmacd</type>
      <enabled>false</enabled>
      <ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip">
        <mtu>1500</mtu>
        <address><ip>198.51.100.{index}</ip><prefix-length>25</prefix-length></address>
      </ipv4>
    </interface>
  </interfaces>
</config>
"""


def description_edit(interface: str, description: str) -> str:
    """edit-config payload that sets one interface description."""
    return (f'<config xmlns="{NC_NS}"><interfaces xmlns="{IF_NS}"><interface>'
            f"<name>{escape(interface)}</name><description>{escape(description)}</description>"
            "</interface></interfaces></config>")


class NetconfdDevice:
    """Connection facts of one device plus controls for tests (OOB commit, down/up)."""

    def __init__(self, *, name: str, index: int, port: int, ident: Identity, devdir: Path,
                 key_file: Path, known_hosts: Path, ssh_config: Path, system_hostname: bool = False) -> None:
        self.name = name
        self.index = index
        self.host = "127.0.0.1"
        self.port = port
        self.username = ident.username
        self.password = ident.password  # None when not root: use key_file
        self.oob_username = ident.oob_username
        self.key_file = str(key_file)
        self.known_hosts = str(known_hosts)
        self.ssh_config = str(ssh_config)
        self.devdir = devdir
        self.socket = devdir / "ncxserver.sock"
        self.startup = devdir / "startup.xml"
        self.log = devdir / "netconfd.log"
        self._ident = ident
        self.system_hostname = f"{name}-host" if system_hostname else None  # ietf-system /system/hostname
        self._proc: subprocess.Popen[bytes] | None = None
        self._mark = 0  # log offset at the latest start

    def __repr__(self) -> str:
        return f"NetconfdDevice({self.name!r}, {self.host}:{self.port})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-able connection facts (for the CLI's ready file and inventories)."""
        return {key: getattr(self, key) for key in (
            "name", "host", "port", "username", "password", "oob_username",
            "key_file", "known_hosts", "ssh_config")} | {"log": str(self.log)}

    # --- server process -------------------------------------------------------------
    def prepare(self) -> None:
        """Create the device directory and its startup config."""
        self.devdir.mkdir()
        procs.own(self.devdir, self._ident, 0o755)
        text = startup_xml(self.index)
        if self.system_hostname:
            text = text.replace("</config>", f'  <system xmlns="{SYSTEM_NS}"><hostname>{self.system_hostname}'
                                             '</hostname></system>\n</config>')
        self.startup.write_text(text)
        procs.own(self.startup, self._ident, 0o644)

    def argv(self) -> list[str]:
        """netconfd command line (see README.md for why each flag)."""
        return [NETCONFD, f"--port={self.port}", f"--ncxserver-sockname={self.socket}",
                "--target=candidate", "--with-startup=true", f"--startup={self.startup}",
                "--access-control=off", "--idle-timeout=0", f"--log={self.log}", "--log-append",
                "--log-level=info",
                *(f"--module={module_path(m)}" for m in MODULES + (("ietf-system",) if self.system_hostname else ()))]

    def spawn_server(self) -> None:
        """Start netconfd without waiting (see :meth:`wait_ready`)."""
        if self.is_running:
            return
        self.socket.unlink(missing_ok=True)  # a stale socket makes netconfd exit
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.devdir),
               "LANG": "C.UTF-8"}
        self._mark = self.log.stat().st_size if self.log.exists() else 0
        self._proc = procs.spawn(self.argv(), ident=self._ident, log=self.devdir / "stdout.log",
                                 env=env, cwd=self.devdir)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until netconfd listens on its socket; fail with its log otherwise."""
        def ready() -> bool:
            if self._proc is None or self._proc.poll() is not None:
                raise TestbedError(f"netconfd for {self.name} exited")
            if not self.socket.exists() or not self.log.exists():
                return False
            with open(self.log, "rb") as handle:
                handle.seek(self._mark)
                return b"Running netconfd server" in handle.read()
        try:
            procs.wait_for(ready, timeout, f"netconfd {self.name}")
        except TestbedError as exc:
            self.kill_server()
            raise TestbedError(f"{exc}\n--- {self.log}\n{procs.tail(self.log)}\n"
                               f"{procs.tail(self.devdir / 'stdout.log')}") from None

    def start_server(self, timeout: float = 30.0) -> None:
        """(Re)start netconfd from its startup file: the device comes back up."""
        self.spawn_server()
        self.wait_ready(timeout)

    def stop_server(self, save_running: bool = True) -> None:
        """Take the device down (sshd stays up, the netconf subsystem then fails).

        With ``save_running`` the running config is first copied to startup, so the
        device comes back with what was committed (as a real device would).
        """
        if save_running and self.is_running:
            with self.connect() as session:
                session.copy_config(source="running", target="startup")
        self.kill_server()

    def kill_server(self) -> None:
        """Stop netconfd now, without saving."""
        if self._proc is not None:
            procs.stop_process(self._proc)
        self.socket.unlink(missing_ok=True)

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The netconfd process handle (for stopping many at once)."""
        return self._proc

    @property
    def is_running(self) -> bool:
        """True while netconfd runs."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """netconfd's pid, if it was ever started."""
        return self._proc.pid if self._proc is not None else None

    # --- NETCONF client side ------------------------------------------------------------
    def connect_kwargs(self, *, use_key: bool | None = None,
                       username: str | None = None) -> dict[str, Any]:
        """``ncclient.manager.connect`` arguments with host-key verification on.

        Password auth when a password exists (root runs), else the key; known_hosts
        reaches ncclient through ``ssh_config`` (its ``UserKnownHostsFile``).
        """
        key = use_key if use_key is not None else self.password is None
        auth: dict[str, Any] = ({"key_filename": self.key_file} if key
                                else {"password": self.password})
        return {"host": self.host, "port": self.port, "username": username or self.username,
                "hostkey_verify": True, "ssh_config": self.ssh_config,
                "look_for_keys": False, "allow_agent": False, "timeout": 30, **auth}

    def connect(self, **overrides: Any) -> Any:
        """An ncclient Manager (use as a context manager)."""
        return manager.connect(**(self.connect_kwargs() | overrides))

    def oob_commit(self, description: str, interface: str = "eth0") -> None:
        """Commit a new interface description from a separate session, as ``oob_username``."""
        kwargs = self.connect_kwargs(use_key=True, username=self.oob_username)
        with manager.connect(**kwargs) as session:
            session.edit_config(target="candidate", config=description_edit(interface, description))
            session.commit()

    def descriptions(self, source: str = "running") -> dict[str, str]:
        """Interface name -> description as the device reports it."""
        with self.connect() as session:
            data = session.get_config(source=source).data_ele
        result = {}
        for node in data.iter(f"{{{IF_NS}}}interface"):
            name = node.findtext(f"{{{IF_NS}}}name")
            if name is not None:
                result[name] = node.findtext(f"{{{IF_NS}}}description") or ""
        return result
