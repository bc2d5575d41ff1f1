"""A backfill of the git export against the plain git command line, in the same run.

A fresh store with ``--devices`` Junos devices of ``--ifaces`` interfaces and ``--versions``
snapshots each (one description changes per version, each by another user). Timed:

- ``git_export``: ``run_git_export`` into a new repository (render, mask, one ``git fast-import``);
- the peer: the same commits made one by one with the git command line (write the file,
  ``git add``, ``git commit`` with the author and date in the environment), the texts rendered
  beforehand and not timed;
- a second ``git_export`` run (nothing to add).

Checked before any time is reported: both repositories hold one commit per snapshot with the
same authors, dates and the same file contents; the second run adds nothing.

``python benchmarks/history/bench_git_export.py --devices 20 --versions 10 --ifaces 48``
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".collections")]

from ansible_collections.netsync.fleet.plugins.module_utils import store as st  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.history.git_export import run_git_export  # noqa: E402
from ansible_collections.netsync.fleet.plugins.module_utils.history.text import snapshot_text  # noqa: E402
from tests.support.datagen import junos_config  # noqa: E402

T0 = 1_790_000_000


def build(path: str, devices: int, versions: int, ifaces: int) -> None:
    with st.open_store(path) as store, store.transaction():
        for d in range(devices):
            name = "r%04d" % d
            store.devices.upsert(name, "127.0.0.1", 830, "junos", {})
            for v in range(versions):
                config = junos_config(name, ifaces, {v % ifaces: "change %d" % v})
                store.devices.add_snapshot(name, "junos-xml", config, config, "%s-%d" % (name, v),
                                           float(T0 + v * 600 + d), "user%d" % (v % 7), None, None)


def git(repo: str, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def peer(store_path: str, repo: str) -> float:
    """One ``git add`` + ``git commit`` per snapshot; returns the seconds spent in git."""
    subprocess.run(["git", "init", "-q", "--initial-branch=main", repo], check=True)
    with st.open_store(store_path, create=False) as store:
        key = store.mask_key()
        todo = []
        for row in store.devices.all():
            for meta in store.devices.list_snapshots(row["name"]):
                snap = store.devices.get_snapshot(row["name"], int(meta["version"]))
                assert snap is not None
                todo.append((float(snap["commit_time"]), row["name"], snap, snapshot_text(snap, key)))
    todo.sort(key=lambda t: (t[0], t[1]))
    started = time.perf_counter()
    for when, name, snap, text in todo:
        path = Path(repo, "routers", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        user = str(snap["commit_user"])
        env = dict(os.environ, GIT_AUTHOR_NAME=user, GIT_AUTHOR_EMAIL="%s@%s" % (user, name),
                   GIT_AUTHOR_DATE="%d +0000" % int(when), GIT_COMMITTER_NAME="netsync",
                   GIT_COMMITTER_EMAIL="netsync@localhost")
        git(repo, "add", "routers/%s" % name, env=env)
        git(repo, "commit", "-q", "-m", "%s v%s" % (name, snap["version"]), env=env)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--ifaces", type=int, default=48)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "fleet.db")
        build(store, args.devices, args.versions, args.ifaces)
        ours, theirs = os.path.join(tmp, "export"), os.path.join(tmp, "peer")
        params = {"store": store, "repo": ours, "branch": "main", "path_template": "routers/{name}",
                  "authors": {}, "committer": "netsync <netsync@localhost>", "bare": False, "lock_timeout": 60.0}
        started = time.perf_counter()
        result = run_git_export(params)
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        again = run_git_export(params)
        again_s = time.perf_counter() - started
        peer_s = peer(store, theirs)
        total = args.devices * args.versions
        fmt = ["log", "--reverse", "--format=%an|%ae|%at"]
        assert result["commits"] == total and again["commits"] == 0, (result["commits"], again["commits"])
        assert git(ours, *fmt) == git(theirs, *fmt) and git(ours, *fmt).count("\n") == total
        assert git(ours, "rev-parse", "HEAD^{tree}") == git(theirs, "rev-parse", "HEAD^{tree}")
    load = open("/proc/loadavg").read().split()[:3]
    print("backfill of %d snapshots (%d devices x %d versions, %d interfaces): git_export %.2fs (%.1f ms/commit), "
          "git add+commit %.2fs (%.1f ms/commit): %.1fx faster; second run %.2fs; load %s"
          % (total, args.devices, args.versions, args.ifaces, export_s, 1000 * export_s / total, peer_s,
             1000 * peer_s / total, peer_s / export_s, again_s, " ".join(load)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
