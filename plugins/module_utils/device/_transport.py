# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: ncclient's SSH session, fast for our sessions only, and never losing the first RPC.

ncclient's session loop sleeps up to the module global ``TICK`` (0.1 s) before it sends a
queued RPC, which costs ~100 ms per round trip. Lowering that global would change every
ncclient session of the process (another plugin's too), so our session class runs
ncclient's own loop with a tick of its own instead.

A fast first RPC has a cost: netconfd (yuma123 2.13) discards the bytes that arrive in the
same read as the client's ``<hello>``. When the first RPC follows the hello within a few
milliseconds and the server is loaded, it reads both at once, drops the RPC, and the session
waits for a reply that never comes (measured: 6 of 400 sessions under load). The session
itself stays usable, so ours sends the first RPC again, unchanged, when no byte at all has
come back ``first_reply_wait`` seconds after it was written (doubling each time, until a
byte arrives or the session closes). Only operations that are safe to repeat are resent;
a device that was only slow answers both: the second reply to that message-id is dropped here
(ncclient >= 0.7 fails every waiting RPC on a reply whose message-id it does not know).

Replies are bounded while they arrive: when more than ``max_reply`` bytes have come since the
last complete message, the session fails every waiting RPC with a ``malformed_reply``
``DeviceError`` and closes, before the bytes are buffered whole (an endless reply used to
grow a worker to gigabytes before the timeout).
"""
from __future__ import annotations

import functools
import os
import re
import socket
import threading
import types
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.device._known_hosts import load_for
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import DeviceError

DEFAULT_TICK = 0.002
DEFAULT_FIRST_REPLY_WAIT = 1.0
DEFAULT_MAX_REPLY = 64 * 1024 * 1024
# First RPCs that may be sent twice without changing anything on the device.
REPEATABLE = frozenset((
    "get", "get-config", "get-configuration", "get-software-information", "get-chassis-inventory",
    "get-commit-information", "get-system-uptime-information", "lock", "lock-configuration",
    "create-subscription", "get-schema",
))
_OPERATION = re.compile(r"<(?:[\w.-]+:)?rpc\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")


def operation(message: str) -> Optional[str]:
    """The operation's local name of an ``<rpc>`` message (``None`` if it is not one)."""
    found = _OPERATION.search(message[:4096])
    return found.group(1) if found else None


def _loop_with_tick(tick: float) -> Any:
    """ncclient's own ``Session.run``, reading ``TICK`` from a private copy of its globals."""
    from ncclient.transport import session as nc_session  # type: ignore[import-untyped]
    base = nc_session.Session.run
    scope = dict(base.__globals__)
    scope["TICK"] = tick
    return types.FunctionType(base.__code__, scope, base.__name__, base.__defaults__, base.__closure__)


def connected_socket(host: str, port: int, timeout: Optional[float]) -> socket.socket:
    """The TCP connection to a device as ncclient opens it (each address ``getaddrinfo`` gives, in
    turn; ``SSHError`` "Could not open socket" when none answers), with ``TCP_NODELAY`` set.

    Without it the kernel holds a small write back until the previous one is acknowledged (Nagle),
    and the device delays that acknowledgement (40 ms on Linux, more elsewhere): the SSH key exchange
    and authentication stall several times per session. Measured on loopback, a session (open, read,
    close) took 142 ms against 11 ms with the simulator, 154-171 ms against 104-110 ms with netconfd
    behind OpenSSH's sshd. OpenSSH's own client sets it for interactive sessions; paramiko and
    ncclient do not, so ours passes the socket to ncclient (its ``sock`` argument)."""
    from ncclient.transport.errors import SSHError  # type: ignore[import-untyped]

    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM):
        try:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(timeout)
        except OSError:
            continue
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect(address)
        except OSError:
            sock.close()
            continue
        return sock
    raise SSHError("Could not open socket to %s:%s" % (host, port))


_MESSAGE_ID = re.compile(r'message-id="([^"]+)"')
_REPLY_ID = re.compile(r'<(?:[A-Za-z_][\w.-]*:)?rpc-reply\b[^>]*?\bmessage-id="([^"]+)"')


def _reply_id(raw: str) -> Optional[str]:
    """The message-id of an ``<rpc-reply>`` (looked for in its first 4 KiB), else None."""
    found = _REPLY_ID.search(raw, 0, 4096)
    return found.group(1) if found else None


