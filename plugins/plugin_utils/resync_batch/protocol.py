# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the resync batch and the workers share: the run directory, the request key, JSON lines.

The run directory is ``<tmp>/netsync-<uid>/<ansible-playbook pid>-<task uuid>-<hosts digest>``:
the base is created 0700 and must be owned by us, so nothing in it (the socket) is reachable by
another user. Whoever creates the run directory (``mkdir`` is atomic) leads: it starts the batch.
Requests and replies are JSON lines (one object per line, bounded) over a UNIX stream socket.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import tempfile
from typing import Any, Optional

MAX_LINE = 64 * 1024 * 1024
SOCKET, PIDFILE = "s", "pid"


class ProtocolError(Exception):
    """The other side broke the protocol or went away."""


def base_dir() -> str:
    """``<tmp>/netsync-<uid>``, 0700 and ours, created if needed."""
    path = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir(), "netsync-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError("%s is not a private directory of this user" % path)
    return path


def run_dir(playbook_pid: int, task_uuid: str, hosts: list[str]) -> str:
    digest = hashlib.sha256("\n".join(hosts).encode("utf-8")).hexdigest()[:16]
    return os.path.join(base_dir(), "%d-%s-%s" % (playbook_pid, task_uuid, digest))


def batch_job_id(path: str, host: str, run: int) -> str:
    """The job id the batch gives ``host``'s ``run``-th resync when the task sets none: a worker whose
    batch died computes it to take over the dead batch's claim at once."""
    digest = hashlib.sha256(("%s\0%s\0%d" % (path, host, run)).encode("utf-8")).hexdigest()
    return "manual-%s" % digest[:12]


def request_key(params: dict[str, Any], check_mode: bool, diff: bool) -> str:
    """Identity of a request: a result is only ever returned for exactly these parameters."""
    blob = json.dumps([params, bool(check_mode), bool(diff)], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message, default=str).encode("utf-8") + b"\n")


class LineReader:
    """JSON objects from a stream socket, one per line, each at most ``MAX_LINE`` bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def read(self) -> Optional[dict[str, Any]]:
        """The next object; None at end of stream."""
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise ProtocolError("line longer than %d bytes" % MAX_LINE)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                if self.buf:
                    raise ProtocolError("stream ended inside a line")
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ProtocolError("not a JSON object")
        return obj


def sweep(base: str) -> None:
    """Remove run directories of ansible-playbook runs that ended (a killed batch leaves its own)."""
    for name in os.listdir(base):
        pid = name.split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            path = os.path.join(base, name)
            for leaf in (SOCKET, PIDFILE):
                try:
                    os.unlink(os.path.join(path, leaf))
                except OSError:
                    pass
            try:
                os.rmdir(path)
            except OSError:
                pass


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid, "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
