# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netsync.fleet.commit_events: commit notifications in, damped resync events out."""
from __future__ import annotations

import asyncio
import math
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

DOCUMENTATION = r"""
---
short_description: Receive device commit notifications and emit damped resync events.
description:
  - Listens for commit syslog (RFC 5424 or RFC 3164, Junos C(UI_COMMIT_COMPLETED)) over UDP
    and optionally TCP (RFC 6587 framing), and reads the store inbox the callback plugin fills.
  - Only devices known to the store count; other sources are dropped, counted and recorded.
  - The damper (docs/auto-resync.md) decides when a resync runs. All devices due at the same
    moment come as one event
    C({"netsync": {"type": "resync", "devices": [...], "job_ids": {...}, "limit": "r1,r2"}}).
  - Decisions are persisted in the store; a restart loses no pending or running job.
options:
  store:
    description: Store URL or SQLite path. Empty or unset means C($NETSYNC_STORE), else C(~/.netsync/fleet.db).
    type: str
  syslog_udp:
    description: C(host:port) to receive syslog on over UDP; empty to disable.
    type: str
    default: 127.0.0.1:5514
  syslog_tcp:
    description: C(host:port) to receive syslog on over TCP; not listening when unset or empty.
    type: str
  tick:
    description: Seconds between runs of the scheduler, inbox and jobs-table polling.
    type: float
    default: 1.0
  job_timeout:
    description: Seconds after which a dispatched job that has not reported back counts as failed.
    type: float
    default: 600
  flush_delay:
    description: Seconds within which received notifications are written to the store.
    type: float
    default: 0.05
"""

EXAMPLES = r"""
- name: Auto-resync
  hosts: all
  sources:
    - netsync.fleet.commit_events:
        store: /var/lib/netsync/fleet.db
        syslog_udp: 0.0.0.0:5514
        syslog_tcp: 0.0.0.0:5514
  rules:
    - name: Resync
      condition: event.netsync.type == "resync"
      action:
        run_playbook:
          name: netsync.fleet.resync
"""

LOG = logging.getLogger("netsync.fleet.commit_events")


def _import_listener() -> Any:
    try:
        from ansible_collections.netsync.fleet.plugins.module_utils import listener
    except ImportError:
        paths = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
        extra = [p for p in paths.split(os.pathsep) if p]
        here = Path(__file__).absolute()
        for parent in here.parents:  # inside a collections path, or a repo with .collections/
            for root in (parent, parent / ".collections"):
                if (root / "ansible_collections" / "netsync" / "fleet").is_dir():
                    extra.append(str(root))
        sys.path[:0] = [p for p in extra if p not in sys.path]
        from ansible_collections.netsync.fleet.plugins.module_utils import listener
    return listener


def _endpoint(value: Any, what: str) -> Optional[tuple[str, int]]:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or ":" not in value:
        raise ValueError(f"{what} must be 'host:port' (for example 127.0.0.1:5514), got {value!r}.")
    host, _sep, port_text = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{what} must be 'host:port' with a port from 0 to 65535, got {value!r}.")
    return host, int(port_text)


