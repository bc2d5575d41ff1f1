"""SSH side of the Junos simulator: asyncssh server, authentication, NETCONF 1.0 framing."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncssh

from tests.sims.junos_config import ConfigError, parse_xml
from tests.sims.junos_device import JunosDevice
from tests.sims.junos_rpc import NC_NS, Handler, SessionInfo

LOG = logging.getLogger(__name__)
EOM = b"]]>]]>"
CAPABILITIES = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:netconf:capability:validate:1.0",
    "urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
    "urn:ietf:params:xml:ns:netconf:base:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:candidate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:validate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:url:1.0?protocol=http,ftp,file",
    "http://xml.juniper.net/netconf/junos/1.0",
    "http://xml.juniper.net/dmi/system/1.0",
)
_SESSION_IDS = itertools.count(20001)


@dataclass
class Faults:
    """Failures to inject, settable at any time from any thread.

    ``malformed_reply`` breaks the next reply only (then resets itself);
    ``rpc_error_on`` names an RPC (e.g. ``get-configuration``) that answers rpc-error;
    ``delay`` seconds pass before each reply; ``reject_auth`` refuses every login;
    ``drop_first_rpc`` sessions to come lose their first RPC without an answer, as netconfd
    (yuma123 2.13) does when that RPC arrives in the same read as the client's hello;
    ``endless_reply`` answers the next RPC with a reply that never ends (64 KiB chunks, as
    fast as the client reads, until the session closes).
    """

    malformed_reply: bool = False
    rpc_error_on: str | None = None
    delay: float = 0.0
    reject_auth: bool = False
    drop_first_rpc: int = 0
    endless_reply: bool = False


class SimCore:
    """Everything the SSH server needs from one simulator."""

    def __init__(
        self,
        device: JunosDevice,
        handler: Handler,
        users: Mapping[str, str],
        authorized_keys: Mapping[str, Sequence[asyncssh.SSHKey]],
    ) -> None:
        self.device = device
        self.handler = handler
        self.users = dict(users)
        self.authorized_keys = {u: [k.public_data for k in keys] for u, keys in authorized_keys.items()}
        self.faults = Faults()
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.sessions = 0
        self.rpcs_received = 0  # RPCs read off the wire (before ``delay``), all sessions
        self.operations: Counter[str] = Counter()  # operations answered, by element name, all sessions

    def hello(self, session_id: int, user: str) -> bytes:
        """The Junos server hello (with Junos' leading comments)."""
        caps = "\n".join(f"    <capability>{c}</capability>" for c in CAPABILITIES)
        text = (
            "<!-- No zombies were killed during the creation of this user interface -->\n"
            f"<!-- user {user}, class j-super-user -->\n"
            f'<hello xmlns="{NC_NS}">\n  <capabilities>\n{caps}\n  </capabilities>\n'
            f"  <session-id>{session_id}</session-id>\n</hello>\n"
        )
        return text.encode() + EOM + b"\n"


class NetconfSession(asyncssh.SSHServerSession):  # type: ignore[type-arg]
    """One NETCONF session on the ``netconf`` subsystem (base 1.0, ``]]>]]>`` framing)."""

    def __init__(self, core: SimCore, user: str) -> None:
        self._core = core
        self._info = SessionInfo(next(_SESSION_IDS), user)
        self._buf = b""
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._chan: asyncssh.SSHServerChannel | None = None  # type: ignore[type-arg]
        self._worker: asyncio.Task[None] | None = None
        self._drop_first = False

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[type-arg]
        self._chan = chan

    def shell_requested(self) -> bool:
        return False

    def exec_requested(self, command: str) -> bool:
        return command.strip() == "xml-mode netconf need-trailer"

    def subsystem_requested(self, subsystem: str) -> bool:
        return subsystem == "netconf"

    def session_started(self) -> None:
        assert self._chan is not None
        self._core.sessions += 1
        if self._core.faults.drop_first_rpc > 0:
            self._core.faults.drop_first_rpc -= 1
            self._drop_first = True
        self._chan.write(self._core.hello(self._info.session_id, self._info.user))
        self._worker = asyncio.get_running_loop().create_task(self._serve())

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self._buf += data
        while True:
            at = self._buf.find(EOM)
            if at < 0:
                break
            msg = self._buf[:at]
            if msg.strip() and b"<hello" not in msg[:200]:
                self._core.rpcs_received += 1
            self._queue.put_nowait(msg)
            self._buf = self._buf[at + len(EOM) :]

    def eof_received(self) -> bool:
        self._queue.put_nowait(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._core.sessions -= 1
        self._core.device.session_closed(self._info.session_id)
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()

    async def _serve(self) -> None:
        chan = self._chan
        assert chan is not None
        while True:
            msg = await self._queue.get()
            if msg is None:
                chan.close()
                return
            delay = self._core.faults.delay
            if delay > 0:
                await asyncio.sleep(delay)
            if self._core.faults.endless_reply and msg.strip() and b"<hello" not in msg[:200]:
                self._core.faults.endless_reply = False
                await self._endless(chan)
                return
            reply = self._answer(msg)
            if reply is None:
                continue
            if chan.is_closing():
                return
            chan.write(reply.encode() + EOM + b"\n")
            if self._info.closing:
                chan.exit(0)
                return

    @staticmethod
    async def _endless(chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[type-arg]
        chan.write(b'<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><configuration>')
        chunk = b"<system><host-name>r1</host-name></system>" * 1560  # about 64 KiB
        while not chan.is_closing():
            if chan.get_write_buffer_size() < 1024 * 1024:
                chan.write(chunk)
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(0.005)

    def _answer(self, msg: bytes) -> str | None:
        handler = self._core.handler
        if not msg.strip():
            return None
        try:
            root = parse_xml(msg)
        except ConfigError as exc:
            return handler.reply({}, handler.error(exc.message, "malformed-message", "rpc"))
        if root.tag == "hello":
            return None
        if self._drop_first:
            self._drop_first = False
            return None
        attrs = dict(root.attrib)
        ops = [c for c in root if isinstance(c.tag, str)]
        if root.tag != "rpc" or len(ops) != 1:
            return handler.reply(attrs, handler.error("syntax error", info={"bad-element": root.tag}))
        op = ops[0]
        self._core.operations[op.tag] += 1
        faults = self._core.faults
        if faults.rpc_error_on == op.tag:
            return handler.reply(
                attrs, handler.error(f"simulated failure of {op.tag}", "operation-failed", "application")
            )
        body = handler.handle(op, self._info)
        if faults.malformed_reply:
            faults.malformed_reply = False
            return handler.reply(attrs, "<configuration><interfaces></configuration>")
        return handler.reply(attrs, body)


class SimServer(asyncssh.SSHServer):
    """asyncssh server callbacks: password and public-key authentication."""

    def __init__(self, core: SimCore) -> None:
        self._core = core
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._core.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._core.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        expected = self._core.users.get(username)
        if self._core.faults.reject_auth or expected is None:
            return False
        return hmac.compare_digest(expected.encode(), password.encode())

    def public_key_auth_supported(self) -> bool:
        return bool(self._core.authorized_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if self._core.faults.reject_auth:
            return False
        return key.public_data in self._core.authorized_keys.get(username, [])

    def session_requested(self) -> NetconfSession:
        assert self._conn is not None
        return NetconfSession(self._core, self._conn.get_extra_info("username") or "")


async def listen(core: SimCore, host_key: asyncssh.SSHKey, port: int) -> asyncssh.SSHAcceptor:
    """Start listening on 127.0.0.1:port (0 = any free port)."""
    return await asyncssh.create_server(
        lambda: SimServer(core),
        "127.0.0.1",
        port,
        server_host_keys=[host_key],
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        keepalive_interval=0,
    )

