"""Pytest fixtures for the Junos simulator. Use them from a conftest.py::

    from tests.sims.fixtures import junos_fleet, junos_sim, syslog_udp  # noqa: F401

``junos_sim(**kwargs)`` / ``junos_fleet(count, **kwargs)`` start simulators and stop them
all at teardown, even when the test fails. ``syslog_udp`` is a UDP receiver on loopback.
Plain helpers (``ncclient_kwargs``, ``UdpReceiver``) live in ``tests.sims.helpers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sims.lifecycle import started
from tests.sims.helpers import UdpReceiver, ncclient_kwargs
from tests.sims.junos_sim import JunosSim, SimFleet

__all__ = ["junos_fleet", "junos_sim", "ncclient_kwargs", "syslog_udp", "UdpReceiver"]


@pytest.fixture
def junos_sim() -> Iterator[Callable[..., JunosSim]]:
    """Factory: ``junos_sim(hostname="r1", users={...}, ...)`` returns a started JunosSim."""
    yield from started(JunosSim)


@pytest.fixture
def junos_fleet() -> Iterator[Callable[..., SimFleet]]:
    """Factory: ``junos_fleet(20, users={...})`` returns a started SimFleet (one loop)."""
    yield from started(SimFleet)


@pytest.fixture
def syslog_udp() -> Iterator[UdpReceiver]:
    """A UDP receiver on 127.0.0.1:<free port> for commit syslog."""
    receiver = UdpReceiver()
    yield receiver
    receiver.close()
