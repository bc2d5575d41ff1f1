"""The floor: a bare ncclient thread pool doing the same device work as a resync, no Ansible.

    HOME=<dir with .ssh/known_hosts> python benchmarks/resync/floor.py --threads 20 < targets.json

``targets.json`` (on stdin): ``[{"name", "host", "port", "username", "password"}, ...]``. For each
device, in a pool of ``--threads``: open a NETCONF session, check the server's host key against
``~/.ssh/known_hosts`` (read once into a dict: ncclient's own check parses the whole file for every
session, O(N^2) per session with paramiko, which would make the floor slow at fleet size),
``<get-configuration database="committed" format="xml"/>``, close.
ncclient's ``TICK`` is lowered to 0.002 s, as our sessions do, so the floor is not slowed by it.
``--nodelay``: each session's socket is opened with ``TCP_NODELAY`` and given to ncclient (its ``sock``
argument), as our sessions do (docs/architecture.md); without it, bare ncclient as its users run it.
Prints ``{name: {"ok", "bytes", "sha256"|"error"}}`` as JSON; the caller checks it and times
the whole process (Python start-up and imports included, as for ansible-playbook).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any


KNOWN: dict[str, tuple[str, str]] = {}


def load_known_hosts(path: str) -> None:
    with open(path) as fh:
        for line in fh:
            fields = line.split()
            if len(fields) >= 3 and not fields[0].startswith("#"):
                for name in fields[0].split(","):
                    KNOWN.setdefault(name, (fields[1], fields[2]))


NODELAY = False


def read_one(target: dict[str, Any]) -> dict[str, Any]:
    import socket

    from lxml import etree  # type: ignore[import-untyped,unused-ignore]
    from ncclient import manager  # type: ignore[import-untyped]

    try:
        extra: dict[str, Any] = {}
        if NODELAY:
            sock = socket.create_connection((target["host"], int(target["port"])), timeout=60)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            extra["sock"] = sock
        with manager.connect(host=target["host"], port=int(target["port"]), username=target["username"],
                             password=target["password"], hostkey_verify=False, allow_agent=False,
                             look_for_keys=False, timeout=60, device_params={"name": "junos"}, **extra) as m:
            key = m._session._transport.get_remote_server_key()
            want = KNOWN.get("[%s]:%s" % (target["host"], target["port"])) or KNOWN.get(target["host"])
            if want is None or (key.get_name(), key.get_base64()) != want:
                raise RuntimeError("host key of %s:%s not in known_hosts" % (target["host"], target["port"]))
            reply = m.dispatch(etree.fromstring('<get-configuration database="committed" format="xml"/>'))
            text = reply.xml if hasattr(reply, "xml") else str(reply)
        return {"ok": True, "bytes": len(text), "text": text}
    except Exception as exc:  # reported per device; the caller fails the run
        return {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}


def main() -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/resync/floor.py")
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--nodelay", action="store_true", help="TCP_NODELAY on each session's socket")
    args = parser.parse_args()
    global NODELAY
    NODELAY = args.nodelay
    from ncclient.transport import session as nc_session  # type: ignore[import-untyped]

    nc_session.TICK = 0.002
    load_known_hosts(os.path.expanduser("~/.ssh/known_hosts"))
    targets = json.load(sys.stdin)
    with ThreadPoolExecutor(args.threads) as pool:
        results = dict(zip((t["name"] for t in targets), pool.map(read_one, targets), strict=True))
    for res in results.values():
        if res.get("ok"):
            text = res.pop("text")
            res["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            res["markers"] = sorted(set(re.findall(r"bench-[0-9]+-[0-9a-f]{8}", text)))
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
