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
    jitter; a session lost less than 10 s after subscribing counts as a failed attempt, so a
    device that keeps dropping its sessions is retried less and less often. A subscription
    restored after a loss counts as one notification once it has been up for 10 s (commits
    made meanwhile were not seen), never one per reconnect.
options:
  store:
    description: Store URL or SQLite path. Empty or unset means C($NETSYNC_STORE), else C(~/.netsync/fleet.db).
    type: str
  syslog_udp:
    description: C(host:port) to receive syslog on over UDP; empty to disable.
    type: str
    default: 127.0.0.1:5514
  syslog_udp_buffer:
    description: Bytes of UDP receive buffer to ask the kernel for, so a burst is absorbed while the
      listener works. Run as root (or with CAP_NET_ADMIN) or raise C(net.core.rmem_max) to get more than
      the system's maximum; the listener logs what it got. Datagrams the kernel still drops are counted
      (C(udp:kernel-drops) in the listener's counters).
    type: int
    default: 16777216
  syslog_tcp_max_connections:
    description: At most this many TCP syslog connections at once; more are closed at once and counted
      (C(tcp:refused-over-cap)). Keep it well below the process's file descriptor limit.
    type: int
    default: 256
  syslog_tcp_idle_timeout:
    description: Seconds without a byte after which a TCP syslog connection is closed (C(tcp:closed-idle)).
    type: float
    default: 300
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
  consistency_interval:
    description:
      - Seconds between two consistency checks of each device, spread over the interval; 0 turns them
        off. A check is an event of type C(check) with the devices due, which the rulebook turns into
        C(netsync.fleet.resync only_if_changed=true). Junos devices answer with their last
        commit's metadata and are read in full only when a commit was missed (a lost UDP datagram);
        devices without commit metadata are read in full and compared by hash, 4 times less often.
    type: float
    default: 3600
  start_timeout:
    description: Seconds a dispatched job may take to start (its playbook's resync task begins) before
      it is dispatched again with a new job id (the rulebook action failed, the listener was killed
      after emitting). See rule R12 in docs/auto-resync.md.
    type: float
    default: 120
  batch_window:
    description:
      - Seconds a due resync job waits for others that become due within that time, so that
        they go out as one event (one playbook run with all their hosts). Jobs whose due times
        follow each other within this gap form one chain, which goes out when its last job is due
        (at most O(batch_span) after the first). 0 sends each at once. See rule R11 in docs/auto-resync.md.
    type: float
    default: 1.0
  batch_span:
    description:
      - Seconds at most that the first job of a chain of due jobs (O(batch_window)) waits for the
        rest of the chain, so that a burst of commits on many devices goes to one playbook run.
        0 waits O(batch_window) only.
    type: float
    default: 10
  batch_hold:
    description:
      - Seconds at most that a due job waits past its due time while a job the listener dispatched
        has not ended (its run is queued or running, for example under ansible-rulebook's sequential
        execution). The due jobs go out together in one event the moment those jobs have ended.
        0 turns this off.
    type: float
    default: 60
  leader_lease:
    description:
      - Seconds of the leader lease. Several listeners may share one store (an HA pair of EDA
        activations); only the one holding the lease dispatches jobs, the others forward what they
        receive to it through the store. When the leader dies, another takes over within this time
        (plus O(tick)). At least 3 times O(tick). See "Two listeners on one store" in docs/auto-resync.md.
    type: float
    default: 15
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
      - ansible-rulebook does not pass its C(-i) inventory to event sources; give the same path here.
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
  git_export_repo:
    description: Repository directory of M(netsync.fleet.git_export). When set, every resync and check event carries
      it (C(event.netsync.git_export_repo)); the shipped rulebook passes it to the resync playbook as
      C(netsync_git_export_repo), which exports the new snapshots to git after the resync (see
      docs/history.md). Unset or empty, nothing is exported.
    type: str
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
    _collection_on_path()
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import core as listener
    return listener


def _parsing() -> Any:
    _collection_on_path()
    from ansible_collections.netsync.fleet.plugins.module_utils.common import parsing
    return parsing


def _collection_on_path() -> None:
    """Make ``ansible_collections.netsync.fleet`` importable (a collections path, or a repo's .collections/)."""
    try:
        import ansible_collections.netsync.fleet.plugins  # noqa: F401
    except ImportError:
        paths = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
        extra = [p for p in paths.split(os.pathsep) if p]
        here = Path(__file__).absolute()
        for parent in here.parents:  # inside a collections path, or a repo with .collections/
            for root in (parent, parent / ".collections"):
                if (root / "ansible_collections" / "netsync" / "fleet").is_dir():
                    extra.append(str(root))
        sys.path[:0] = [p for p in extra if p not in sys.path]


def _endpoint(value: Any, what: str) -> Optional[tuple[str, int]]:
    if value is None or value == "":
        return None
    parsing = _parsing()
    try:
        return parsing.parse_host_port(value)  # type: ignore[no-any-return]
    except parsing.HostPortError as exc:
        if exc.bad_port:
            raise ValueError(f"{what} must be 'host:port' with a port from 0 to 65535, got {value!r}.") from None
        raise ValueError(f"{what} must be 'host:port' (for example 127.0.0.1:5514), got {value!r}.") from None


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


def _count(value: Any, what: str, default: int, minimum: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value).strip()) < minimum:
        raise ValueError(f"{what} must be a whole number, {minimum} or more, got {value!r}.")
    return int(str(value).strip())


def _flag(value: Any, what: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    try:
        return bool(_parsing().parse_flag(value))
    except ValueError:
        raise ValueError(f"{what} must be true or false, got {value!r}.") from None


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
             "start_timeout", "consistency_interval",
             "syslog_udp_buffer", "syslog_tcp_max_connections", "syslog_tcp_idle_timeout",
             "batch_window", "batch_span", "batch_hold", "leader_lease",
             "netconf_notifications",
             "inventory", "netconf_keepalive", "netconf_max_backoff", "netconf_refresh",
             "git_export_repo"}
    unknown = sorted(set(args) - known - {"eda_source_name"})
    unknown = [k for k in unknown if not k.startswith("_")]
    if unknown:
        raise ValueError(f"Unknown argument(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    tick, lease = _seconds(args.get("tick"), "tick", 1.0), _seconds(args.get("leader_lease"), "leader_lease", 15.0)
    if lease < 3 * tick:
        raise ValueError(f"leader_lease must be at least 3 times tick (it is renewed every pass), got "
                         f"{args.get('leader_lease')!r} with tick {args.get('tick', 1.0)!r}.")
    store = args.get("store") or None  # empty: $NETSYNC_STORE or the default path
    if store is not None and (not isinstance(store, str) or not store):
        raise ValueError(f"store must be a store URL or SQLite path, got {store!r}.")
    return {
        "store": store,
        "udp": _endpoint(args.get("syslog_udp", "127.0.0.1:5514"), "syslog_udp"),
        "tcp": _endpoint(args.get("syslog_tcp"), "syslog_tcp"),
        "udp_buffer": _count(args.get("syslog_udp_buffer"), "syslog_udp_buffer", 16 * 1024 * 1024, 65536),
        "tcp_max_connections": _count(args.get("syslog_tcp_max_connections"), "syslog_tcp_max_connections", 256, 1),
        "tcp_idle_timeout": _seconds(args.get("syslog_tcp_idle_timeout"), "syslog_tcp_idle_timeout", 300.0),
        "tick": _seconds(args.get("tick"), "tick", 1.0),
        "job_timeout": _seconds(args.get("job_timeout"), "job_timeout", 600.0),
        "start_timeout": _seconds(args.get("start_timeout"), "start_timeout", 120.0),
        "consistency_interval": _non_negative(args.get("consistency_interval"), "consistency_interval", 3600.0),
        "flush_delay": _seconds(args.get("flush_delay"), "flush_delay", 0.05),
        "leader_lease": _seconds(args.get("leader_lease"), "leader_lease", 15.0),
        "batch_window": _non_negative(args.get("batch_window"), "batch_window", 1.0),
        "batch_hold": _non_negative(args.get("batch_hold"), "batch_hold", 60.0),
        "batch_span": _non_negative(args.get("batch_span"), "batch_span", 10.0),
        "match_hostname": _flag(args.get("syslog_match_hostname"), "syslog_match_hostname", False),
        "netconf": _flag(args.get("netconf_notifications"), "netconf_notifications", True),
        "inventory": _inventory(args.get("inventory")),
        "netconf_keepalive": _seconds(args.get("netconf_keepalive"), "netconf_keepalive", 30.0),
        "netconf_max_backoff": _seconds(args.get("netconf_max_backoff"), "netconf_max_backoff", 300.0),
        "netconf_refresh": _seconds(args.get("netconf_refresh"), "netconf_refresh", 30.0),
        "git_export_repo": _git_export_repo(args.get("git_export_repo")),
    }


def _git_export_repo(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"git_export_repo must be the path of a git repository directory, got {value!r}.")
    return os.path.abspath(os.path.expanduser(value))


def with_git_export(event: dict[str, Any], repo: Optional[str]) -> dict[str, Any]:
    """The event, carrying ``git_export_repo`` for the resync playbook when one is set."""
    if repo and isinstance(event.get("netsync"), dict):
        event["netsync"]["git_export_repo"] = repo
    return event


def _netconf(opts: dict[str, Any], store: Any, worker: Any) -> Any:
    """The NETCONF subscriber, or None when netconf_notifications is off."""
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import notify_inventory as inv
    if not opts["netconf"]:
        wanted, _missing = inv.wanted_targets(store.devices, None)
        if wanted:
            LOG.warning("netsync.fleet.commit_events: %d generic device(s) have auto-resync set (%s) but "
                        "netconf_notifications is off: their commits are not notified", len(wanted),
                        ", ".join(sorted(wanted)[:10]))
        return None
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify_runner import NetconfSubscriber
    LOG.info("netsync.fleet.commit_events: NETCONF notifications on (inventory: %s)", opts["inventory"] or "none")
    return NetconfSubscriber(store.devices, worker.submit_netconf, inventory=opts["inventory"],
                             keepalive=opts["netconf_keepalive"], max_backoff=opts["netconf_max_backoff"],
                             refresh=opts["netconf_refresh"])


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Run the listener until cancelled."""
    opts = parse_args(args)
    mod = _import_listener()
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import receivers
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.lease import LeaderLease
    from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.worker import ListenerWorker
    from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store

    store = open_store(opts["store"], create=False)
    transports: list[Any] = []
    server: Optional[asyncio.AbstractServer] = None
    worker: Any = None
    netconf: Any = None
    netconf_task: Optional[asyncio.Task[None]] = None
    notify_store: Any = None
    try:
        listener = mod.Listener(store, job_timeout=opts["job_timeout"], start_timeout=opts["start_timeout"],
                                check_interval=opts["consistency_interval"],
                                match_hostname=opts["match_hostname"],
                                batch_window=opts["batch_window"], batch_hold=opts["batch_hold"],
                                batch_span=opts["batch_span"],
                                lease=LeaderLease(store.leases, opts["leader_lease"]))
        listener.refresh(time.time())
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(receivers.accept_error_filter(listener.counters))
        udp: Any = None

        def emit(event: dict[str, Any]) -> None:  # from the worker thread: wait until the queue took it
            asyncio.run_coroutine_threadsafe(queue.put(with_git_export(event, opts["git_export_repo"])), loop).result()

        worker = ListenerWorker(listener, emit, tick=opts["tick"], flush_delay=opts["flush_delay"],
                                on_pass=lambda: udp.poll_drops() if udp is not None else None)
        if opts["udp"] is not None:
            udp = receivers.UdpSyslog(worker.submit_line, listener.counters, opts["udp_buffer"])
            transport, _protocol = await loop.create_datagram_endpoint(lambda: udp, local_addr=opts["udp"])
            transports.append(transport)
            LOG.info("netsync.fleet.commit_events: syslog UDP on %s:%s (receive buffer %d bytes)",
                     opts["udp"][0], opts["udp"][1], udp.granted)
        if opts["tcp"] is not None:
            tcp = receivers.TcpSyslog(worker.submit_line, listener.counters, opts["tcp_max_connections"],
                                      opts["tcp_idle_timeout"])
            server = await asyncio.start_server(tcp.handle, *opts["tcp"])
            LOG.info("netsync.fleet.commit_events: syslog TCP on %s:%s (at most %d connections, idle ones "
                     "closed after %.0fs)", opts["tcp"][0], opts["tcp"][1], opts["tcp_max_connections"],
                     opts["tcp_idle_timeout"])
        worker.start()
        notify_store = open_store(opts["store"], create=False)  # its own connection: the worker thread owns `store`
        netconf = _netconf(opts, notify_store, worker)
        if netconf is not None:
            netconf_task = asyncio.create_task(netconf.run())
        while worker.alive():  # the store work runs in the worker thread; the loop only receives
            await asyncio.sleep(opts["tick"])
        raise RuntimeError("the listener's worker thread ended")
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
        if worker is not None:
            await asyncio.get_running_loop().run_in_executor(None, worker.stop)  # ingests what is left, flushes
        if notify_store is not None:
            notify_store.close()
        store.close()


if __name__ == "__main__":

    class MockQueue(asyncio.Queue[Any]):
        async def put(self, item: Any) -> None:
            print(item, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(MockQueue(), {"syslog_udp": os.environ.get("NETSYNC_SYSLOG_UDP", "127.0.0.1:5514")}))
