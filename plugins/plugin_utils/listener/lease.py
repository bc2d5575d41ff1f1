# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The listener's leader lease: of the listeners on one store, only the holder dispatches.

An HA pair (two EDA activations, two machines) shares one PostgreSQL store. The lease is one
row of the store (``store.leases``, schema 8) taken or renewed by a conditional UPDATE, so
two listeners never both hold it. The leader renews it every ``ttl / 3`` seconds and within
every flush (the transaction that persists its dispatches fails as a whole when the lease
is gone: a stalled leader that lost it writes nothing). A standby tries to take it every
pass; it gets it once the leader's lease ran out (the leader died, or it could not reach the
store for ``ttl`` seconds) or the leader released it on a clean stop. See
docs/auto-resync.md, "Two listeners on one store".
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Callable, Optional

from ansible_collections.netsync.fleet.plugins.module_utils.store import LeaseStore

DEFAULT_TTL = 15.0


class LeaseLost(Exception):
    """Another listener holds the lease: this one must not write as the leader."""


class LeaderLease:
    """This process's handle on the store's lease ``listener``."""

    def __init__(self, leases: LeaseStore, ttl: float = DEFAULT_TTL, holder: Optional[str] = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0:
            raise ValueError("the lease time must be positive, got %r" % ttl)
        self.leases = leases
        self.ttl = ttl
        self.holder = holder or "%s:%d:%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:6])
        self.monotonic = monotonic
        self._held_at: Optional[float] = None  # monotonic time before the last successful hold

    def hold(self) -> bool:
        """Take or renew the lease; False while another listener holds it."""
        start = self.monotonic()
        if self.leases.hold(self.holder, self.ttl):
            self._held_at = start
            return True
        self._held_at = None
        return False

    def fresh(self) -> bool:
        """Renewed less than a third of the lease time ago (no need to renew yet)."""
        return self._held_at is not None and self.monotonic() - self._held_at < self.ttl / 3.0

    def release(self) -> None:
        """Give it up (a clean stop): the other listener takes over at its next pass."""
        if self._held_at is not None:
            self._held_at = None
            self.leases.release(self.holder)
