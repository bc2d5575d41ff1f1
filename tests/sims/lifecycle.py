"""What every simulator shares to start and stop (``junos_sim.py``, ``cli_sim.py``): the loop thread
it runs in, closing its SSH server, ``with`` that starts and stops it, and the fixtures' factory (``fixtures.py``,
``cli_fixtures.py``) that stops every simulator a test started, even when the test fails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self, name: str = "junos-sim") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop and join the thread."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def close_server(server: Any, connections: Iterable[Any]) -> None:
    """Stop listening and drop every open connection (the device goes down)."""
    server.close()
    await server.wait_closed()
    conns = list(connections)
    for conn in conns:
        conn.close()
    if conns:
        await asyncio.wait([asyncio.ensure_future(c.wait_closed()) for c in conns], timeout=5)


class Startable(Protocol):
    def start(self) -> Any: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Startable)
W = TypeVar("W", bound="StartStop")


class StartStop:
    """``with sim:`` starts it and stops it; a subclass defines ``start()`` and ``stop()``."""

    def start(self) -> Any:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: W) -> W:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


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
