"""Fixtures of the listener's unit tests: a clock at T0 and a real SQLite store seeded with
``devices`` (a test module may override that fixture), helpers in ``listener_fixtures.py``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils import store as st
from tests.support.clock import Clock
from tests.unit.plugins.plugin_utils.listener.listener_fixtures import ROUTERS, T0, seed


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def devices() -> Any:
    """(name, address, hostname) of the devices in the store."""
    return ROUTERS


@pytest.fixture
def store_path(tmp_path: Path, clock: Clock, devices: Any) -> str:
    """A store file holding ``devices`` In Sync with the seed's settings (closed)."""
    url = str(tmp_path / "fleet.db")
    with st.open_store(url, clock=clock) as s:
        seed(s, devices)
    return url


@pytest.fixture
def store(store_path: str, clock: Clock) -> Iterator[st.Store]:
    s = st.open_store(store_path, clock=clock)
    yield s
    s.close()
