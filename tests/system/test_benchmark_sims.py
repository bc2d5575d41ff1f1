"""The burst benchmark's simulators (benchmarks/listener/sims.py): commits written without waiting,
replies collected by a reader thread per process. A refactor of the simulator process plumbing once
broke this without any test noticing (the benchmark died at its first commit)."""
from __future__ import annotations

import pytest

from benchmarks.listener.sims import Sims


def test_commits_are_sent_to_every_process_and_every_reply_is_counted() -> None:
    sims = Sims(4, 2)
    try:
        ports = sims.start()
        assert sorted(ports) == ["a1", "a2", "b1", "b2"] and sims.names == ["a1", "a2", "b1", "b2"]
        for name in sims.names:
            sims.send_commit(name, ["set interfaces ge-0/0/1 description bench-%s" % name])
        sims.wait_replies(60)
        assert [(p.sent, p.replies, p.errors) for p in sims.procs] == [(2, 2, []), (2, 2, [])]
        sims.send_commit("a1", ["this is not a set command"])
        with pytest.raises(RuntimeError, match="1 commits failed"):
            sims.wait_replies(60)
    finally:
        sims.stop()