class ReplyTooLarge(DeviceError):
    """More than ``max_reply`` bytes arrived without completing a message."""

    def __init__(self, limit: int) -> None:
        super().__init__("malformed_reply", "the device sent more than %d bytes without ending its reply; "
                         "the session was closed" % limit)


@functools.lru_cache(maxsize=8)
def session_class(tick: float, first_reply_wait: float, max_reply: int = DEFAULT_MAX_REPLY) -> Any:
    """An ``SSHSession`` subclass: at most ``tick`` s between sends, the first RPC resent if lost,
    at most ``max_reply`` bytes buffered for one message."""
    from ncclient.transport import SSHSession  # type: ignore[import-untyped]

    class NetsyncSSHSession(SSHSession):  # type: ignore[misc]
        run = _loop_with_tick(tick)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._sent = 0
            self._answered = threading.Event()
            self._timer: Optional[threading.Timer] = None
            self._pending = 0
            self.resent = 0
            self._first_id: Optional[str] = None  # message-id of a first RPC that may be answered twice
            self._first_replies = 0
            self._where: Optional[tuple[str, int]] = None
            self._known_hosts: list[str] = []

        def load_known_hosts(self, filename: Optional[str] = None) -> None:
            """Only the lines of the host we connect to, each file parsed once (``_known_hosts``)."""
            if filename is None:  # ncclient's defaults: the first of these that can be read
                for default in ("~/.ssh/known_hosts", "~/ssh/known_hosts"):
                    if os.path.isfile(os.path.expanduser(default)):
                        self.load_known_hosts(os.path.expanduser(default))
                        return
                return
            if self._where is None:
                self._known_hosts.append(filename)  # loaded in connect(), once the host is known
            else:
                load_for(self._host_keys, filename, *self._where)

        def connect(self, host: str, port: int = 830, *args: Any, **kwargs: Any) -> None:
            self._where = (host, int(port))
            for path in self._known_hosts:
                load_for(self._host_keys, path, host, int(port))
            own = not (args or kwargs.get("sock") or kwargs.get("sock_fd") or kwargs.get("ssh_config"))
            if own:  # ncclient would open it without TCP_NODELAY
                kwargs["sock"] = connected_socket(host, int(port), kwargs.get("timeout"))
            try:
                super().connect(host, port, *args, **kwargs)
            except BaseException:
                if own and getattr(self, "_transport", None) is None:
                    kwargs["sock"].close()  # no transport took it over
                raise

        def send(self, message: str) -> None:
            super().send(message)
            self._sent += 1
            # message 1 is our hello; message 2 is the first RPC
            if self._sent == 2 and first_reply_wait > 0 and operation(message) in REPEATABLE:
                found = _MESSAGE_ID.search(message)
                self._first_id = found.group(1) if found else None
                self._arm(message, first_reply_wait)

        def _arm(self, message: str, wait: float) -> None:
            timer = threading.Timer(wait, self._resend, (message, wait))
            timer.daemon = True
            self._timer = timer
            timer.start()

        def _resend(self, message: str, wait: float) -> None:
            if self._answered.is_set() or not self.connected:
                return
            self.resent += 1
            self.logger.info("no reply to the first RPC after %.1fs: sending it again", wait)
            self._q.put(message)
            self._arm(message, wait * 2)

        def _dispatch_message(self, raw: str) -> None:
            self._pending = 0
            if self.resent and self._first_id is not None and _reply_id(raw) == self._first_id:
                self._first_replies += 1
                if self._first_replies > 1:  # the resent first RPC answered too: taken once
                    self.logger.debug("dropping a second reply to the resent first RPC")
                    return
            super()._dispatch_message(raw)

        def _transport_read(self) -> bytes:
            data: bytes = super()._transport_read()
            self._pending += len(data)
            if self._pending > max_reply:
                raise ReplyTooLarge(max_reply)  # the session loop fails the waiting RPCs and closes
            if data and self._sent >= 2 and not self._answered.is_set():
                self._answered.set()
                if self._timer is not None:
                    self._timer.cancel()
            return data

        def close(self) -> None:
            self._answered.set()
            if self._timer is not None:
                self._timer.cancel()
            super().close()

    return NetsyncSSHSession
