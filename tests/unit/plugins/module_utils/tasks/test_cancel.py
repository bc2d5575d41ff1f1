"""tasks/cancel.py: a signal gives back every resync job in flight in the process, whichever thread
runs it, then does what it did before; a job that has ended is left as it is."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from ansible_collections.netsync.fleet.plugins.module_utils.tasks import cancel


@pytest.fixture
def claimed(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A store with r1 and r2 claimed by running jobs, both Synchronizing (were In Sync)."""
    url = str(tmp_path / "s.db")
    with st.open_store(url) as s:
        for name in ("r1", "r2"):
            s.devices.upsert(name, "192.0.2.1", 830, "junos", {})
            s.devices.set_status(name, st.IN_SYNC, "imported")
            assert s.devices.claim(name, "job-" + name, 300) is None
            s.jobs.started("job-" + name, name)
            s.devices.set_status(name, st.SYNCHRONIZING, "job started")
    yield url, ["r1", "r2"]


def _state(url: str, name: str) -> tuple[str, str, str]:
    with st.open_store(url) as s:
        job = s.jobs.get("job-" + name) or {}
        return (s.devices.get(name) or {})["managed_status"], job["state"], job.get("message") or ""


def test_a_signal_gives_back_the_jobs_of_other_threads_then_calls_the_handler_before(
        claimed: tuple[str, list[str]]) -> None:
    url, names = claimed
    seen: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    running = threading.Event()
    release = threading.Event()

    def job(name: str) -> None:  # a resync in a pool thread: registered, blocked in its read
        with cancel.cancellable(), cancel.in_flight(url, name, "job-" + name, st.IN_SYNC):  # no-op here
            running.set()
            release.wait(10)

    try:
        threads = [threading.Thread(target=job, args=(n,)) for n in names]
        with cancel.cancellable():
            for thread in threads:
                thread.start()
            running.wait(5)
            with pytest.raises(cancel.Cancelled, match="signal 15"):
                os.kill(os.getpid(), signal.SIGTERM)
                threading.Event().wait(1)  # the handler runs here, in the main thread
            assert cancel.requested()
        release.set()
        for thread in threads:
            thread.join(5)
        assert seen == [signal.SIGTERM]  # the handler from before ran after the jobs were given back
        for name in names:
            status, state, message = _state(url, name)
            assert (status, state, message) == (st.IN_SYNC, "failed", "cancelled by signal 15")
        with st.open_store(url) as s:
            assert s.devices.claim("r1", "next", 300) is None  # released: the next job need not wait
        assert signal.getsignal(signal.SIGTERM) is not cancel._handler  # restored on the way out
        assert cancel.requested()  # and the process stays told to stop
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_job_that_ended_is_left_as_it_ended(claimed: tuple[str, list[str]]) -> None:
    url, _ = claimed
    with st.open_store(url) as s:  # r1's job stored its snapshot and released the device
        s.devices.set_status("r1", st.IN_SYNC, "job read the configuration")
        s.devices.release("r1", "job-r1")
        s.jobs.finished("job-r1", True, "snapshot 2")
        s.devices.claim("r1", "job-later", 300)  # a later job holds it now
        cancel.abandon(s, "r1", "job-r1", st.IN_SYNC, "cancelled by signal 2")
        assert s.jobs.get("job-r1")["state"] == "done"  # type: ignore[index]
        assert s.devices.holds_claim("r1", "job-later")


def test_a_device_that_was_synchronizing_before_goes_out_of_sync(claimed: tuple[str, list[str]]) -> None:
    url, _ = claimed
    with st.open_store(url) as s:
        cancel.abandon(s, "r2", "job-r2", st.SYNCHRONIZING, "bug")
    assert _state(url, "r2")[0] == st.OUT_OF_SYNC


def test_an_ignored_signal_stays_ignored(claimed: tuple[str, list[str]]) -> None:
    url, _ = claimed
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with cancel.cancellable(), cancel.in_flight(url, "r1", "job-r1", st.IN_SYNC):
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is cancel._handler
        assert _state(url, "r1")[0] == st.SYNCHRONIZING
    finally:
        signal.signal(signal.SIGINT, before)


