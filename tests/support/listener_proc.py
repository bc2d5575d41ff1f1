"""A listener as a process of its own: the EDA source ``netsync.fleet.commit_events`` (the same ``main`` an
EDA activation runs), each event it emits printed to stdout as one JSON line.

``python -m tests.support.listener_proc '<arguments as JSON>'`` from the repository root;
``ListenerProcess`` starts one, collects its events and stops (or kills) it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]


class ListenerProcess:
    """One listener process; ``events`` fills as it emits, ``log`` is its stderr."""

    def __init__(self, args: dict[str, Any], log: Path) -> None:
        self.log = log
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / ".collections"), str(REPO)]))
        self._err = log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.listener_proc", json.dumps(args)],
                                     cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=self._err)
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.events.append(json.loads(line))

    def taken(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:] if self.log.exists() else ""

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = check()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s; listener %d's log:\n%s" % (what, self.pid, self.output()))

    def kill(self) -> None:
        """SIGKILL: no clean stop, no lease released."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reader.join(10)
        self._err.close()


class _PrintQueue(asyncio.Queue):  # type: ignore[type-arg]
    async def put(self, item: Any) -> None:
        sys.stdout.write(json.dumps(item, sort_keys=True) + "\n")
        sys.stdout.flush()


async def _run(args: dict[str, Any]) -> None:
    from ansible_collections.netsync.fleet.extensions.eda.plugins.event_source import commit_events
    task = asyncio.ensure_future(commit_events.main(_PrintQueue(), args))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)  # a clean stop, as ansible-rulebook's
    try:
        await task
    except asyncio.CancelledError:
        pass


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    asyncio.run(_run(json.loads(sys.argv[1])))
