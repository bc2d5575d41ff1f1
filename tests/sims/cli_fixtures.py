"""Pytest fixture for the CLI simulators. Use it from a conftest.py or a test module::

    from tests.sims.cli_fixtures import cli_sim  # noqa: F401

``cli_sim(platform="ios", hostname="r1", ...)`` returns a started ``CliSim``; every simulator
a test started is stopped at teardown, even when the test fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sims.cli_sim import CliSim
from tests.sims.lifecycle import started

__all__ = ["cli_sim"]


@pytest.fixture
def cli_sim() -> Iterator[Callable[..., CliSim]]:
    yield from started(CliSim)
