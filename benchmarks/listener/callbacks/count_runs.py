"""count_runs: appends one line per ansible-playbook run to $NETSYNC_BENCH_RUNS (benchmarks only)."""
from __future__ import annotations

import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: count_runs
type: aggregate
short_description: count playbook runs (benchmarks)
description: >-
  Appends "start TIME" when a run starts and "end TIME HOSTS" when it ends to the file named by
  NETSYNC_BENCH_RUNS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "count_runs"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, text: str) -> None:
        path = os.environ.get("NETSYNC_BENCH_RUNS")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(text + "\n")

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._write("start %.3f" % time.time())

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._write("end %.3f %d" % (time.time(), len(stats.processed)))
