# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device access: the only code that talks to devices (NETCONF over SSH, ncclient).

``open_session(target)`` connects, detects the platform from the hello
(``junos`` or generic ``netconf``) and returns a ``DeviceSession`` with
``facts()``, ``read_config()`` and, for auto-resync, ``load_and_commit()``.
Every failure is a ``DeviceError`` whose ``kind`` names it: unreachable,
auth_failed, host_key_unknown, host_key_mismatch, timeout, rpc_error,
malformed_reply, unsupported.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.device._transport import (
    DEFAULT_FIRST_REPLY_WAIT, DEFAULT_MAX_REPLY, DEFAULT_TICK, session_class,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.types import (
    CommitInfo, ConfigRead, DeviceError, KnownCommit,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.platforms import (
    GenericPlatform, JunosPlatform, Platform,
)
from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import is_internal_error
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import XMLError

PLATFORMS = ("auto", "junos", "netconf")
CLOSE_WAIT = 2.0  # seconds a healthy device gets to answer close-session
JUNOS_CAPABILITY = "http://xml.juniper.net/netconf/junos/1.0"


@dataclass
class Target:
    """How to reach one device. Never stored, never logged (password is not in repr)."""

    name: str
    host: str
    port: int = 830
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    key_file: Optional[str] = None
    platform: str = "auto"
    host_key_checking: bool = True
    known_hosts_file: Optional[str] = None
    timeout: float = 30.0
    max_reply: int = DEFAULT_MAX_REPLY  # bytes of one reply, bounded while it arrives


def _env_seconds(name: str, default: float) -> float:
    """A tuning knob from the environment (benchmarks); a bad or negative value means the default."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


def classify(exc: BaseException, target: Target, opening: bool = False) -> DeviceError:
    """Name an exception raised while talking to a device (``opening``: while opening the session)."""
    if isinstance(exc, DeviceError):
        return exc
    from ncclient.operations.errors import TimeoutExpiredError  # type: ignore[import-untyped]
    from ncclient.operations.rpc import RPCError  # type: ignore[import-untyped]
    from ncclient.transport.errors import (  # type: ignore[import-untyped]
        AuthenticationError, SessionCloseError, SSHUnknownHostError,
    )
    where = "%s (%s:%s)" % (target.name, target.host, target.port)
    if isinstance(exc, SSHUnknownHostError):
        if _known_host(target):
            return DeviceError("host_key_mismatch", "the SSH host key of %s does not match known_hosts; "
                               "if the device was replaced, update known_hosts" % where)
        return DeviceError("host_key_unknown", "the SSH host key of %s is not in known_hosts (%s); add it "
                           "or set netsync_host_key_checking: false" % (where, target.known_hosts_file
                                                                        or "~/.ssh/known_hosts"))
    if isinstance(exc, AuthenticationError):
        return DeviceError("auth_failed", "authentication failed for user %r on %s" % (target.username, where))
    if isinstance(exc, (TimeoutExpiredError, socket.timeout, TimeoutError)):
        return DeviceError("timeout", "no answer from %s within %ss" % (where, target.timeout))
    if isinstance(exc, RPCError):
        return DeviceError("rpc_error", "%s answered rpc-error: %s" % (where, (exc.message or str(exc)).strip()))
    if isinstance(exc, XMLError):
        return DeviceError("malformed_reply", "%s sent a reply that is not usable XML: %s" % (where, exc))
    text = str(exc) or type(exc).__name__
    if opening and isinstance(exc, SessionCloseError) and "IN_BUFFER" not in text:
        # closed before a byte of hello: SSH answered, no NETCONF server did (it is down), nothing was malformed
        return DeviceError("unreachable", "cannot reach the NETCONF server of %s: the session closed before "
                                          "its hello" % where)
    if isinstance(exc, SessionCloseError) or "XML" in text or "xml" in text or "parse" in text.lower():
        return DeviceError("malformed_reply", "%s closed the session or sent unparseable data: %s"
                           % (where, text.strip().splitlines()[0][:300]))
    if isinstance(exc, (ConnectionError, OSError)) or "socket" in text.lower() or "connect" in text.lower():
        return DeviceError("unreachable", "cannot reach %s: %s" % (where, text.strip().splitlines()[0][:300]))
    return DeviceError("malformed_reply", "%s: unexpected reply (%s: %s)" % (where, type(exc).__name__, text[:300]))


def _known_host(target: Target) -> bool:
    import paramiko  # type: ignore[import-untyped]
    keys = paramiko.HostKeys()
    for path in (target.known_hosts_file, os.path.expanduser("~/.ssh/known_hosts")):
        if path and os.path.exists(path):
            try:
                keys.load(path)
            except (IOError, paramiko.SSHException):
                continue
    return bool(keys.lookup(target.host) or keys.lookup("[%s]:%s" % (target.host, target.port)))


class DeviceSession:
    """An open NETCONF session to one device."""

    def __init__(self, target: Target, manager: Any, platform: Platform) -> None:
        self.target = target
        self.manager = manager
        self.platform = platform
        self.broken = False  # a failed RPC: close without asking the device

    @property
    def platform_name(self) -> str:
        return self.platform.name

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except DeviceError:
            self.broken = True
            raise
        except Exception as exc:
            self.broken = True
            if is_internal_error(exc):  # a bug in our code: an internal error, never a device fault
                raise
            raise classify(exc, self.target) from exc
        except BaseException:  # a stop signal cut the RPC short: its reply is still due, ask nothing more
            self.broken = True
            raise

    def facts(self) -> dict[str, Any]:
        return dict(self._guard(self.platform.facts, self.manager))

    def read_config(self, known: Optional[KnownCommit] = None) -> ConfigRead:
        """The committed configuration; ``known``: the store's latest snapshot (``Platform.read_config``)."""
        return self._guard(self.platform.read_config, self.manager, known)  # type: ignore[no-any-return]

    def last_commit(self) -> Optional[CommitInfo]:
        """The device's last commit (time, user, comment) without reading the configuration."""
        return self._guard(self.platform.last_commit, self.manager)  # type: ignore[no-any-return]

    def load_and_commit(self, config_xml: str, action: str, comment: str) -> None:
        self._guard(self.platform.load_and_commit, self.manager, config_xml, action, comment)

    def restore(self, fmt: str, config: str, comment: str, confirm_timeout: int) -> str:
        """Put a stored configuration back (the platform's safe mechanism); returns how it committed."""
        return str(self._guard(self.platform.restore, self.manager, fmt, config, comment, confirm_timeout))

    def close(self) -> None:
        """Say goodbye to a healthy device (briefly); close the transport hard in every case.

        After a failure (a timeout, a reply too large) the session is not asked anything more,
        so a stuck device costs the stated timeout once, not twice.
        """
        transport = getattr(self.manager, "_session", None)
        try:
            if not self.broken:
                self.manager.timeout = min(float(self.target.timeout), CLOSE_WAIT)
                self.manager.close_session()
        except Exception:
            pass
        finally:
            if transport is not None and getattr(transport, "connected", False):
                try:
                    transport.close()
                except Exception:
                    pass

    def __enter__(self) -> "DeviceSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_session(target: Target) -> DeviceSession:
    """Connect to a device and pick its platform (``target.platform`` or the hello's capabilities)."""
    if target.platform not in PLATFORMS:
        raise DeviceError("unsupported", "platform %r is not one of %s" % (target.platform, ", ".join(PLATFORMS)))
    from ncclient import manager as nc_manager  # type: ignore[import-untyped]

    # The default handler for every platform: replies are read by local name, Junos included.
    device_handler = nc_manager.make_device_handler({"name": "default"}, None)
    session = session_class(_env_seconds("NETSYNC_NCCLIENT_TICK", DEFAULT_TICK),
                            _env_seconds("NETSYNC_FIRST_REPLY_WAIT", DEFAULT_FIRST_REPLY_WAIT),
                            target.max_reply)(device_handler)
    try:
        if target.host_key_checking and target.known_hosts_file:
            session.load_known_hosts(os.path.expanduser(target.known_hosts_file))
        session.connect(host=target.host, port=int(target.port), timeout=target.timeout,
                        username=target.username, password=target.password, key_filename=target.key_file,
                        hostkey_verify=target.host_key_checking,
                        # no password and no key file: the SSH agent (AWX/AAP machine credentials
                        # load keys into one) and the user's default keys
                        allow_agent=not (target.password or target.key_file),
                        look_for_keys=not (target.password or target.key_file))
        manager = nc_manager.Manager(session, device_handler, timeout=target.timeout)
    except BaseException as exc:  # a stop signal too: its SSH thread and socket go with it
        try:
            if session.transport:
                session.close()
        except Exception:
            pass
        if not isinstance(exc, Exception) or is_internal_error(exc):
            raise
        raise classify(exc, target, opening=True) from exc
    caps = list(manager.server_capabilities)
    name = target.platform
    if name == "auto":
        name = "junos" if any(c.startswith(JUNOS_CAPABILITY) for c in caps) else "netconf"
    platform: Platform = JunosPlatform() if name == "junos" else GenericPlatform(caps)
    return DeviceSession(target, manager, platform)
