"""Simulators in a child process (so their SSH work does not share one GIL with each other or
with the benchmark), spoken to in JSON lines: the child prints one line when it is ready, then
one reply line per request line, until its standard input ends.

- child side: ``serve(ready, answer)``; an exception in ``answer`` is replied as
  ``{"error": "<type>: <text>"}`` and the simulators keep running;
- parent side: ``SimChild(module, args)``: ``start()`` returns the ready line, ``ask(msg)`` the
  reply (a reply with ``error`` raises ``RuntimeError``), ``stop()`` closes its input, waits,
  then terminates or kills; it is idempotent.

Used by ``fleet.py`` (Junos) and ``cli_fleet.py`` (CLI).
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Callable, Optional

from tests.system.helpers import REPO

Message = dict[str, Any]


def serve(ready: Message, answer: Callable[[Message], Message]) -> None:
    """Child side: print ``ready``, then ``answer`` each request line until end of input."""
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        try:
            reply = answer(json.loads(line))
        except Exception as exc:  # reported to the parent, the simulators keep running
            reply = {"error": "%s: %s" % (type(exc).__name__, exc)}
        print(json.dumps(reply), flush=True)


class SimChild:
    """``python -m <module> <args>`` run from the repository, spoken to through ``serve``."""

    def __init__(self, module: str, args: list[str], what: str, stop_wait: float = 30.0) -> None:
        self.cmd = [sys.executable, "-m", module, *args]
        self.what = what
        self.stop_wait = stop_wait
        self.proc: Optional[subprocess.Popen[str]] = None

    def start(self) -> Message:
        self.proc = subprocess.Popen(self.cmd, cwd=str(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError("the %s did not start (see stderr above)" % self.what)
        ready: Message = json.loads(line)
        return ready

    def ask(self, msg: Message) -> Message:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            raise RuntimeError("%s not started" % self.what)
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        reply: Message = json.loads(self.proc.stdout.readline() or '{"error": "simulator process ended"}')
        if "error" in reply:
            raise RuntimeError("%s: %s" % (json.dumps(msg), reply["error"]))
        return reply

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(self.stop_wait)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
