# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resync jobs in flight, given back when their process is told to stop (SIGTERM, SIGINT).

A resync claims its device and sets it ``Synchronizing`` (``tasks/resync.py``). When the process
is told to stop part-way, every job of the process still in flight ends failed, and its device
gets back its status from before the job and loses its claim, so the next resync does not wait
for the claim to expire. That holds wherever the jobs run: in the main thread (a worker process
of ansible-core's linear strategy) or in threads (the fleet strategy's pool processes, its threads
inside ansible-playbook, the resync batch). Then the signal does what it did before: ansible-core's
worker exits, ansible-playbook passes it on to its workers and stops; where nothing handled it,
the main thread raises :class:`Cancelled` (SIGTERM) or ``KeyboardInterrupt`` (SIGINT). A job that
the main thread itself runs (a worker of the linear strategy) is interrupted with
:class:`Cancelled` instead, and gives its device back on its own way out.

Only the main thread may set a signal handler: :func:`cancellable` is entered there, around a
resync in the main thread or around the threads that run resyncs; in another thread it does
nothing, and the main thread's handler gives that thread's jobs back. Python runs a handler only
in the main thread, between two bytecodes, while the kernel hands a signal sent to the process to
any thread that does not block it: taken by paramiko's or ncclient's thread while the main thread
waits for the device's reply, it would run only when the reply came. So inside
:func:`cancellable`, every thread started in the process blocks SIGTERM and SIGINT from its first
Python event on (``threading.setprofile``), as our own threads do from their first line
(:func:`block_stop_signals`), and the kernel hands them to the main thread, whose wait they
interrupt. A job that cannot be given back (the store fails; SIGKILL) keeps its claim until it
expires, and the next resync recovers its device.
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from ansible_collections.netsync.fleet.plugins.module_utils import store as st

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Cancelled(BaseException):
    """The process was told to stop (SIGTERM) while a resync ran. A BaseException, as
    ``KeyboardInterrupt``: no ``except Exception`` on the way (a device error's classification,
    ncclient, ansible-core's task executor) may take it for a failure of the device."""


@dataclass(frozen=True)
class InFlight:
    url: str  # the store's URL as opened (never logged)
    name: str
    job_id: str
    before: str  # the device's status before the job
    thread: int  # the thread that runs the job


# reentrant: the signal handler (give_back) runs in the main thread between two bytecodes, also inside
# in_flight's own ``with _lock`` (a SIGTERM just after a SIGINT); a plain Lock waited for itself forever
_lock = threading.RLock()
_jobs: dict[str, InFlight] = {}
_requested = threading.Event()
_reason: list[str] = []  # why the process was told to stop (the first signal's), once it was
_previous: dict[int, Any] = {}  # signal -> its handler before the outermost cancellable()


def abandon(store: st.Store, name: str, job_id: str, before: str, why: str) -> None:
    """The job ends failed unless it has ended; if it still holds its device, the device gets back
    its status from before the job (never ``Synchronizing``) and is released. One transaction."""
    with store.transaction():
        if store.devices.holds_claim(name, job_id):
            status = st.OUT_OF_SYNC if before == st.SYNCHRONIZING else before
            store.devices.set_status(name, status, "job %s ended without a result: %s" % (job_id, why))
            store.devices.release(name, job_id)
        store.jobs.fail_if_running(job_id, why)


def block_stop_signals() -> None:
    """In a thread of our own, first thing: SIGTERM and SIGINT go to the main thread, whose handler
    gives the jobs back. (A thread that took the signal would leave the handler waiting until the main
    thread's blocking call returns.) A process started from the thread inherits its mask: start none
    that must stay stoppable (ansible-connection is started by a worker's main thread)."""
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, set(SIGNALS))
    except (AttributeError, OSError, ValueError):  # no pthread_sigmask here: joins in slices still serve
        pass


def blocking_new_threads(previous: Optional[Callable[..., Any]]) -> Callable[..., Any]:
    """A profile hook for ``threading.setprofile``: a thread started while it is set blocks SIGTERM
    and SIGINT at its first Python event, then has ``previous`` (the hook set before, often none)
    as its profile function, which sees that event too."""
    def hook(frame: Any, event: str, arg: Any) -> Any:
        block_stop_signals()
        sys.setprofile(previous)
        if previous is not None:
            return previous(frame, event, arg)
        return None
    return hook


