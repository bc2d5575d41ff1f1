"""Unit tests need no peer: a unit test that asks for a server fixture, or is marked system, is a usage error."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

UNIT = Path(__file__).parent
SERVERS = {"postgres_server", "postgres_database", "netconfd_devices", "netconfd_fleet", "netconfd_fleet_factory",
           "junos_sim", "junos_fleet", "syslog_udp", "rulebook_runner"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not item.path.is_relative_to(UNIT):
            continue
        servers = SERVERS & set(getattr(item, "fixturenames", ()))
        if servers or item.get_closest_marker("system") or item.get_closest_marker("postgres"):
            raise pytest.UsageError("%s is a unit test but needs %s: move it under tests/system"
                                    % (item.nodeid, ", ".join(sorted(servers)) or "a system marker"))


@pytest.fixture(autouse=True)
def not_told_to_stop() -> Iterator[None]:
    """A test that sends the process SIGTERM or SIGINT leaves ``tasks.cancel.requested()`` true (as a
    process told to stop stays so); here each test starts as a process that was not."""
    from ansible_collections.netsync.fleet.plugins.module_utils.tasks import cancel

    yield
    cancel._requested.clear()
    cancel._reason.clear()
