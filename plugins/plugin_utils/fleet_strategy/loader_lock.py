# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-core's plugin loader assumes one thread per process (its workers are processes).

``PluginLoader._load_module_source`` puts a plugin's module into ``sys.modules`` *before* running
it, so a second thread asking for the same plugin meanwhile gets a half-run module: seen as
"Skipping plugin (.../filter/core.py) as it seems to be invalid: ... has no attribute
'FilterModule'", then ``'x' is undefined`` where a filter such as ``default`` was needed. This
serialises that one method with a re-entrant lock (a plugin's code may load another plugin).
Once a module is loaded, the method returns it from ``sys.modules`` at once, so the lock costs
nothing after the first use of each plugin.
"""
from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.RLock()


def guard_plugin_loading() -> bool:
    """Serialise ``PluginLoader._load_module_source`` (idempotent); False when it is not there."""
    from ansible.plugins.loader import PluginLoader

    original = getattr(PluginLoader, "_load_module_source", None)
    if original is None:
        return False
    if getattr(original, "_netsync_locked", False):
        return True

    @functools.wraps(original)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(self, *args, **kwargs)

    locked._netsync_locked = True  # type: ignore[attr-defined]
    PluginLoader._load_module_source = locked  # type: ignore[method-assign]
    return True
