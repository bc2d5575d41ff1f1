# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private: runs the NETCONF subscriptions of the listener inside its asyncio loop.

``NetconfSubscriber(devices, ingest, inventory=..., ...)``; ``await run()`` until
cancelled, then ``close()``. Every ``refresh`` seconds it re-reads which devices
want a subscription (store) and their connection settings (inventory, in an
executor thread); between refreshes it polls the ``SubscriptionManager`` (every
``poll`` seconds or sooner when a retry is due). Notifications arrive in the
sessions' threads and reach ``ingest(device, data, received_at, resubscribed)``
through ``loop.call_soon_threadsafe``: ``ingest`` always runs in the loop thread,
the only one that touches the store and the listener.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify_inventory import (
    load_inventory_targets, wanted_targets,
)
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener._notify_session import (
    READ_TIMEOUT, NcclientSubscription,
)
from ansible_collections.netsync.fleet.plugins.module_utils.device.session import Target
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.notify import (
    Backoff, Subscription, SubscriptionEvent, SubscriptionManager,
)
from ansible_collections.netsync.fleet.plugins.module_utils.store import DeviceStore

__all__ = ["NetconfSubscriber"]

Ingest = Callable[[str, bytes, float, bool], None]
LOG = logging.getLogger("netsync.fleet.commit_events")


class NetconfSubscriber:
    """Keeps the listener's NETCONF subscriptions; see the module docstring."""

    def __init__(self, devices: DeviceStore, ingest: Ingest, inventory: Optional[str] = None,
                 keepalive: float = 30.0, max_backoff: float = 300.0, refresh: float = 30.0,
                 poll: float = 0.5, opener: Optional[Callable[[str, Target], Subscription]] = None) -> None:
        self.devices = devices
        self.ingest = ingest
        self.inventory = inventory
        self.keepalive = keepalive
        self.refresh_every = refresh
        self.poll_every = poll
        self.manager = SubscriptionManager(opener or self._open, time.time,
                                           Backoff(cap=max(max_backoff, 1.0)))
        self.handles: list[NcclientSubscription] = []
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._warned: set[str] = set()

    @property
    def counters(self) -> Any:
        return self.manager.counters

    def _open(self, name: str, target: Target) -> Subscription:
        handle = NcclientSubscription(name, target, self._deliver, self.keepalive)
        self.handles = [h for h in self.handles if h.state != "down"] + [handle]
        return handle

    def _deliver(self, name: str, data: bytes, at: float) -> None:
        """Called in a session thread: hand over to the loop thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self.ingest, name, data, at, False)
        except RuntimeError:  # the loop closed meanwhile
            pass

    async def refresh(self) -> None:
        """Re-read the wanted devices and their connection settings."""
        inventory: Optional[dict[str, Target]] = None
        if self.inventory is not None:
            loop = asyncio.get_running_loop()
            inventory, problems = await loop.run_in_executor(None, load_inventory_targets, self.inventory)
            for problem in problems:
                self._warn_once("inventory:" + problem, "inventory %s: %s; not subscribed" % (self.inventory, problem))
        loop = asyncio.get_running_loop()  # store reads off the event loop
        wanted, missing = await loop.run_in_executor(None, wanted_targets, self.devices, inventory)
        for name in missing:
            self.manager.counters["netconf:no-settings"] += 1
            self._warn_once("missing:" + name, "device %s is not in the inventory %s: its NETCONF notifications "
                            "are not subscribed" % (name, self.inventory))
        for event in self.manager.update(wanted):
            self._log(event)

    async def run(self) -> None:
        """Subscribe, watch, reconnect; runs until cancelled."""
        self._loop = asyncio.get_running_loop()
        next_refresh = 0.0
        while True:
            now = time.time()
            if now >= next_refresh or now < next_refresh - self.refresh_every:
                try:
                    await self.refresh()
                except Exception:  # a store or inventory hiccup: keep the subscriptions we have
                    self.manager.counters["netconf:refresh-errors"] += 1
                    LOG.exception("netsync.fleet.commit_events: refreshing NETCONF subscriptions failed")
                next_refresh = time.time() + self.refresh_every
            try:
                self._poll()
            except Exception:  # never let one bad pass end the subscriptions
                self.manager.counters["netconf:poll-errors"] += 1
                LOG.exception("netsync.fleet.commit_events: watching NETCONF subscriptions failed")
            wake = self.manager.next_wakeup()
            delay = self.poll_every if wake is None else min(self.poll_every, max(wake - time.time(), 0.01))
            await asyncio.sleep(min(delay, max(next_refresh - time.time(), 0.01)))

    def _poll(self) -> None:
        for event in self.manager.poll():
            self._log(event)
            if event.kind == "catch_up":
                note = ("subscription restored after a loss and stable (reconnect %d): commits made "
                        "meanwhile were not notified" % event.reconnects)
                self.ingest(event.device, note.encode(), time.time(), True)

    def close(self, wait: float = READ_TIMEOUT + 1.0) -> None:
        """Close every subscription; wait up to ``wait`` seconds in all for their threads."""
        self.manager.close_all()
        deadline = time.monotonic() + wait
        for handle in self.handles:
            handle.join(max(deadline - time.monotonic(), 0.0))
        self.handles = []

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            LOG.warning("netsync.fleet.commit_events: %s", message)

    @staticmethod
    def _log(event: SubscriptionEvent) -> None:
        if event.kind == "up":
            LOG.info("netsync.fleet.commit_events: NETCONF subscription to %s up%s", event.device,
                     " again (reconnect %d)" % event.reconnects if event.reconnect else "")
        elif event.kind in ("lost", "failed"):
            LOG.warning("netsync.fleet.commit_events: NETCONF subscription to %s %s (%s: %s); retry in %.1fs",
                        event.device, event.kind, event.error, event.message, event.retry_in or 0.0)
        elif event.kind == "catch_up":
            LOG.info("netsync.fleet.commit_events: NETCONF subscription to %s stable again: one resync "
                     "reads what was committed while it was down", event.device)
        else:
            LOG.info("netsync.fleet.commit_events: NETCONF subscription to %s closed: %s", event.device,
                     event.message)