def _seconds(value: Any, what: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, got {value!r}.")
    return number


def parse_args(args: dict[str, Any]) -> dict[str, Any]:
    """Validated arguments; raises ValueError with a clear sentence."""
    known = {"store", "syslog_udp", "syslog_tcp", "tick", "job_timeout", "flush_delay"}
    unknown = sorted(set(args) - known - {"eda_source_name"})
    unknown = [k for k in unknown if not k.startswith("_")]
    if unknown:
        raise ValueError(f"Unknown argument(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    store = args.get("store") or None  # empty: $NETSYNC_STORE or the default path
    if store is not None and (not isinstance(store, str) or not store):
        raise ValueError(f"store must be a store URL or SQLite path, got {store!r}.")
    return {
        "store": store,
        "udp": _endpoint(args.get("syslog_udp", "127.0.0.1:5514"), "syslog_udp"),
        "tcp": _endpoint(args.get("syslog_tcp"), "syslog_tcp"),
        "tick": _seconds(args.get("tick"), "tick", 1.0),
        "job_timeout": _seconds(args.get("job_timeout"), "job_timeout", 600.0),
        "flush_delay": _seconds(args.get("flush_delay"), "flush_delay", 0.05),
    }


class _Receiver:
    """Feeds received syslog to the listener and flushes soon after."""

    def __init__(self, listener: Any, flush_delay: float) -> None:
        self.listener = listener
        self.flush_delay = flush_delay
        self._flush: Optional[asyncio.TimerHandle] = None

    def line(self, data: bytes, addr: str, transport: str) -> None:
        try:
            self.listener.ingest_syslog(data, addr, time.time(), transport)
        except Exception:  # a bad line or a store hiccup never stops the listener
            self.listener.counters["errors"] += 1
            LOG.exception("netsync.fleet.commit_events: failed to handle a message from %s", addr)
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(self.flush_delay, self.flush)

    def flush(self) -> None:
        self._flush = None
        try:
            self.listener.flush()
        except Exception:
            self.listener.counters["errors"] += 1
            LOG.exception("netsync.fleet.commit_events: store write failed; will retry")


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, receiver: _Receiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.receiver.line(data, str(addr[0]), "udp")


def _tcp_handler(receiver: _Receiver, decoder_cls: Any) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        addr = str(peer[0]) if peer else "unknown"
        decoder = decoder_cls()
        try:
            while True:
                data = await reader.read(65536)
                frames = decoder.feed(data) if data else decoder.close()
                for frame in frames:
                    receiver.line(frame, addr, "tcp")
                if not data:
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
    return handle


async def _periodic(listener: Any, receiver: _Receiver, queue: asyncio.Queue[Any], tick: float) -> None:
    while True:
        try:
            now = time.time()
            listener.ingest_inbox(now)
            listener.poll_jobs(now)
            events = listener.tick(now)
        except Exception:
            listener.counters["errors"] += 1
            LOG.exception("netsync.fleet.commit_events: scheduler pass failed; retrying")
            events = []
        for event in events:
            LOG.info("netsync.fleet.commit_events: resync %s", event["netsync"]["limit"])
            await queue.put(event)
        wake = listener.next_wakeup()
        delay = tick if wake is None else min(tick, max(wake - time.time(), 0.01))
        await asyncio.sleep(delay)


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Run the listener until cancelled."""
    opts = parse_args(args)
    mod = _import_listener()
    from ansible_collections.netsync.fleet.plugins.module_utils.commit_syslog import SyslogStreamDecoder
    from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store

    store = open_store(opts["store"])
    transports: list[Any] = []
    server: Optional[asyncio.AbstractServer] = None
    listener: Any = None
    try:
        listener = mod.Listener(store, job_timeout=opts["job_timeout"])
        listener.refresh(time.time())
        receiver = _Receiver(listener, opts["flush_delay"])
        loop = asyncio.get_running_loop()
        if opts["udp"] is not None:
            transport, _protocol = await loop.create_datagram_endpoint(lambda: _Udp(receiver), local_addr=opts["udp"])
            transports.append(transport)
            LOG.info("netsync.fleet.commit_events: syslog UDP on %s:%s", *opts["udp"])
        if opts["tcp"] is not None:
            server = await asyncio.start_server(_tcp_handler(receiver, SyslogStreamDecoder), *opts["tcp"])
            LOG.info("netsync.fleet.commit_events: syslog TCP on %s:%s", *opts["tcp"])
        await _periodic(listener, receiver, queue, opts["tick"])
    except asyncio.CancelledError:
        raise
    finally:
        for transport in transports:
            transport.close()
        if server is not None:
            server.close()
        try:
            if listener is not None:
                listener.flush()
        except Exception:  # pylint: disable=broad-except
            LOG.exception("netsync.fleet.commit_events: final store write failed")
        store.close()


if __name__ == "__main__":

    class MockQueue(asyncio.Queue[Any]):
        async def put(self, item: Any) -> None:
            print(item, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(MockQueue(), {"syslog_udp": os.environ.get("NETSYNC_SYSLOG_UDP", "127.0.0.1:5514")}))
