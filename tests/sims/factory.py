"""What every simulator fixture does (``fixtures.py``, ``cli_fixtures.py``): hand the test a factory
that starts simulators, and stop every one it started at teardown, even when the test fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar


class Startable(Protocol):
    def start(self) -> Any: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Startable)


def started(make: Callable[..., S]) -> Iterator[Callable[..., S]]:
    """A fixture's body: ``yield from started(JunosSim)``; the factory takes ``make``'s arguments."""
    sims: list[S] = []

    def factory(*args: Any, **kwargs: Any) -> S:
        sim = make(*args, **kwargs)
        sims.append(sim)
        sim.start()
        return sim

    yield factory
    for sim in sims:
        sim.stop()
