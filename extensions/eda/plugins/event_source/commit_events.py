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
  - Listens for commit syslog (RFC 5424 or RFC 3164, Junos C(UI_COMMIT_COMPLETED), IOS and EOS
    C(%SYS-5-CONFIG_I), NX-OS C(%VSHD-5-VSHD_SYSLOG_CONFIG_I), IOS-XR C(%MGBL-CONFIG-6-DB_COMMIT)) over UDP
    and optionally TCP (RFC 6587 framing), and reads the store inbox the callback plugin fills.
  - Only devices known to the store count; other sources are dropped, counted and recorded.
  - Alarms (docs/federation-api.md) - a commit notification from an unknown source raises an
    C(unknown_source) alarm; syslog of a device at severity err or worse raises a C(device_syslog)
    alarm (send those messages to the listener too, for example C(match) of the syslog stanza).
    They are written with the notification records, with a C(commits_notified) metric point per device.
  - >-
    The damper (docs/auto-resync.md) decides when a resync runs. All devices due at the same
    moment come as one event
    C({"netsync": {"type": "resync", "devices": [...], "job_ids": {...}, "limit": "r1,r2"}}).
  - Decisions are persisted in the store; a restart loses no pending or running job.
  - With O(netconf_notifications), keeps an RFC 5277 subscription on the C(NETCONF) stream of
    every generic (not Junos) device whose auto-resync is set (M(netsync.fleet.auto_resync)
    C(state=enabled) or C(disabled)); each RFC 6470 C(netconf-config-change) is a commit
    notification of that device. Lost sessions reconnect with capped exponential backoff with
    jitter; a subscription that comes back after a loss counts as one notification (commits
    made meanwhile were not seen).
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
  batch_window:
    description:
      - Seconds a due resync job waits for others that become due within that time, so that
        they go out as one event (one playbook run with all their hosts). 0 sends each at once.
    type: float
    default: 1.0
  batch_hold:
    description:
      - Seconds at most that due jobs wait while the jobs of the previous event have not all
        started (the runner has not taken that run yet, for example behind another run under
        ansible-rulebook's sequential execution). They then go out together in one event.
        0 turns this off.
    type: float
    default: 60
  flush_delay:
    description: Seconds within which received notifications are written to the store.
    type: float
    default: 0.05
  syslog_match_hostname:
    description:
      - Map syslog from an address that is no device's address by the hostname in the message
        (for devices that send syslog from another interface than their NETCONF address).
      - Off by default; a hostname is easily forged. Messages from a device's own address are
        always accepted, and several devices behind one address are told apart by hostname.
    type: bool
    default: false
  netconf_notifications:
    description:
      - Subscribe to the NETCONF notifications of generic devices with auto-resync set
        (C(netsync.fleet.auto_resync) with C(state=enabled) or C(disabled)).
    type: bool
    default: true
  inventory:
    description:
      - Ansible inventory (file or directory) the listener reads the devices' connection settings
        from, the same variables the modules use (C(ansible_host), C(ansible_port),
        C(ansible_user), C(ansible_password), C(ansible_ssh_private_key_file),
        C(netsync_known_hosts_file), C(netsync_host_key_checking)); templates and vault are
        resolved by ansible-core (vault password from C(ANSIBLE_VAULT_PASSWORD_FILE)).
      - ansible-rulebook does not pass its C(-i) inventory to event sources: give the same path here.
      - Unset or empty, the store's host and port are used with the listener user's SSH keys
        and C(~/.ssh/known_hosts). Secrets are kept in memory only, never stored or logged.
    type: str
  netconf_keepalive:
    description: Seconds between keepalives on a subscribed session (an empty C(get-config) when
      the device supports C(:interleave), SSH keepalives otherwise).
    type: float
    default: 30
  netconf_max_backoff:
    description: Upper limit, in seconds, of the delay between reconnect attempts (1 s, doubling, jittered).
    type: float
    default: 300
  netconf_refresh:
    description: Seconds between re-reads of the store's devices and the inventory (new, removed,
      enabled and disabled devices are picked up then).
    type: float
    default: 30
