# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The batch's UNIX socket: one thread per waiting worker, and when the batch ends.

A worker sends ``{"host", "params", "check_mode", "diff"}``; the batch answers
``{"started": job_id}`` when the host's run starts, then ``{"host", "key", "outcome"}``.
Only peers of our own uid are served. The batch ends when every run is done and delivered,
when ansible-playbook is gone (running resyncs finish, queued ones are dropped: nobody waits
for them), or after ``idle`` seconds without a request once its queue is empty.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
import time
from typing import Any, Iterable, Optional

from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.batch import Batch
from ansible_collections.netsync.fleet.plugins.plugin_utils.resync_batch.protocol import (
    LineReader, ProtocolError, process_alive, send,
)

WAIT_LIMIT = 3600.0  # a worker is answered within its device timeout; this only bounds a bug


def listen(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    sock.listen(1024)
    return sock


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, getattr(socket, "SO_PEERCRED", 17), struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def serve_one(batch: Batch, conn: socket.socket) -> None:
    """Answer one worker's request on ``conn``."""
    try:
        if _peer_uid(conn) != os.getuid():
            return
        msg = LineReader(conn).read()
        if msg is None:
            return
        host, params = str(msg["host"]), dict(msg["params"])
        entry = batch.request(host, params, bool(msg.get("check_mode")), bool(msg.get("diff")))
        if not batch.wait_started(entry, WAIT_LIMIT):
            return  # stopped before it started: the worker runs it itself
        send(conn, {"started": entry.job_id})
        if not batch.wait_done(entry, WAIT_LIMIT):
            return
        send(conn, {"host": entry.host, "key": entry.key, "outcome": entry.outcome})
        batch.delivered(entry)
    except (OSError, ProtocolError, ValueError, KeyError, TypeError):
        pass  # the worker went away or sent garbage: it has its own fallback
    finally:
        conn.close()


def accept_loop(batch: Batch, sock: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn = sock.accept()[0]
        except socket.timeout:
            continue
        except OSError:
            return
        conn.settimeout(None)
        threading.Thread(target=serve_one, args=(batch, conn), daemon=True).start()


def run_until_done(batch: Batch, sock: socket.socket, path: str, playbook_pid: int, idle: float,
                   feed: Iterable[tuple[str, Optional[dict[str, Any]], bool, bool, bool]]) -> None:
    """Serve, feed the prefetched hosts, and return when the batch may end."""
    stop = threading.Event()
    sock.settimeout(0.2)
    acceptor = threading.Thread(target=accept_loop, args=(batch, sock, stop), daemon=True)
    acceptor.start()
    batch.start()
    try:
        for host, params, check_mode, diff, expected in feed:
            if not process_alive(playbook_pid):
                break
            if expected:
                batch.expect(host)
            if params is not None:
                batch.prefetch(host, params, check_mode, diff)
        while True:
            time.sleep(0.1)
            if not process_alive(playbook_pid):
                batch.stop()
                break
            if batch.idle() and (batch.undelivered() == 0 or time.monotonic() - batch.last_activity > idle):
                break
    finally:
        stop.set()
        try:
            os.unlink(path)  # no new worker finds us; one that did not get in runs its host itself
        except OSError:
            pass
        acceptor.join(2)
        sock.close()
        batch.stop()
        deadline = time.monotonic() + 600
        while not batch.idle() and time.monotonic() < deadline:
            time.sleep(0.05)  # running resyncs finish (their claims and statuses stay true)
        time.sleep(0.2)  # last replies leave
