"""The federation inventory against ansible-core's script inventory of the very same hosts.

The peer is an executable inventory script that prints, on ``--list``, one JSON document with
every group (``hosts``) and ``_meta.hostvars``: the same host names, groups and variables as the
master's stored host documents. It does no work of its own (``exec cat`` of a file written
beforehand), so the peer's time is ansible-core's alone.

Unsafe strings: ansible-core 2.19 tags a script's output ``TrustedAsTemplate`` and decodes it
with its ``inventory_legacy`` JSON profile, in which every string of ``_meta.hostvars`` and of a
group's ``vars`` is trusted as a template *unless* it is written ``{"__ansible_unsafe": "..."}``.
So the peer writes every string value that way, as ours are (ours never carry the trust tag).
Both sides' ``ansible-inventory --list`` then print each string as ``{"__ansible_unsafe": ...}``,
which :func:`check_same` compares: a trusted string on either side would print as plain text.

    .venv/bin/python benchmarks/federation/inventory_peer.py --workdir DIR [--repeat 1]

``DIR`` is a workdir of ``run.py`` (``master.db``, ``sites.federation.yml`` with a filled cache).
"""
from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]
VENV_BIN = Path(sys.executable).parent


def unsafe(value: Any) -> Any:
    """``value`` with every string written as ansible-core's ``__ansible_unsafe`` form."""
    if isinstance(value, str):
        return {"__ansible_unsafe": value}
    if isinstance(value, dict):
        return {k: unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsafe(v) for v in value]
    return value


def write_peer(master_url: str, work: Path) -> tuple[Path, int]:
    """The peer script (and the JSON it prints) from the master's host documents; (script, host count)."""
    from ansible_collections.netsync.fleet.plugins.module_utils import store as st

    groups: dict[str, dict[str, list[str]]] = {}
    hostvars: dict[str, Any] = {}
    with st.open_store(master_url) as store:
        for doc in store.fed_topology.hosts():
            hostvars[doc["name"]] = unsafe(doc["vars"])
            for g in doc["groups"]:
                groups.setdefault(g, {"hosts": []})["hosts"].append(doc["name"])
    data: dict[str, Any] = dict(groups)
    data["_meta"] = {"hostvars": hostvars}
    out = work / "peer-list.json"
    with out.open("w") as handle:
        json.dump(data, handle, separators=(",", ":"))
    script = work / "peer_inventory.sh"
    script.write_text('#!/bin/sh\n# --list only (the output has _meta.hostvars, so --host is never asked)\n'
                      'exec cat "%s"\n' % out)
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script, len(hostvars)


def normalised(list_json: str) -> dict[str, Any]:
    """``ansible-inventory --list`` output with the members of each group sorted (their order is not data)."""
    data = json.loads(list_json)
    for name, group in data.items():
        if name == "_meta":
            continue
        for key in ("hosts", "children"):
            if key in group:
                group[key] = sorted(group[key])
    return data


def check_same(ours: Path, peer: Path, hosts: int) -> str:
    """Raise unless both ``--list`` outputs hold the same hosts, groups and variables (unsafe marks included)."""
    a, b = normalised(ours.read_text()), normalised(peer.read_text())
    if len(a["_meta"]["hostvars"]) != hosts:
        raise AssertionError("ours printed %d hosts, %d expected" % (len(a["_meta"]["hostvars"]), hosts))
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise AssertionError("--list differs between ours and the peer in: %s" % diff[:10])
    marks = json.dumps(a["_meta"]["hostvars"]).count('"__ansible_unsafe"')
    plain = sum(1 for _ in _strings(a["_meta"]["hostvars"]))
    if plain:
        raise AssertionError("%d host variable strings are printed trusted" % plain)
    return "same: %d hosts, %d groups, %d unsafe strings" % (hosts, len(a) - 1, marks)


def _strings(value: Any) -> Any:
    """Every plain string leaf (one ``__ansible_unsafe`` mapping counts as marked, not as a string)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def run_rusage(cmd: list[str], env: dict[str, str], out_path: Path) -> dict[str, Any]:
    """Run to completion: wall, CPU (user + system of the process and its children), peak RSS."""
    start = time.monotonic()
    load = os.getloadavg()[0]
    with out_path.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, cwd=str(REPO))
        _pid, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read() if proc.stderr else b""
    seconds = time.monotonic() - start
    if status != 0:
        raise RuntimeError("%s failed (status %s): %s" % (cmd[:4], status, err[-2000:].decode(errors="replace")))
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024.0,
            "load_before": load, "load_after": os.getloadavg()[0]}


def _helper(*args: str) -> str:
    """This file's subcommand in a fresh process: the measuring parent stays small.

    (A child's peak RSS counts what it inherited at fork and kept until exec, so a parent holding
    the peer's data would inflate every measured peak.)
    """
    return subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                          cwd=str(REPO)).stdout.strip()


def measure(work: Path, master_url: str, fed_path: Path, repeat: int = 1) -> dict[str, Any]:
    """``--list`` and ``--graph`` of ours (from its cache) and of the script peer, checked equal first."""
    hosts = int(_helper("peer", "--workdir", str(work), "--store", master_url))
    script = work / "peer_inventory.sh"
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    inv = str(VENV_BIN / "ansible-inventory")
    sources = {"ours": str(fed_path), "peer": str(script)}
    res: dict[str, Any] = {"hosts": hosts, "peer_file_mib": (work / "peer-list.json").stat().st_size / 2 ** 20}
    # each side's --list and --graph, alternating, so a change in load hits both; the outputs of the first
    # round are compared (hosts, groups, variables, unsafe marks) before any time is reported
    for rep in range(repeat):
        for mode in ("--list", "--graph"):
            for side in ("ours", "peer"):
                out = work / ("%s.%s%s" % (side, mode.strip("-"), ".json" if mode == "--list" else ""))
                r = run_rusage([inv, mode, "-i", sources[side]], env, out if rep == 0 else work / "timed.out")
                res.setdefault(mode.strip("-"), {}).setdefault(side, []).append(r)
        if rep == 0:
            res["check"] = _helper("check", "--workdir", str(work), "--hosts", str(hosts))
            if (work / "ours.graph").read_text() != (work / "peer.graph").read_text():
                raise AssertionError("--graph differs between ours and the peer")
            print(res["check"], flush=True)
    for mode in ("list", "graph"):
        for side in ("ours", "peer"):
            for r in res[mode][side]:
                print(side, mode, {k: round(v, 2) for k, v in r.items()}, flush=True)
    for mode in ("list", "graph"):
        o, p = res[mode]["ours"], res[mode]["peer"]
        res[mode]["ratio"] = {k: _median([x[k] for x in o]) / _median([x[k] for x in p])
                              for k in ("seconds", "cpu_seconds", "peak_mib")}
    return res


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("command", nargs="?", default="measure", choices=["measure", "peer", "check"])
    p.add_argument("--workdir", required=True, help="a run.py workdir (master.db, sites.federation.yml)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--out", help="JSON results file")
    p.add_argument("--store", help="the master's store (default DIR/master.db)")
    p.add_argument("--hosts", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    work = Path(args.workdir).resolve()
    if args.command == "peer":
        print(write_peer(args.store, work)[1])
        return 0
    if args.command == "check":
        print(check_same(work / "ours.list.json", work / "peer.list.json", args.hosts))
        return 0
    res = measure(work, args.store or str(work / "master.db"), work / "sites.federation.yml", args.repeat)
    text = json.dumps(res, indent=2)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
