"""A clock that tests move by hand, for code that takes a ``clock`` (a callable giving the time)."""
from __future__ import annotations

import time
from typing import Optional


class Clock:
    """Says ``now`` when called; a test moves it (``clock.now += 20``) instead of sleeping.
    Starts at ``now`` (default: the real time)."""

    def __init__(self, now: Optional[float] = None) -> None:
        self.now = time.time() if now is None else float(now)

    def __call__(self) -> float:
        return self.now
