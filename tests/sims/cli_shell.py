"""The interactive shell of the CLI simulators, as ``network_cli`` (paramiko, a pty) sees it.

A line the client sends is echoed, answered, and followed by the prompt, with ``\\r\\n`` line
ends, as a real terminal does. Modes: user EXEC (``r1>``), privileged EXEC (``r1#``, after
``enable`` and its password), configuration (``r1(config)#``) and its sub-modes
(``r1(config-if)#``). IOS-XR edits a candidate that ``commit`` applies (``abort`` drops it).
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass

import asyncssh

from tests.sims.cli_config import CliConfig, submode_of
from tests.sims.cli_device import CliDevice
from tests.sims.cli_platforms import eos_version_json

INVALID = {"nxos": "% Invalid command at '^' marker.", "eos": "% Invalid input"}


@dataclass
class Faults:
    """``reject_auth`` refuses every login; ``delay`` seconds pass before each answer."""

    reject_auth: bool = False
    delay: float = 0.0


class CliShell(asyncssh.SSHServerSession):  # type: ignore[type-arg]
    def __init__(self, device: CliDevice, user: str, source: str, enable_password: str | None,
                 faults: Faults) -> None:
        self.dev = device
        self.user = user
        self.source = source
        self.enable_password = enable_password
        self.faults = faults
        self.privileged = device.platform.privileged_login
        self.candidate: CliConfig | None = None  # set while in configuration mode
        self.context: str | None = None  # the sub-mode line, e.g. "interface GigabitEthernet1"
        self.entered: list[str] = []
        self.session: str | None = None  # EOS "configure session NAME": a staged candidate
        self.pending: str | None = None  # "enable" or "xr-exit": the next line answers a question
        self._chan: asyncssh.SSHServerChannel | None = None  # type: ignore[type-arg]
        self._buf = b""
        self._lock = asyncio.Lock()

    # -- asyncssh callbacks ---------------------------------------------------------------
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[type-arg]
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False

    def session_started(self) -> None:
        self._write("\r\n" + self.prompt())

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self._buf += data
        while True:
            cut = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0]
            if not cut:
                return
            at = min(cut)
            line, self._buf = self._buf[:at], self._buf[at + 1:].lstrip(b"\n")
            asyncio.get_running_loop().create_task(self._serve(line.decode(errors="replace")))

    # -- terminal ---------------------------------------------------------------------------
    def prompt(self) -> str:
        if self.pending == "enable":
            return "Password: "
        if self.pending == "xr-exit":
            return "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
        mode = None
        if self.candidate is not None:
            mode = "config" if self.context is None else submode_of(self.context, self.dev.platform.block_users)
            if self.session is not None:  # EOS shows the first 6 characters of the session name
                mode = "config-s-%s%s" % (self.session[:6], "" if self.context is None else "-" + str(mode)[7:])
        return self.dev.platform.prompt(self.dev.hostname, self.privileged, mode)

    def _write(self, text: str) -> None:
        if self._chan is not None and not self._chan.is_closing():
            self._chan.write(text.encode())

    async def _serve(self, line: str) -> None:
        async with self._lock:
            if self.faults.delay:
                await asyncio.sleep(self.faults.delay)
            echo = "" if self.pending == "enable" else line  # passwords are not echoed
            out = self.answer(line.strip())
            if out is None:  # logout
                if self._chan is not None:
                    self._chan.exit(0)
                return
            text = echo + "\r\n" + (out.replace("\n", "\r\n") + "\r\n" if out else "")
            self._write(text + self.prompt())

    # -- commands -----------------------------------------------------------------------------
    def answer(self, line: str) -> str | None:
        if self.pending == "enable":
            self.pending = None
            if self.enable_password is None or hmac.compare_digest(line.encode(), self.enable_password.encode()):
                self.privileged = True
                return ""
            return "% Access denied" if self.dev.platform.name != "eos" else "% Authorization denied"
        if self.pending == "xr-exit":
            self.pending = None
            if line.lower().startswith("y"):
                self._commit()
            elif not line.lower().startswith("n"):
                return ""
            self._leave_config()
            return ""
        if not line or line.startswith("!"):
            return ""
        if self.candidate is not None:
            return self.config_command(line)
        return self.exec_command(line)

    def invalid(self) -> str:
        return INVALID.get(self.dev.platform.name, "% Invalid input detected at '^' marker.")

    def exec_command(self, line: str) -> str | None:
        p, s = self.dev.platform, self.dev.state
        words = line.split()
        if words[0] in ("exit", "logout", "quit"):
            return None
        if line.startswith(("terminal ", "screen-length", "screen-width")):
            return ""
        if line == "enable":
            if not self.privileged:
                self.pending = "enable"
            return ""
        if line == "disable":
            self.privileged = p.privileged_login
            return ""
        if line == "show privilege":
            if p.name == "nxos":
                return "User privilege level: 15\nFeature privilege: Enabled"
            return "Current privilege level is %d" % (15 if self.privileged else 1)
        if line.startswith("show user-account"):
            return "user:%s\n        this user account has no expiry date\n        roles:network-admin" % self.user
        if line == "show version | json" and p.name == "eos":
            return eos_version_json(s)
        if line == "show hostname | json" and p.name == "eos":
            return '{\n  "fqdn": "%s",\n  "hostname": "%s"\n}' % (self.dev.hostname, self.dev.hostname)
        if line == "show hostname" and p.name == "eos":
            return "Hostname: %s\nFQDN:     %s" % (self.dev.hostname, self.dev.hostname)
        if line.startswith("show version"):
            s.hostname = self.dev.hostname
            return p.show_version(s)
        if line == "show inventory" and p.name != "eos":
            return ('NAME: "Chassis", DESCR: "Cisco %s Chassis"\nPID: %s , VID: V01 , SN: %s\n\n'
                    'NAME: "module 0", DESCR: "Route Processor"\n' % (s.model, s.model.split()[-1], s.serial))
        if not self.privileged and line.startswith(("show running-config", "show startup-config",
                                                    "configure", "conf ", "write", "copy", "bash")):
            return self.invalid()
        if line.startswith(("show running-config", "show startup-config", "show running")):
            return self.dev.running_config(line.split("config", 1)[1] if "config" in line else "")
        if line.startswith("bash timeout 5 cat /mnt/flash/boot-config") and p.name == "eos":
            return "SWI=flash:/vEOS-lab.swi"
        if line in ("write memory", "write", "copy running-config startup-config") and p.name != "iosxr":
            self.dev.save()
            return "Building configuration...\n[OK]" if p.name == "ios" else "Copy complete."
        if line.startswith("show configuration commit ") and p.commit_needed:
            return self._xr_commits(line.split()[3:])
        if line == "show configuration sessions" and p.name == "eos":
            rows = "\n".join("   %-22s pending" % n for n in self.dev.sessions)
            return "Maximum number of completed sessions: 1\nMaximum number of pending sessions: 5\n\n" \
                   "   Name                   State\n   ---------------------- -------\n" + rows
        if line.startswith("configure session ") and p.name == "eos":
            self.session = line.split()[2]
            self.candidate = self.dev.sessions.pop(self.session, None) or self.dev.config.copy()
            self.entered = []
            self.dev.notify("enter", self.user, self.source)
            return ""
        if line in ("configure terminal", "configure", "config t", "conf t", "configure exclusive"):
            self.candidate = self.dev.config.copy()
            self.entered = []
            self.dev.notify("enter", self.user, self.source)
            return "Enter configuration commands, one per line.  End with CNTL/Z." if p.name == "ios" else ""
        return self.invalid()

    def config_command(self, line: str) -> str | None:
        assert self.candidate is not None
        p = self.dev.platform
        if line.startswith("do "):
            return self.exec_command(line[3:])
        if line in ("end", "exit") and (line == "end" or self.context is None):
            if self.session is not None:  # EOS: the session stays pending until commit or abort
                self.dev.sessions[self.session] = self.candidate
                self.candidate, self.context, self.session, self.entered = None, None, None, []
                return ""
            if p.commit_needed and self._dirty():
                self.pending = "xr-exit"
                return ""
            self._leave_config()
            return ""
        if line == "exit":
            self.context = None
            return ""
        staged = p.commit_needed or self.session is not None
        if staged and line.split()[0] == "commit":
            self._commit()
            if self.session is not None:  # EOS leaves configuration mode on commit
                self.candidate, self.context, self.session = None, None, None
            return ""
        if staged and line == "abort":
            self.candidate, self.context, self.session = None, None, None
            return ""
        if line == "show session-config diffs" and self.session is not None:
            return "\n".join("+  " + e for e in self.entered)
        if line == "rollback clean-config" and self.session is not None:
            self.candidate = CliConfig("", block_users=p.block_users)
            self.candidate.keep_negations = True
            return ""
        if line == "show commit changes diff" and p.commit_needed:
            return "Building configuration...\n!! IOS XR Configuration %s\n%s\nend" % (
                p.version, "\n".join("+  " + e for e in self.entered))
        if line.startswith("show "):
            return self.exec_command(line)
        if line.split()[0] in ("crash", "invalid"):  # tests use it to see a rejected line
            return self.invalid()
        self.context, changed = self.candidate.apply(line, self.context)
        if changed:
            self.entered.append(line)
        if not staged and changed:  # live: the running configuration follows each line
            self.dev.config = self.candidate.copy()
        return ""

    def _xr_commits(self, words: list[str]) -> str:
        """IOS-XR ``show configuration commit list`` and ``... changes ID``."""
        commits = [c for c in self.dev.changes if c.commit_id]
        if words[:1] == ["changes"] and len(words) > 1:
            found = [c for c in commits if c.commit_id == words[1]]
            if not found:
                return "% No such configuration commit id"
            return "Building configuration...\n!! IOS XR Configuration %s\n%s\nend" % (
                self.dev.platform.version, "\n".join(found[0].lines))
        rows = ["%-3d %-12s %-10s %-12s %s" % (i + 1, c.commit_id, c.user, c.source, "CLI")
                for i, c in enumerate(reversed(commits))]
        return "SNo. Label/ID     User       Line         Client\n" + "\n".join(rows)

    def _dirty(self) -> bool:
        assert self.candidate is not None
        return self.candidate.render() != self.dev.config.render()

    def _commit(self) -> None:
        if self.candidate is not None and self._dirty():
            self.dev.commit(self.candidate.copy(), self.user, self.source, self.entered)
        self.entered = []

    def _leave_config(self) -> None:
        if not self.dev.platform.commit_needed and self.entered:
            self.dev.commit(self.dev.config, self.user, self.source, self.entered)
        self.candidate, self.context, self.entered = None, None, []


class CliServer(asyncssh.SSHServer):
    """Password authentication against the simulator's users."""

    def __init__(self, device: CliDevice, users: dict[str, str], enable_password: str | None,
                 faults: Faults, connections: set[asyncssh.SSHServerConnection]) -> None:
        self.device, self.users, self.enable_password = device, users, enable_password
        self.faults, self.connections = faults, connections
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        expected = self.users.get(username)
        if self.faults.reject_auth or expected is None:
            return False
        return hmac.compare_digest(expected.encode(), password.encode())

    def session_requested(self) -> CliShell:
        assert self._conn is not None
        self.device.logins += 1
        peer = self._conn.get_extra_info("peername") or ("127.0.0.1", 0)
        return CliShell(self.device, self._conn.get_extra_info("username") or "", str(peer[0]),
                        self.enable_password, self.faults)
