# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failed ``accept()`` calls of a listening socket (out of file descriptors), for the servers we
run on an asyncio loop: the listener's syslog sockets (``listener/receivers.py``) and the child
server (``federation_child/limits.py``).

asyncio logs a traceback for every failed accept, and a process out of descriptors fails
thousands a second; ``AcceptErrorFilter`` is the loop's exception handler that counts them
instead and logs at most once a minute how many there were. Any other loop error goes to the
loop's default handler.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, MutableMapping

LOG_EVERY = 60.0


@dataclass(eq=False)
class AcceptErrorFilter:
    """``counters[key]`` counts failed accepts; ``logger`` says so at most every :data:`LOG_EVERY` s.

    ``name`` starts the log line and ``advice`` ends it (what to lower or raise).
    """

    counters: MutableMapping[str, int]
    key: str
    logger: logging.Logger
    name: str
    advice: str
    clock: Callable[[], float] = time.monotonic
    _last: float = field(default=-LOG_EVERY, init=False)
    _since: int = field(default=0, init=False)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and "accept" in str(context.get("message", "")):
            self.counters[self.key] = self.counters.get(self.key, 0) + 1
            self._since += 1
            now = self.clock()
            if now - self._last >= LOG_EVERY:
                self.logger.error("%s: accept() failed %d time(s) (%s): out of file descriptors? %s",
                                  self.name, self._since, exc, self.advice)
                self._last, self._since = now, 0
            return
        loop.default_exception_handler(context)
