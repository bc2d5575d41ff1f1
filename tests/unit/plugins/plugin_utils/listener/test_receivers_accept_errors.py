"""Failed accepts (e.g. out of file descriptors) are counted, and logged at most once a minute."""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.listener.receivers import AcceptErrorFilter


class _Loop:
    def __init__(self) -> None:
        self.passed: list[dict[str, Any]] = []

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        self.passed.append(context)


def test_accept_errors_are_counted_and_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    counters: Counter[str] = Counter()
    handler = AcceptErrorFilter(counters, clock=lambda: now[0])
    loop: Any = _Loop()
    ctx = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
    with caplog.at_level(logging.ERROR):
        for _ in range(1000):  # 1,000 failed accepts within 10 s
            handler(loop, ctx)
            now[0] += 0.01
        assert len(caplog.records) == 1
        now[0] += 60
        handler(loop, ctx)
        assert len(caplog.records) == 2 and "1 time(s)" not in caplog.records[1].getMessage()
        assert "1000 time(s)" in caplog.records[1].getMessage()  # the ones not logged are summed up
    assert counters["accept-errors"] == 1001 and loop.passed == []


def test_other_loop_errors_go_to_the_default_handler() -> None:
    handler = AcceptErrorFilter(Counter())
    loop: Any = _Loop()
    handler(loop, {"message": "Task exception was never retrieved", "exception": ValueError("x")})
    assert len(loop.passed) == 1


def test_it_fits_the_loop_api() -> None:
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(AcceptErrorFilter(Counter()))
        assert loop.get_exception_handler() is not None
    finally:
        loop.close()