"""

EXAMPLES = r"""
- name: Auto-resync
  hosts: all
  sources:
    - netsync.fleet.commit_events:
        store: /var/lib/netsync/fleet.db
        syslog_udp: 0.0.0.0:5514
        syslog_tcp: 0.0.0.0:5514
        netconf_notifications: true
        inventory: /etc/netsync/inventory.yml
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
        from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import core as listener
    except ImportError:
        paths = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
        extra = [p for p in paths.split(os.pathsep) if p]
        here = Path(__file__).absolute()
        for parent in here.parents:  # inside a collections path, or a repo with .collections/
            for root in (parent, parent / ".collections"):
                if (root / "ansible_collections" / "netsync" / "fleet").is_dir():
                    extra.append(str(root))
        sys.path[:0] = [p for p in extra if p not in sys.path]
        from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import core as listener
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


def _non_negative(value: Any, what: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a number of seconds, 0 or more, got {value!r}.")
    return number


def _flag(value: Any, what: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{what} must be true or false, got {value!r}.")


def _inventory(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"inventory must be the path of an Ansible inventory file or directory, got {value!r}.")
    path = os.path.expanduser(value)
    if not os.path.exists(path):
        raise ValueError(f"inventory {value!r} does not exist (give the file or directory ansible-rulebook "
                         "gets with -i).")
    return path


def parse_args(args: dict[str, Any]) -> dict[str, Any]:
    """Validated arguments; raises ValueError with a clear sentence."""
    known = {"store", "syslog_udp", "syslog_tcp", "syslog_match_hostname", "tick", "job_timeout", "flush_delay",
             "batch_window", "batch_hold",
             "netconf_notifications",
             "inventory", "netconf_keepalive", "netconf_max_backoff", "netconf_refresh"}
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
        "batch_window": _non_negative(args.get("batch_window"), "batch_window", 1.0),
        "batch_hold": _non_negative(args.get("batch_hold"), "batch_hold", 60.0),
        "match_hostname": _flag(args.get("syslog_match_hostname"), "syslog_match_hostname", False),
        "netconf": _flag(args.get("netconf_notifications"), "netconf_notifications", True),
        "inventory": _inventory(args.get("inventory")),
        "netconf_keepalive": _seconds(args.get("netconf_keepalive"), "netconf_keepalive", 30.0),
        "netconf_max_backoff": _seconds(args.get("netconf_max_backoff"), "netconf_max_backoff", 300.0),
        "netconf_refresh": _seconds(args.get("netconf_refresh"), "netconf_refresh", 30.0),
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

    def netconf(self, device: str, data: bytes, at: float, resubscribed: bool = False) -> None:
        try:
            self.listener.ingest_netconf(device, data, at, resubscribed)
        except Exception:  # a bad notification or a store hiccup never stops the listener
            self.listener.counters["errors"] += 1
            LOG.exception("netsync.fleet.commit_events: failed to handle a NETCONF notification of %s", device)
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


def _netconf(opts: dict[str, Any], store: Any, receiver: _Receiver) -> Any:
    """The NETCONF subscriber, or None when netconf_notifications is off."""
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import notify_inventory as inv
    if not opts["netconf"]:
        wanted, _missing = inv.wanted_targets(store, None)
        if wanted:
            LOG.warning("netsync.fleet.commit_events: %d generic device(s) have auto-resync set (%s) but "
                        "netconf_notifications is off: their commits are not notified", len(wanted),
                        ", ".join(sorted(wanted)[:10]))
        return None
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify_runner import NetconfSubscriber
    LOG.info("netsync.fleet.commit_events: NETCONF notifications on (inventory: %s)", opts["inventory"] or "none")
    return NetconfSubscriber(store, receiver.netconf, inventory=opts["inventory"],
                             keepalive=opts["netconf_keepalive"], max_backoff=opts["netconf_max_backoff"],
                             refresh=opts["netconf_refresh"])


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Run the listener until cancelled."""
    opts = parse_args(args)
    mod = _import_listener()
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.syslog import SyslogStreamDecoder
    from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store

    store = open_store(opts["store"])
    transports: list[Any] = []
    server: Optional[asyncio.AbstractServer] = None
    listener: Any = None
    netconf: Any = None
    netconf_task: Optional[asyncio.Task[None]] = None
    try:
        listener = mod.Listener(store, job_timeout=opts["job_timeout"], match_hostname=opts["match_hostname"],
                                batch_window=opts["batch_window"], batch_hold=opts["batch_hold"])
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
        netconf = _netconf(opts, store, receiver)
        if netconf is not None:
            netconf_task = asyncio.create_task(netconf.run())
        await _periodic(listener, receiver, queue, opts["tick"])
    except asyncio.CancelledError:
        raise
    finally:
        if netconf_task is not None:
            netconf_task.cancel()
            await asyncio.gather(netconf_task, return_exceptions=True)
        if netconf is not None:
            netconf.close()
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
