# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A resync's claim on its device is a lease, renewed while the job's process lives.

A job claims its device for :func:`lease_seconds` (``NETSYNC_CLAIM_LEASE``, default 60 s). While
it runs, a thread of its process renews the claims of all the process's jobs every quarter of the
lease, up to the claim's limit (``tasks/resync.claim_ttl``: four RPC timeouts, at least 120 s; a
job still running then loses its device, as before). A process that stops, wherever it ran
(another machine or container sharing a PostgreSQL store, an AWX/AAP job pod deleted on cancel, a
frozen process), stops renewing: its claims lapse within one lease, the next resync takes the device
over and says "recovered", and the stopped job, should it come back, stores nothing (``claim
lost``). A claim whose process is seen dead on this machine is taken over at once (``store``).
"""
from __future__ import annotations

import contextlib
import math
import os
import threading
from dataclasses import dataclass
from typing import Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.cancel import block_stop_signals

LEASE_ENV = "NETSYNC_CLAIM_LEASE"
DEFAULT_LEASE = 60.0
MIN_LEASE = 2.0


def lease_seconds() -> float:
    """``NETSYNC_CLAIM_LEASE`` seconds (at least 2), else 60; a value that is not a number: ValueError."""
    raw = os.environ.get(LEASE_ENV, "").strip()
    if not raw:
        return DEFAULT_LEASE
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("%s must be a number of seconds, not %r" % (LEASE_ENV, raw)) from None
    if math.isnan(value) or value < MIN_LEASE:
        raise ValueError("%s must be at least %s seconds, not %r" % (LEASE_ENV, MIN_LEASE, raw))
    return value


@dataclass(frozen=True)
class Held:
    url: str  # the store's URL as opened (never logged)
    name: str
    job_id: str
    limit: float  # store clock: the claim is never renewed past this
    lease: float


_lock = threading.Lock()
_held: dict[tuple[str, str], Held] = {}  # (job, device) -> the claim
_renewer: Optional[threading.Thread] = None
_wake = threading.Event()
_period = DEFAULT_LEASE / 4  # what the renewer sleeps between renewals


def renew_all() -> int:
    """Renew every claim this process holds, one transaction per store; the number renewed. A claim
    that has lapsed is not revived (another job may be taking it over); a store that fails is skipped
    (its claims may lapse: the jobs then store nothing and fail ``claim_lost``)."""
    with _lock:
        held = list(_held.values())
    by_url: dict[str, list[Held]] = {}
    for job in held:
        by_url.setdefault(job.url, []).append(job)
    renewed = 0
    for url, jobs in by_url.items():
        try:
            with st.open_store(url, create=False) as store, store.transaction():
                now = store.clock()
                for job in jobs:
                    renewed += store.devices.renew_claim(job.name, job.job_id, min(now + job.lease, job.limit))
        except Exception:
            continue
    return renewed


def _run() -> None:
    global _period
    block_stop_signals()  # SIGTERM and SIGINT go to the main thread, whose handler gives the devices back
    while True:
        with _lock:
            _period = min((job.lease for job in _held.values()), default=DEFAULT_LEASE) / 4
        if _wake.wait(_period):  # woken for a shorter lease: sleep that instead; nothing is due yet
            _wake.clear()
            continue
        renew_all()


def _start_renewer() -> None:
    global _renewer
    if _renewer is None or not _renewer.is_alive():
        _renewer = threading.Thread(target=_run, name="netsync-claim-lease", daemon=True)
        _renewer.start()


def _forget_after_fork() -> None:
    """A forked child holds none of its parent's claims, and has no renewer yet."""
    global _renewer, _lock, _wake, _period
    _lock, _wake = threading.Lock(), threading.Event()
    _held.clear()
    _renewer, _period = None, DEFAULT_LEASE / 4


os.register_at_fork(after_in_child=_forget_after_fork)


@contextlib.contextmanager
def kept(url: str, name: str, job_id: str, limit: float, lease: float) -> Iterator[None]:
    """While the job runs, this process renews its claim on the device."""
    with _lock:
        _held[(job_id, name)] = Held(url, name, job_id, limit, lease)
        _start_renewer()
        if lease / 4 < _period:  # the renewer sleeps longer than this lease allows (once per process, as
            _wake.set()          # a rule: every job of a run has the same lease); no renewal per job
    try:
        yield
    finally:
        with _lock:
            _held.pop((job_id, name), None)
