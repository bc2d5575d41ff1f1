"""idle: an event source that emits nothing (benchmarks only).

ansible-rulebook asks every ruleset for a source; the peer's ``batch`` ruleset gets its events
from the ``damp`` ruleset's ``post_event`` actions only (``peer_rulebooks.py``).
"""
from __future__ import annotations

import asyncio
from typing import Any


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    await asyncio.Future()  # never returns: a source that returns ends ansible-rulebook
