"""Simulated Junos devices spread over several processes, committed to without waiting (benchmarks).

``Sims(devices, procs)``: ``procs`` ``SimProcess`` children (``benchmarks/resync/fleet.py``), device
names ``a1..``, ``b1..`` as ``benchmarks/resync/scale.py`` names them. ``send_commit`` writes the
commit request and returns; a reader thread per process collects the replies, so a timeline of
3,000 commits in 4.5 s is not slowed by one round trip per commit. ``wait_replies`` raises when a
commit failed or a reply is missing.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Optional

from benchmarks.resync.fleet import SimProcess

LETTERS = "abcdefghijklmnopqrstuvwxyz"


class _Piped(SimProcess):
    def __init__(self, count: int, prefix: str) -> None:
        super().__init__(count, prefix=prefix)
        self.sent = 0
        self.replies = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._reader: Optional[threading.Thread] = None

    def start(self) -> dict[str, int]:
        ports = super().start()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return ports

    def _read(self) -> None:
        proc = self._child.proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            reply = json.loads(line)
            with self._lock:
                self.replies += 1
                if "error" in reply:
                    self.errors.append(str(reply["error"]))

    def send(self, name: str, set_commands: list[str]) -> None:
        proc = self._child.proc
        if proc is None or proc.stdin is None:
            raise RuntimeError("simulators not started")
        proc.stdin.write(json.dumps({"commit": name, "set": set_commands}) + "\n")
        proc.stdin.flush()
        self.sent += 1


class Sims:
    def __init__(self, devices: int, procs: int) -> None:
        procs = max(1, min(procs, devices, len(LETTERS)))
        per = [devices // procs + (1 if i < devices % procs else 0) for i in range(procs)]
        self.procs = [_Piped(n, LETTERS[i] if procs > 1 else "r") for i, n in enumerate(per) if n]
        self.owner: dict[str, _Piped] = {}
        self.names: list[str] = []
        self.known_hosts_lines: list[str] = []

    def start(self) -> dict[str, int]:
        ports: dict[str, int] = {}
        for proc in self.procs:
            got = proc.start()
            self.known_hosts_lines += [line for line in proc.known_hosts_lines if line.strip()]
            for name in sorted(got, key=lambda n: int(n[len(proc.prefix):])):
                self.owner[name] = proc
                self.names.append(name)
            ports.update(got)
        return ports

    def send_commit(self, name: str, set_commands: list[str]) -> None:
        self.owner[name].send(name, set_commands)

    def wait_replies(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while any(p.replies < p.sent for p in self.procs):
            if time.monotonic() > end:
                raise RuntimeError("simulators did not answer every commit within %.0f s" % timeout)
            time.sleep(0.05)
        errors = [e for p in self.procs for e in p.errors]
        if errors:
            raise RuntimeError("%d commits failed, e.g. %s" % (len(errors), errors[:3]))

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()
