"""Failed accepts (e.g. out of file descriptors) are counted, and logged at most once a minute:
the one filter, and the listener's and the child server's use of it."""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, Callable, MutableMapping

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.accept_errors import AcceptErrorFilter
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child import limits
from ansible_collections.netsync.fleet.plugins.plugin_utils.listener import receivers

LOG = logging.getLogger("netsync.test.accept_errors")
ACCEPT_FAILED = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}


class _Loop:
    def __init__(self) -> None:
        self.passed: list[dict[str, Any]] = []

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        self.passed.append(context)


def test_accept_errors_are_counted_and_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    counters: Counter[str] = Counter()
    handler = AcceptErrorFilter(counters, "failed", LOG, "the server", "Raise the limit", clock=lambda: now[0])
    loop: Any = _Loop()
    with caplog.at_level(logging.ERROR):
        for _ in range(1000):  # 1,000 failed accepts within 10 s
            handler(loop, ACCEPT_FAILED)
            now[0] += 0.01
        assert len(caplog.records) == 1
        now[0] += 60
        handler(loop, ACCEPT_FAILED)
        assert len(caplog.records) == 2
        assert caplog.records[1].getMessage() == (  # the ones not logged are summed up
            "the server: accept() failed 1000 time(s) ([Errno 24] Too many open files): out of file "
            "descriptors? Raise the limit")
    assert counters == Counter({"failed": 1001}) and loop.passed == []


def test_other_loop_errors_go_to_the_default_handler() -> None:
    counters: dict[str, int] = {}
    handler = AcceptErrorFilter(counters, "failed", LOG, "the server", "Raise the limit")
    loop: Any = _Loop()
    handler(loop, {"message": "Task exception was never retrieved", "exception": ValueError("x")})
    handler(loop, {"message": "socket.accept() out of system resource", "exception": ValueError("x")})
    assert len(loop.passed) == 2 and counters == {}


def test_it_fits_the_loop_api() -> None:
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(AcceptErrorFilter({}, "failed", LOG, "the server", "Raise the limit"))
        assert loop.get_exception_handler() is not None
    finally:
        loop.close()


@pytest.mark.parametrize("make, counters, key, text", [
    (receivers.accept_error_filter, Counter(), "accept-errors",
     "netsync.fleet.commit_events: accept() failed 1 time(s) ([Errno 24] Too many open files): out of file "
     "descriptors? Lower the TCP cap or raise the limit"),
    (limits.accept_error_filter, {}, "accept_errors",
     "federation child: accept() failed 1 time(s) ([Errno 24] Too many open files): out of file "
     "descriptors? Lower --max-connections or raise the limit (LimitNOFILE)"),
], ids=["listener", "federation-child"])
def test_each_server_counts_under_its_own_key(make: Callable[[Any], AcceptErrorFilter],
                                              counters: MutableMapping[str, int], key: str, text: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    handler = make(counters)
    with caplog.at_level(logging.ERROR):
        handler(_Loop(), ACCEPT_FAILED)  # type: ignore[arg-type]
    assert dict(counters) == {key: 1}
    assert [r.getMessage() for r in caplog.records] == [text]
