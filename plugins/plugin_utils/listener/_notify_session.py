# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: the I/O part of NETCONF notifications (see ``netconf_notify``).

``NcclientSubscription(name, target, deliver, keepalive)`` runs one thread per
device: it opens a session with ``netconf.open_session`` (host keys checked as for
a resync), sends ``<create-subscription>`` on the ``NETCONF`` stream and reads
ncclient's notification queue (``Manager.take_notification``). Every notification
goes to ``deliver(name, xml_bytes, received_at)`` from that thread: the caller
hands it to its event loop with ``loop.call_soon_threadsafe``. A keepalive RPC (an
empty ``get-config``) runs every ``keepalive`` seconds when the device supports
``:interleave``; without it only SSH keepalives are sent. When the session dies,
``state`` becomes ``down`` and ``error``/``message`` say why (never a credential).
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import (
    internal_error_message, internal_traceback, is_internal_error,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import (
    DeviceError, DeviceSession, Target, classify, open_session,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import STREAM

__all__ = ["NcclientSubscription", "READ_TIMEOUT"]

Deliver = Callable[[str, bytes, float], None]
READ_TIMEOUT = 1.0  # seconds between checks of the session (and of close())
_KEEPALIVE_FILTER = '<netsync-keepalive xmlns="urn:netsync:keepalive"/>'
NOTIFICATION_CAP = "urn:ietf:params:netconf:capability:notification:1.0"
INTERLEAVE_CAP = "urn:ietf:params:netconf:capability:interleave:1.0"
# A config-change notification is a few KiB (parse_notification refuses more than 1 MiB): a
# subscription's session stops reading an endless one at 2 MiB instead of buffering it.
MAX_MESSAGE = 2 * 1024 * 1024
_LOG = logging.getLogger(__name__)


class NcclientSubscription:
    """One device's subscription, in its own daemon thread; see the module docstring."""

    def __init__(self, name: str, target: Target, deliver: Deliver, keepalive: float = 30.0,
                 opener: Callable[[Target], DeviceSession] = open_session) -> None:
        self.name = name
        self.target = dataclasses.replace(target, max_reply=min(target.max_reply, MAX_MESSAGE))
        self.state = "connecting"
        self.subscribed = False
        self.error: Optional[str] = None
        self.message = ""
        self.received = 0
        self._deliver = deliver
        self._keepalive = keepalive
        self._opener = opener
        self._stop = threading.Event()
        self._session: Optional[DeviceSession] = None
        self._thread = threading.Thread(target=self._run, name="netsync-notify-%s" % name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop reading; the thread closes the session within READ_TIMEOUT."""
        self._stop.set()

    def join(self, timeout: Optional[float] = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _down(self, kind: str, message: str) -> None:
        self.error, self.message = kind, message
        self.state = "down"

    def _internal(self, exc: BaseException) -> None:
        """A bug of ours, not a device fault: logged with its traceback; the listener goes on."""
        self._down("internal", internal_error_message(exc))
        _LOG.error("subscription to %s: %s\n%s", self.name, self.message, internal_traceback(exc))

    def _run(self) -> None:
        try:
            session = self._opener(self.target)
        except DeviceError as exc:
            self._down(exc.kind, str(exc))
            return
        except Exception as exc:  # open_session classifies; anything else is still a failure
            if is_internal_error(exc):
                self._internal(exc)
            else:
                self._down("unreachable", "%s: %s" % (type(exc).__name__, str(exc)[:300]))
            return
        self._session = session
        try:
            self._subscribe_and_read(session)
        except DeviceError as exc:
            self._down(exc.kind, str(exc))
        except Exception as exc:
            if is_internal_error(exc):
                self._internal(exc)
            else:
                err = classify(exc, self.target)
                self._down(err.kind, str(err))
        finally:
            session.close()
            if self.state != "down":
                self._down("closed", "subscription closed")

    def _subscribe_and_read(self, session: DeviceSession) -> None:
        manager = session.manager
        caps = [str(c) for c in manager.server_capabilities]
        if not any(c.startswith(NOTIFICATION_CAP) for c in caps):
            raise DeviceError("unsupported", "%s does not advertise :notification (RFC 5277)" % self.name)
        interleave = any(c.startswith(INTERLEAVE_CAP) for c in caps)
        transport = getattr(getattr(manager, "_session", None), "transport", None)
        if transport is not None and hasattr(transport, "set_keepalive"):
            transport.set_keepalive(max(int(self._keepalive), 1))  # SSH-level keepalive packets
        manager.create_subscription(stream_name=STREAM)
        self.subscribed = True
        self.state = "up"
        last_check = time.monotonic()
        while not self._stop.is_set():
            notification = manager.take_notification(block=True, timeout=READ_TIMEOUT)
            if notification is not None:
                self.received += 1
                self._deliver(self.name, _raw(notification), time.time())
                continue
            if not manager.connected:
                raise DeviceError("unreachable", "%s closed the NETCONF session" % self.name)
            if interleave and time.monotonic() - last_check >= self._keepalive:
                self._check(manager)
                last_check = time.monotonic()
        self._down("closed", "subscription closed")

    def _check(self, manager: Any) -> None:
        """Keepalive: any reply (data or rpc-error) shows the session is alive."""
        from ncclient.operations.rpc import RPCError  # type: ignore[import-untyped]
        try:
            manager.get_config(source="running", filter=("subtree", _KEEPALIVE_FILTER))
        except RPCError:
            pass


def _raw(notification: Any) -> bytes:
    raw = notification.notification_xml
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