def _in_flight_elsewhere(url: str, names: list[str]) -> tuple[list[threading.Thread], threading.Event]:
    """Jobs of ``names`` in flight in threads of their own (as in a pool process), until released."""
    release = threading.Event()
    ready = threading.Barrier(len(names) + 1)

    def job(name: str) -> None:
        with cancel.in_flight(url, name, "job-" + name, st.IN_SYNC):
            ready.wait(5)
            release.wait(10)
    threads = [threading.Thread(target=job, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    ready.wait(5)
    return threads, release


def test_a_second_signal_inside_the_first_waits_for_it(claimed: tuple[str, list[str]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    url, names = claimed
    calls: list[str] = []
    real = cancel.give_back

    def give_back(why: str) -> bool:  # ansible-playbook's SIGTERM arrives while SIGINT's give back runs
        calls.append(why)
        if len(calls) == 1:
            cancel._handler(signal.SIGTERM, sys._getframe())  # the frame it interrupted
        return real(why)
    monkeypatch.setattr(cancel, "give_back", give_back)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    threads, release = _in_flight_elsewhere(url, names)
    try:
        with cancel.cancellable():
            with pytest.raises(KeyboardInterrupt):  # then the handler from before
                cancel._handler(signal.SIGINT, None)
        assert calls == ["cancelled by signal 2"]
        assert {_state(url, n) for n in names} == {(st.IN_SYNC, "failed", "cancelled by signal 2")}
    finally:
        release.set()
        for thread in threads:
            thread.join(5)
        signal.signal(signal.SIGINT, before)


def test_a_job_of_the_interrupted_thread_gives_its_device_back_itself(claimed: tuple[str, list[str]]) -> None:
    """The signal comes while the main thread's own job is inside a write transaction: the handler
    must not wait for that lock on a second connection (it would wait for itself); it interrupts
    the job, whose way out rolls the transaction back and gives the device back."""
    url, _ = claimed
    seen: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with st.open_store(url) as s, cancel.cancellable():
            with cancel.in_flight(url, "r1", "job-r1", st.IN_SYNC):
                begin = time.monotonic()
                with pytest.raises(cancel.Cancelled):
                    with s.transaction():
                        s.devices.set_status("r1", st.SYNCHRONIZING, "inside the job's transaction")
                        cancel._handler(signal.SIGTERM, None)
                assert time.monotonic() - begin < 5  # no wait for its own lock
                cancel._handler(signal.SIGTERM, None)  # a second signal on the way out: it returns
                cancel.abandon(s, "r1", "job-r1", st.IN_SYNC, "cancelled by signal 15")  # as run_resync does
        assert seen == []  # the interrupted job ends first; the process then ends as its caller decides
        assert _state(url, "r1") == (st.IN_SYNC, "failed", "cancelled by signal 15")
    finally:
        signal.signal(signal.SIGTERM, before)


def test_outside_the_main_thread_cancellable_changes_no_handler() -> None:
    found: list[Any] = []

    def other() -> None:
        with cancel.cancellable():
            found.append(signal.getsignal(signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert found == [before]


def test_a_second_signal_at_the_first_handlers_very_entry_defers_to_it(claimed: tuple[str, list[str]]) -> None:
    """Ctrl-C: ansible-playbook passes SIGINT to its workers and sends SIGTERM a few milliseconds later
    (it does not wait for them). When SIGTERM's handler runs before the first line of SIGINT's (Python
    runs pending handlers at the start of a function), the job ends as SIGINT said, once."""
    url, _ = claimed
    nested: list[str] = []

    def at_entry(frame: Any, event: str, arg: Any) -> None:  # SIGTERM arrives as SIGINT's handler starts
        if event == "call" and frame.f_code is cancel._handler.__code__ and not nested:
            nested.append("SIGTERM")
            cancel._handler(signal.SIGTERM, frame)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with cancel.cancellable(), cancel.in_flight(url, "r1", "job-r1", st.IN_SYNC):
            with pytest.raises(cancel.Cancelled, match="signal 2"):
                sys.setprofile(at_entry)
                try:
                    cancel._handler(signal.SIGINT, None)
                finally:
                    sys.setprofile(None)
        assert nested == ["SIGTERM"] and cancel.requested()
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_signal_that_comes_while_its_thread_holds_the_registry_lock_does_not_wait_forever() -> None:
    """The handler runs in the main thread between two bytecodes, also inside ``in_flight``'s own
    ``with _lock`` (a SIGTERM a few milliseconds after a SIGINT, while the first one's exception
    unregisters the job). Seen: an orphaned worker stuck 20 minutes in ``give_back``, holding its device."""
    import threading

    from ansible_collections.netsync.fleet.plugins.module_utils.tasks import cancel

    done = threading.Event()

    def handler_inside_the_lock() -> None:
        with cancel._lock:
            cancel.give_back("cancelled by signal 15")
        done.set()

    thread = threading.Thread(target=handler_inside_the_lock, daemon=True)
    thread.start()
    thread.join(5)
    assert done.is_set(), "give_back waited for a lock its own thread held"


def _mask_of_new_thread() -> set[int]:
    masks: list[set[int]] = []
    thread = threading.Thread(target=lambda: masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, []))))
    thread.start()
    thread.join(5)
    return masks[0]


def test_threads_started_inside_cancellable_leave_the_stop_signals_to_the_main_thread() -> None:
    """paramiko's and ncclient's threads, started while a resync runs in the main thread, must not take
    a stop signal: its handler would run only when the main thread's wait for the device returned."""
    stop = {signal.SIGTERM, signal.SIGINT}
    before = _mask_of_new_thread()
    assert not stop & before
    with cancel.cancellable():
        inside = _mask_of_new_thread()
        main = set(signal.pthread_sigmask(signal.SIG_BLOCK, []))
    assert stop <= inside
    assert not stop & main  # the main thread still takes them
    assert not stop & _mask_of_new_thread()  # and once out, threads are started as before
    assert threading.getprofile() is None


def test_a_profile_hook_set_before_still_sees_the_new_threads_and_is_put_back() -> None:
    seen: list[tuple[str, str]] = []

    def profiler(frame: Any, event: str, arg: Any) -> None:
        seen.append((event, frame.f_code.co_name))
    threading.setprofile(profiler)
    try:
        with cancel.cancellable():
            def work() -> None:
                seen.append(("profile", repr(sys.getprofile() is profiler)))
            thread = threading.Thread(target=work)
            thread.start()
            thread.join(5)
        assert threading.getprofile() is profiler
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    assert seen[0] == ("call", "run")  # the thread's first event reached it, then every later one
    assert ("profile", "True") in seen and ("call", "work") in seen