@contextlib.contextmanager
def in_flight(url: str, name: str, job_id: str, before: str) -> Iterator[None]:
    """While the job runs, a signal to the process gives its device back (:func:`give_back`)."""
    with _lock:
        _jobs[job_id] = InFlight(url, name, job_id, before, threading.get_ident())
    try:
        yield
    finally:
        with _lock:
            _jobs.pop(job_id, None)


def requested() -> bool:
    """Was the process told to stop? Once true, true for the process's life: its thread pools start
    no more hosts and do not wait for the running ones."""
    return _requested.is_set()


def stop_reason() -> Optional[str]:
    """Why the process was told to stop ("cancelled by signal 15"), or None. A device error that comes
    after it is that stop's doing (ansible-playbook's exit closes every SSH transport: paramiko's own
    exit handler), never a failure of the device (``tasks/resync.py``)."""
    return _reason[0] if _requested.is_set() and _reason else None


def give_back(why: str) -> bool:
    """:func:`abandon` every job in flight in this process that another thread runs, each over a
    connection of its own (that thread may be inside a transaction on the job's). True when the
    calling thread runs one itself: the signal interrupted it, perhaps inside a write transaction
    that a second connection would wait for; it gives its device back itself once the exception
    has rolled that transaction back (``run_resync``)."""
    me = threading.get_ident()
    with _lock:
        jobs = list(_jobs.values())
    for job in jobs:
        if job.thread == me:
            continue
        try:
            with st.open_store(job.url, create=False) as store:
                abandon(store, job.name, job.job_id, job.before, why)
        except Exception:  # the store itself failed: the claim expires, the next resync recovers
            continue
    return any(job.thread == me for job in jobs)


def _inside_handler(frame: Any) -> bool:
    """Did this signal interrupt the handler of an earlier one (wherever in it, its first line too)?"""
    while frame is not None:
        if frame.f_code is _handler.__code__:
            return True
        frame = frame.f_back
    return False


def _handler(signum: int, frame: Any) -> None:
    if _inside_handler(frame):
        # a second signal (ansible-playbook sends SIGTERM a few milliseconds after passing SIGINT on)
        # ran this handler inside the first one's, perhaps before its first line: the first goes on
        # giving back and acts as its own signal says (this one changes nothing, not even ``first``)
        return
    previous = _previous.get(signum, signal.SIG_DFL)
    first = not _requested.is_set()
    why = "cancelled by signal %d" % signum
    if not _reason:
        _reason.append(why)
    _requested.set()
    if give_back(why):  # the job this handler interrupted ends and gives its device back on the way out
        if first:
            raise Cancelled(why)
        return  # a later signal (ansible-playbook's SIGTERM after SIGINT) must not cut that way out short
    if callable(previous):
        previous(signum, frame)  # ansible-core's worker exits; ansible-playbook passes it on and stops
    raise Cancelled(why)


@contextlib.contextmanager
def cancellable() -> Iterator[None]:
    """Main thread only (elsewhere, or inside another ``cancellable``, a no-op): SIGTERM and SIGINT
    give back every job in flight in this process, then do what they did before. A signal that was
    ignored stays ignored. Threads started meanwhile block both, so that the kernel hands them to the
    main thread. The handlers and the threads' profile hook before are restored on the way out."""
    if threading.current_thread() is not threading.main_thread() or _previous:
        yield
        return
    _previous.update({signum: signal.getsignal(signum) for signum in SIGNALS})
    profile = getattr(threading, "getprofile", lambda: None)()
    try:
        for signum, handler in _previous.items():
            if handler is not signal.SIG_IGN:
                signal.signal(signum, _handler)
        threading.setprofile(blocking_new_threads(profile))
        yield
    finally:
        threading.setprofile(profile)  # type: ignore[arg-type]  # None clears it, as before
        for signum, handler in _previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        _previous.clear()  # requested() stays true: a process told to stop starts no more hosts
