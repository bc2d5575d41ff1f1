"""Fault injection on the real child server process: idle-connection exhaustion under a 1,024-fd
limit, idle connections closed, deeply nested JSON answered 400."""
from __future__ import annotations

import json
import resource
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store
from tests.system.federation.servers import ProcessChild, new_token

pytestmark = pytest.mark.system
IDLE_CLIENTS = 1100
FD_LIMIT = 1024


@pytest.fixture
def client_fds() -> Iterator[None]:
    """This test process needs more than 1,100 descriptors for its idle clients."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE_CLIENTS + 200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.fail("the hard fd limit %d is below %d: the test cannot open its clients" % (hard, wanted))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def start_child(tmp_path: Path, *extra: str, fd_limit: int = 0) -> tuple[ProcessChild, str]:
    store = tmp_path / "site.db"
    open_store(str(store), create=True).close()
    token = new_token()
    (tmp_path / "token").write_text(token + "\n")
    child = ProcessChild(str(store), "site-a", tmp_path / "token", extra=extra)
    if fd_limit:
        child.cmd = ["prlimit", "--nofile=%d:%d" % (fd_limit, fd_limit), *child.cmd]
    return child.start(), token


def call(child: ProcessChild, token: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(child.url + "/api/v1" + path, data=body, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def stop_and_read_stderr(child: ProcessChild) -> str:
    child.stop()
    assert child.proc is not None and child.proc.stderr is not None
    return child.proc.stderr.read()


def test_idle_connection_exhaustion_keeps_the_child_answering_with_a_quiet_log(
        tmp_path: Path, client_fds: None) -> None:
    child, token = start_child(tmp_path, fd_limit=FD_LIMIT)
    port = int(child.url.rsplit(":", 1)[1])
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            idle.append(sock)
        for _ in range(5):  # every new client is answered: the oldest idle connections make room
            status, body = call(child, token, "/time")
            assert (status, body["site"]) == (200, "site-a")
        status, stats = call(child, token, "/stats")
        assert status == 200
        conns = stats["counters"]["connections"]
        assert conns["open"] == 512  # --max-connections default, under the fd budget (1024 - 64)
        assert conns["refused_over_cap"] == 0 and conns["accept_errors"] == 0
        # exactly the connections the server says it evicted are closed on the client side
        assert conns["evicted_idle"] == IDLE_CLIENTS + 1 - 512  # +1: the /stats connection itself
        assert sum(closed_by_server(s) for s in idle) == conns["evicted_idle"]
    finally:
        for sock in idle:
            sock.close()
        stderr = stop_and_read_stderr(child)
    assert stderr == ""  # no traceback per failed accept(), nothing at all


def test_idle_connections_are_closed_after_the_idle_timeout(tmp_path: Path) -> None:
    child, token = start_child(tmp_path, "--idle-timeout", "1")
    port = int(child.url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(10)]
    half = idle[5:]
    for sock in half:  # half of them send half a request and stop (slow loris)
        sock.sendall(b"GET /api/v1/time HTTP/1.1\r\nHost: x\r\n")
    try:
        deadline = time.monotonic() + 60
        for sock in idle:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            assert sock.recv(1) == b""  # the server closed it (a timeout here raises and fails)
        status, stats = call(child, token, "/stats")
        assert status == 200 and stats["counters"]["connections"]["open"] == 1
    finally:
        for sock in idle:
            sock.close()
        stop_and_read_stderr(child)


def test_deeply_nested_json_is_400_and_the_child_keeps_serving(tmp_path: Path) -> None:
    child, token = start_child(tmp_path)
    try:
        for body in (b"[" * 500_000, b'{"keys": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                     b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
            status, answer = call(child, token, "/topology/objects", body)
            assert (status, answer["error"]) == (400, "bad_json"), answer
        status, answer = call(child, token, "/topology/objects", b'{"keys": ["Device:r1"]}')
        assert status == 200 and answer["objects"] == []
        status, stats = call(child, token, "/stats")
        assert stats["counters"]["/topology/objects"]["errors"] == 3
    finally:
        stderr = stop_and_read_stderr(child)
    assert "Traceback" not in stderr and "internal error" not in stderr
