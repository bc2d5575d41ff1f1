"""pytest fixtures for the real peers. Import them into a conftest.py.

A peer that cannot start FAILS the test with the reason (never a skip). Set
``NETSYNC_TESTBED_KEEP=1`` to keep run directories (logs, configs) for debugging.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from .netconfd import NetconfdDevice, NetconfdFleet
from .postgres import PostgresServer
from .procs import TestbedError

__all__ = ["netconfd_devices", "netconfd_fleet", "netconfd_fleet_factory",
           "postgres_database", "postgres_server"]


def _keep() -> bool:
    return os.environ.get("NETSYNC_TESTBED_KEEP", "") not in ("", "0")


@pytest.fixture(scope="session")
def netconfd_fleet_factory() -> Iterator[Callable[[int], NetconfdFleet]]:
    """``make(count)`` starts a fleet; every fleet made is stopped at session end."""
    fleets: list[NetconfdFleet] = []

    def make(count: int = 3) -> NetconfdFleet:
        fleet = NetconfdFleet(count, keep=_keep())
        fleets.append(fleet)
        try:
            fleet.start()
        except TestbedError as exc:
            pytest.fail(f"netconfd fleet of {count} could not start: {exc}", pytrace=False)
        return fleet

    yield make
    for fleet in reversed(fleets):
        fleet.stop()


@pytest.fixture(scope="session")
def netconfd_fleet(netconfd_fleet_factory: Callable[[int], NetconfdFleet]) -> NetconfdFleet:
    """The shared fleet of 3 devices (``.devices``); tests may change their configs."""
    return netconfd_fleet_factory(3)


@pytest.fixture
def netconfd_devices(netconfd_fleet: NetconfdFleet) -> Iterator[list[NetconfdDevice]]:
    """The shared fleet's devices; any device a test took down is started again after it."""
    yield netconfd_fleet.devices
    for device in netconfd_fleet.devices:
        if not device.is_running:
            device.start_server()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session; ``.url`` is a password-auth TCP URL."""
    server = PostgresServer(keep=_keep())
    try:
        server.start()
    except TestbedError as exc:
        pytest.fail(f"PostgreSQL could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> str:
    """URL of a fresh, empty database for one test."""
    return postgres_server.create_database(f"t_{uuid.uuid4().hex[:16]}")
