"""The strategy's processes and the garbage collector: a pool process freezes what it inherited, the
parent only at exit; both can be switched off."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import heap

REPO = Path(__file__).resolve().parents[5]


@pytest.mark.parametrize("value,on", [(None, True), ("1", True), ("yes", True), ("0", False), ("off", False),
                                      (" False ", False), ("no", False)])
def test_switch(value: str | None, on: bool) -> None:
    environ = {} if value is None else {heap.ENV: value}
    assert heap.freeze_enabled(environ) is on


def _freeze_count_in_a_fork(monkeypatch: pytest.MonkeyPatch, value: str) -> tuple[int, bool]:
    """Fork as the pool does; the child calls freeze_inherited and reports gc's frozen count."""
    monkeypatch.setenv(heap.ENV, value)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            frozen = heap.freeze_inherited()
            os.write(write, b"%d %d" % (gc.get_freeze_count(), frozen))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        count, frozen = fh.read().split()
    os.waitpid(pid, 0)
    return int(count), frozen == b"1"


def test_a_pool_process_freezes_what_it_inherited_and_the_parent_is_untouched(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert gc.get_freeze_count() == 0
    count, frozen = _freeze_count_in_a_fork(monkeypatch, "1")
    assert frozen and count > 1000  # pytest's own heap, inherited
    assert gc.get_freeze_count() == 0


def test_switched_off_nothing_is_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _freeze_count_in_a_fork(monkeypatch, "0") == (0, False)


EXIT_PROBE = r"""
import atexit, gc, sys
sys.path[:0] = [sys.argv[1]]
# registered first, so it runs last: after the strategy's handler
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, flush=True))
from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy import heap
print("registered:", heap.freeze_at_exit(), heap.freeze_at_exit(), flush=True)
print("frozen before exit:", gc.get_freeze_count() > 0, flush=True)
"""


@pytest.mark.parametrize("value,expected", [
    ("1", ["registered: True False", "frozen before exit: False", "frozen at exit: True"]),
    ("0", ["registered: False False", "frozen before exit: False", "frozen at exit: False"]),
])
def test_ansible_playbook_freezes_its_heap_only_at_exit_once(value: str, expected: list[str]) -> None:
    env = dict(os.environ, **{heap.ENV: value})
    out = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(REPO / ".collections")], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.splitlines() == expected
