"""Two threads loading the same plugin module at once both get it fully run."""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from ansible.plugins.loader import PluginLoader

from ansible_collections.netsync.fleet.plugins.plugin_utils.fleet_strategy.loader_lock import guard_plugin_loading

# signals that it is running, then takes its time before defining its class
SLOW_PLUGIN = ("import sys\nimport time\nsys.modules['netsync_test_gate'].started.set()\ntime.sleep(0.5)\n\n\n"
               "class FilterModule:\n    pass\n")


class Gate:
    def __init__(self) -> None:
        self.started = threading.Event()


def load_twice_at_once(path: Path, name: str) -> list[bool]:
    loader = PluginLoader("FilterModule", "ansible.plugins.filter", "filter_plugins", "filter_plugins")
    got: list[bool] = []  # whether the module was whole when the loader returned it
    gate = sys.modules["netsync_test_gate"] = Gate()  # type: ignore[assignment]
    threads = [threading.Thread(target=lambda: got.append(hasattr(
        loader._load_module_source(python_module_name=name, path=str(path)), "FilterModule"))) for _ in range(2)]
    threads[0].start()
    assert gate.started.wait(30)  # the first thread is running the plugin's code: the second asks now
    threads[1].start()
    for thread in threads:
        thread.join()
    sys.modules.pop(name, None)
    sys.modules.pop("netsync_test_gate", None)
    return got


def test_without_the_lock_a_second_thread_gets_a_half_run_module(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "slow.py"
    path.write_text(SLOW_PLUGIN)
    original = getattr(PluginLoader._load_module_source, "__wrapped__", PluginLoader._load_module_source)
    monkeypatch.setattr(PluginLoader, "_load_module_source", original)
    assert load_twice_at_once(path, "netsync_test_slow_unlocked") == [False, True]  # the second returned first


def test_with_the_lock_both_get_the_whole_module(tmp_path: Path, monkeypatch: Any) -> None:
    original = getattr(PluginLoader._load_module_source, "__wrapped__", PluginLoader._load_module_source)
    monkeypatch.setattr(PluginLoader, "_load_module_source", original)
    assert guard_plugin_loading() is True and guard_plugin_loading() is True
    assert PluginLoader._load_module_source.__wrapped__ is original  # type: ignore[attr-defined]  # wrapped once
    path = tmp_path / "slow.py"
    path.write_text(SLOW_PLUGIN)
    assert load_twice_at_once(path, "netsync_test_slow_locked") == [True, True]
