"""File descriptors, log growth and answers of a child server under idle-connection exhaustion.

Usage: .venv/bin/python benchmarks/federation/bench_idle_fds.py [--clients 1100] [--fd-limit 1024] [--hold 10]

The child server runs with its one command under ``prlimit --nofile=<fd-limit>``; this process
opens ``--clients`` idle TCP connections to it, then for ``--hold`` seconds asks ``/time`` once a
second. Measured: the child's open descriptors (``/proc/<pid>/fd``), its stderr growth, how many
``/time`` requests were answered, and the connections it closed.

Peer (same run): the same application served the way the child did before the connection guard
(aiohttp's ``TCPSite``, keep-alive timeout 75 s, no cap, the loop's default exception handler).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / ".collections"))
sys.path.insert(0, str(REPO))

PEER = r"""
import asyncio, sys
from aiohttp import web
from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.api import server_config
from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.app import make_app
async def main():
    cfg = server_config(open_store(sys.argv[1]), "site-a", open(sys.argv[2]).readline().strip())
    runner = web.AppRunner(make_app(cfg), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print("listening on http://127.0.0.1:%d" % runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def run_one(kind: str, store: str, token_file: str, token: str, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH="%s:%s" % (REPO / ".collections", REPO))
    if kind == "ours":
        cmd = [sys.executable, "-m", "ansible_collections.netsync.fleet.plugins.plugin_utils.federation_child.server",
               "--store", store, "--site", "site-a", "--listen", "127.0.0.1:0", "--token-file", token_file]
    else:
        cmd = [sys.executable, "-c", PEER, store, token_file]
    errlog = Path(tmp) / ("%s.err" % kind)
    with errlog.open("w") as err:
        proc = subprocess.Popen(["prlimit", "--nofile=%d:%d" % (args.fd_limit, args.fd_limit), *cmd],
                                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[-1]
    port = int(url.rsplit(":", 1)[1])
    socks = []
    try:
        for _ in range(args.clients):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=30))
        answered, peak_fds = 0, 0
        for _ in range(args.hold):
            time.sleep(1)
            peak_fds = max(peak_fds, len(os.listdir("/proc/%d/fd" % proc.pid)))
            req = urllib.request.Request(url + "/api/v1/time", headers={"Authorization": "Bearer " + token})
            try:
                with urllib.request.urlopen(req, timeout=3) as resp:
                    answered += json.loads(resp.read())["site"] == "site-a"
            except OSError:
                pass
        closed = 0
        for sock in socks:
            sock.setblocking(False)
            try:
                closed += sock.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
    finally:
        for sock in socks:
            sock.close()
        proc.terminate()
        proc.wait(15)
    return {"peak_fds": peak_fds, "stderr_bytes": errlog.stat().st_size, "answered": answered,
            "asked": args.hold, "closed_by_server": closed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1100)
    parser.add_argument("--fd-limit", type=int, default=1024)
    parser.add_argument("--hold", type=int, default=10)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, args.clients + 200), hard))
    from ansible_collections.netsync.fleet.plugins.module_utils.store import open_store
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "site.db")
        open_store(store, create=True).close()
        token = "t" * 24
        token_file = os.path.join(tmp, "token")
        Path(token_file).write_text(token + "\n")
        out = {"load": open("/proc/loadavg").read().split()[:3], "clients": args.clients, "fd_limit": args.fd_limit}
        for kind in ("ours", "peer"):
            out[kind] = run_one(kind, store, token_file, token, args, tmp)
    assert out["ours"]["answered"] == args.hold, out  # correctness before any figure
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
