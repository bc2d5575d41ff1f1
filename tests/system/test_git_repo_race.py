"""Two first exports at once create the git repository once (real git): both ran ``git init`` and one
failed with "could not lock config file" (seen in a fresh-clone CI run of the racing-exports test;
16 of 20 rounds of 6 creators failed before the fix)."""
from __future__ import annotations

import multiprocessing
import subprocess
from pathlib import Path
from typing import Any

from ansible_collections.netsync.fleet.plugins.module_utils.history import _git


def _create(repo: str, barrier: Any, errors: Any) -> None:
    barrier.wait()
    try:
        _git.ensure_repo(repo, False, "main")
    except Exception as exc:  # reported to the test
        errors.put(repr(exc)[:300])


def test_creators_racing_on_a_new_repository_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    failures: list[str] = []
    for round_ in range(10):
        repo = str(tmp_path / ("configs-%d" % round_))
        barrier, errors = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_create, args=(repo, barrier, errors)) for _ in range(6)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert all(proc.exitcode == 0 for proc in procs)
        while not errors.empty():
            failures.append(errors.get())
        head = subprocess.run(["git", "-C", repo, "symbolic-ref", "HEAD"], capture_output=True, text=True)
        assert head.stdout.strip() == "refs/heads/main"
    assert failures == []
